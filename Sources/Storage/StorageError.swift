/// A read or write failure, told in one line that names the file (and the line, for text
/// formats), so that a user with a long problem file knows which input to fix.
///
/// `kind` lets callers react to a class of failure (a missing file versus a corrupt one)
/// without parsing the message.
public struct StorageError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// The file does not exist.
        case notFound
        /// The file exists but could not be read (permissions, a folder, an I/O error).
        case unreadable
        /// The file is not in the expected format at all (bad magic string, bad banner line).
        case notThisFormat
        /// The file is well formed but uses a feature we do not read (a dtype, a version, complex).
        case unsupported
        /// Part of the file is malformed (the NPY header dict, a size line, a token).
        case malformed
        /// The file ends before the data it announces.
        case truncated
        /// The file holds more data than it announces.
        case extraData
        /// An index lies outside the announced matrix size.
        case indexOutOfRange
        /// A value is NaN or infinite where a finite number is required.
        case nonFinite
        /// Writing failed: missing folder, full disk, permissions, or an unwritable value.
        case writeFailed
    }

    public var kind: Kind
    public var path: String
    /// 1-based line number for text formats; `nil` for binary formats and whole-file errors.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, path: String, line: Int? = nil, message: String) {
        self.kind = kind; self.path = path; self.line = line; self.message = message
    }

    /// "path: message" or "path: line N: message".
    public var description: String {
        if let line { return "\(path): line \(line): \(message)" }
        return "\(path): \(message)"
    }
}
