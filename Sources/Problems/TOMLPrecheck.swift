/// A lexical pass over TOML text that finds what toml++ (under TOMLKit) cannot report: table
/// headers it asserts on, and `\u0000` escapes, which TOMLKit would silently cut short.
///
/// toml++ 3 asserts (debug builds abort; release builds assume it, which is undefined behaviour)
/// that a table header's name starts with a bare-key character or a quote: `[(]`, `[*]`, `[=]`,
/// `[.]`, `[#]`, `[[(]]` or a `[` at the end of a line never reach its own error path. So every
/// header at the start of a statement is checked here first, and reported as the TOML syntax
/// error it is, with its line.
///
/// The scan follows TOML's statement structure only as far as needed to know where statements
/// start: strings (basic, literal, multi-line), comments, and the brackets of multi-line arrays
/// and inline tables, inside which a `[` is a value, not a header.
enum TOMLPrecheck {
    /// The first such problem, as (1-based line, message); nil when none.
    static func unsafeHeader(in text: String) -> (line: Int, message: String)? {
        let s = Array(text.unicodeScalars)
        var i = 0, line = 1
        var nul: Int?
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func isBare(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        }
        /// Skips a string starting at i (a quote); counts the newlines of multi-line strings.
        func skipString() {
            let q = s[i]
            let multi = at(i + 1) == q && at(i + 2) == q
            i += multi ? 3 : 1
            while i < s.count {
                let c = s[i]
                if c == "\\" && q == "\"" {
                    // TOMLKit hands strings over as C strings, so a NUL would silently cut one short.
                    let escape = String(String.UnicodeScalarView(s[(i + 1)..<min(i + 10, s.count)]))
                    if escape.hasPrefix("u0000") || escape.hasPrefix("U00000000") { nul = nul ?? line }
                    if at(i + 1) == "\n" { line += 1 }
                    i += 2; continue
                }
                if c == "\n" { if !multi { return }; line += 1 }
                if c == q && (!multi || (at(i + 1) == q && at(i + 2) == q)) {
                    i += multi ? 3 : 1
                    // A multi-line string may end with up to two extra quotes.
                    if multi { while at(i) == q { i += 1 } }
                    return
                }
                i += 1
            }
        }
        func skipComment() { while i < s.count && s[i] != "\n" { i += 1 } }

        while i < s.count {
            // Statement start: blanks, newlines and comments.
            let c = s[i]
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "\n" { line += 1; i += 1; continue }
            if c == "#" { skipComment(); continue }
            if c == "[" {
                var j = i + 1
                if at(j) == "[" { j += 1 }
                while at(j) == " " || at(j) == "\t" { j += 1 }
                if let n = at(j), n != "]", n != "[", !isBare(n), n != "\"", n != "'" {
                    let shown = n == "\n" || n == "\r" ? "the end of the line" : "'\(n)'"
                    return (line, "TOML syntax error: a table header needs a name (a bare key or a quoted string) after '[', found \(shown)")
                }
                skipComment()  // a header is one line; what follows is toml++'s to judge
                continue
            }
            if let nul { return (nul, "a NUL character (\\u0000) in a string is not supported") }
            // A key = value statement: ends at a newline outside strings and brackets.
            var depth = 0
            while i < s.count {
                let c = s[i]
                if c == "\"" || c == "'" { skipString(); continue }
                if c == "#" { skipComment(); continue }
                if c == "[" || c == "{" { depth += 1 }
                if c == "]" || c == "}" { depth = max(0, depth - 1) }
                if c == "\n" {
                    line += 1; i += 1
                    if depth == 0 { break }
                    continue
                }
                i += 1
            }
        }
        return nul.map { ($0, "a NUL character (\\u0000) in a string is not supported") }
    }
}
