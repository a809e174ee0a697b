/// The order in which a TOML text writes its keys.
///
/// TOMLKit returns a table's keys unordered, but the order matters to users: a product sweep
/// varies the last written parameter fastest, and `sweep.csv`'s columns follow the file. This
/// scan records, for every key path the text defines (table headers, dotted keys, keys of
/// inline tables), the rank of its first appearance. It runs only on text TOMLKit has already
/// accepted, so it follows TOML's grammar loosely and never reports errors; a key it cannot
/// place simply has no rank (and sorts after the ranked ones, alphabetically).
public struct TOMLKeyOrder: Sendable {
    private(set) var rank: [[String]: Int] = [:]

    init(_ text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.document { path in if rank[path] == nil { rank[path] = rank.count } }
    }

    /// The rank of a full key path's first appearance, if the scan placed it.
    public func rank(of path: [String]) -> Int? { rank[path] }

    /// `keys` of the table at `path`, in file order.
    func ordered(_ keys: some Sequence<String>, in path: [String]) -> [String] {
        keys.sorted { a, b in
            switch (rank[path + [a]], rank[path + [b]]) {
            case let (x?, y?): x < y
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): a < b
            }
        }
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }

        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }

        mutating func skipBlanks() { while let c = at(i), c == " " || c == "\t" { i += 1 } }

        mutating func skipToLineEnd() { while let c = at(i), c != "\n" { i += 1 } }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        }

        /// A basic or literal string starting at i (single- or multi-line); returns its text
        /// with the common escapes resolved (enough for keys).
        mutating func string() -> String {
            let q = s[i]
            let multi = at(i + 1) == q && at(i + 2) == q
            i += multi ? 3 : 1
            var out = String.UnicodeScalarView()
            while let c = at(i) {
                if c == q && (!multi || (at(i + 1) == q && at(i + 2) == q)) {
                    i += multi ? 3 : 1
                    if multi { while at(i) == q { i += 1 } }
                    break
                }
                if c == "\n" && !multi { break }
                if c == "\\" && q == "\"", let e = at(i + 1) {
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\\": out.append("\\")
                    case "\"": out.append("\"")
                    default: out.append(e)
                    }
                    i += 2
                    continue
                }
                out.append(c)
                i += 1
            }
            return String(out)
        }

        /// A dotted key: bare or quoted segments separated by dots.
        mutating func key() -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                guard let c = at(i) else { break }
                if c == "\"" || c == "'" {
                    parts.append(string())
                } else if Self.isBare(c) {
                    let start = i
                    while let d = at(i), Self.isBare(d) { i += 1 }
                    parts.append(String(String.UnicodeScalarView(s[start..<i])))
                } else { break }
                skipBlanks()
                guard at(i) == "." else { break }
                i += 1
            }
            return parts
        }

        /// Skips one value; an inline table's keys are reported under `path`.
        mutating func value(_ path: [String], _ report: ([String]) -> Void) {
            skipBlanks()
            guard let c = at(i) else { return }
            if c == "\"" || c == "'" { _ = string(); return }
            if c == "{" {
                i += 1
                while let d = at(i) {
                    if d == "}" { i += 1; return }
                    if d == "," || d == " " || d == "\t" || d == "\n" || d == "\r" { i += 1; continue }
                    let k = key()
                    guard !k.isEmpty else { i += 1; continue }
                    for n in 1...k.count { report(path + k.prefix(n)) }
                    skipBlanks()
                    if at(i) == "=" { i += 1 }
                    value(path + k, report)
                }
                return
            }
            if c == "[" {
                i += 1
                while let d = at(i) {
                    if d == "]" { i += 1; return }
                    if d == "#" { skipToLineEnd(); continue }
                    if d == "," || d == " " || d == "\t" || d == "\n" || d == "\r" { i += 1; continue }
                    let before = i
                    value(path, { _ in })  // keys inside arrays of inline tables are not ranked
                    if i == before { i += 1 }
                }
                return
            }
            // A number, boolean or date: up to a delimiter.
            while let d = at(i), d != "\n", d != ",", d != "]", d != "}", d != "#" { i += 1 }
        }

        mutating func document(_ report: ([String]) -> Void) {
            var table: [String] = []
            while let c = at(i) {
                if c == " " || c == "\t" || c == "\r" || c == "\n" { i += 1; continue }
                if c == "#" { skipToLineEnd(); continue }
                if c == "[" {
                    i += 1
                    if at(i) == "[" { i += 1 }
                    table = key()
                    for n in stride(from: 1, through: table.count, by: 1) { report(Array(table.prefix(n))) }
                    skipToLineEnd()
                    continue
                }
                let k = key()
                if k.isEmpty { skipToLineEnd(); continue }
                for n in 1...k.count { report(table + k.prefix(n)) }
                skipBlanks()
                if at(i) == "=" { i += 1 }
                value(table + k, report)
                skipToLineEnd()
            }
        }
    }
}
