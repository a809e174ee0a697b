/// A lexical pass over TOML text that finds what toml++ (under TOMLKit) cannot report: table
/// headers and array elements it asserts on, and `\u0000` escapes, which TOMLKit would silently
/// cut short.
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
    /// Dotted keys deeper than this are refused: the configuration tree is converted
    /// recursively, and ten thousand levels would overflow the stack.
    static let maxKeyDepth = 64
    static let tooDeep = "TOML syntax error: a dotted key or table name with more than \(maxKeyDepth) levels"
    /// Arrays and inline tables nested deeper than this are refused before parsing: each level
    /// costs a recursion in toml++ and in the conversion to ConfigValue, and the key paths built
    /// on the way grow with the depth (10,000 levels took 1.7 GB). No problem file needs more
    /// than a few (a box is an array of arrays).
    static let maxNesting = 64
    static let tooNested = "TOML syntax error: arrays or inline tables nested more than \(maxNesting) deep"

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
        /// toml++ asserts that an array element does not start with a value terminator; after
        /// '[' or ',' it skips blanks, line breaks and comments and handles ',' and ']' itself,
        /// which leaves '}' and the Unicode line separators (U+2028, U+2029, U+0085).
        func arrayElementProblem(after k: Int) -> (newlines: Int, message: String)? {
            var j = k + 1, newlines = 0
            while let c = at(j) {
                if c == " " || c == "\t" || c == "\r" { j += 1 } else if c == "\n" { newlines += 1; j += 1 } else if c == "#" {
                    while let d = at(j), d != "\n" { j += 1 }
                } else { break }
            }
            guard let c = at(j), c == "}" || c == "\u{2028}" || c == "\u{2029}" || c == "\u{85}" else { return nil }
            let shown = c == "}" ? "'}'" : String(format: "U+%04X", c.value)
            return (newlines, "TOML syntax error: expected a value or ']' in an array, found \(shown)")
        }

        while i < s.count {
            // Statement start: blanks, newlines and comments.
            let c = s[i]
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "\n" { line += 1; i += 1; continue }
            if c == "#" { skipComment(); continue }
            if c == "[" {
                // toml++: '[', blanks, an optional second '[' (only right after the first: after
                // blanks it reports the error itself), blanks, then the name.
                var j = i + 1
                while at(j) == " " || at(j) == "\t" { j += 1 }
                let spaced = j > i + 1
                if at(j) == "[" && !spaced {
                    j += 1
                    while at(j) == " " || at(j) == "\t" { j += 1 }
                }
                if let n = at(j), n != "]", !(n == "[" && spaced), !isBare(n), n != "\"", n != "'" {
                    let shown = n == "\n" || n == "\r" ? "the end of the line" : "'\(n)'"
                    return (line, "TOML syntax error: a table header needs a name (a bare key or a quoted string) after '[', found \(shown)")
                }
                // A header is one line; what follows is toml++'s to judge, but its depth is ours:
                // ConfigValue recurses once per dotted level.
                var dots = 0, k = j
                while let c = at(k), c != "\n", c != "]" {
                    if c == "\"" || c == "'" { i = k; skipString(); k = i; continue }
                    if c == "." { dots += 1 }
                    k += 1
                }
                if dots >= maxKeyDepth { return (line, tooDeep) }
                i = k
                skipComment()
                continue
            }
            if let nul { return (nul, "a NUL character (\\u0000) in a string is not supported") }
            // A key = value statement: ends at a newline outside strings and brackets.
            var open: [Unicode.Scalar] = []
            var inKey = true, dots = 0  // a key starts the statement, and each inline-table entry
            while i < s.count {
                let c = s[i]
                if c == "\"" || c == "'" { skipString(); continue }
                if c == "#" { skipComment(); continue }
                if inKey && c == "." {
                    dots += 1
                    if dots >= maxKeyDepth { return (line, tooDeep) }
                }
                if c == "=" { inKey = false }
                if c == "{" || (c == "," && open.last == "{") { inKey = true; dots = 0 }
                if c == "[" || c == "{" {
                    open.append(c)
                    if open.count > maxNesting { return (line, tooNested) }
                }
                if c == "]" || c == "}" { _ = open.popLast() }
                if (c == "[" || c == ",") && open.last == "[", let bad = arrayElementProblem(after: i) {
                    return (line + bad.newlines, bad.message)
                }
                if c == "\n" {
                    line += 1; i += 1
                    if open.isEmpty { break }
                    continue
                }
                i += 1
            }
        }
        return nul.map { ($0, "a NUL character (\\u0000) in a string is not supported") }
    }
}
