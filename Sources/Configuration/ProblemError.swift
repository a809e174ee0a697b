/// A problem-file error: one line naming the file, the line (when known) and the key.
///
/// Rendered as `FILE:LINE: KEY: MESSAGE` (grep- and editor-friendly), or `FILE: KEY: MESSAGE`
/// when the line is unknown; values from `--set` are reported as `--set KEY`.
public struct ProblemError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "\(key): " }
        return s + message
    }
}
