import Foundation

extension CSV {
    /// Parses RFC 4180 text (quoted fields may hold commas, doubled quotes and line breaks).
    /// Returns the complete records only: a final record without its line break — a row torn
    /// by a crash in the middle of an append — is dropped and reported in `tornTail`.
    public static func parse(_ text: String) -> (records: [[String]], tornTail: Bool) {
        var records: [[String]] = []
        var record: [String] = [], field = ""
        var quoted = false, atFieldStart = true
        var chars = text.makeIterator()
        var pending: Character?
        func next() -> Character? { if let p = pending { pending = nil; return p }; return chars.next() }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" { field.append("\"") } else { quoted = false; pending = d }
                    } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case ",": record.append(field); field = ""; atFieldStart = true
            case "\n", "\r\n":
                record.append(field); records.append(record); record = []; field = ""; atFieldStart = true
            case "\r": continue
            default: field.append(c); atFieldStart = false
            }
        }
        let torn = !record.isEmpty || !field.isEmpty || quoted
        return (records, torn)
    }

    /// Reads a CSV file; `StorageError` names the file when it cannot be read.
    /// Through `FileBytes`, so a folder, a device or a FIFO gets its own message (not "no such
    /// file"); a UTF-8 byte-order mark (as Excel writes) is not part of the first column's name.
    public static func read(_ url: URL) throws -> (records: [[String]], tornTail: Bool) {
        var bytes = try FileBytes.read(url)[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Appends one complete line with a single write(2) on an O_APPEND descriptor: a process
    /// killed at any moment leaves the file with or without the line, never half of it (and
    /// `parse` drops a torn tail should a power loss cut a write short).
    public static func appendLine(_ fields: [String], to url: URL) throws {
        let data = Data(line(fields).utf8)
        let fd = open(url.path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw StorageError(.writeFailed, path: url.path, message: "cannot append: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
        guard written == data.count else { throw StorageError(.writeFailed, path: url.path, message: "short append") }
    }
}
