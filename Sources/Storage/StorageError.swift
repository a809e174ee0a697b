/// A read or write failure, one line naming the file (and the line for text formats).
public struct StorageError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path; self.line = line; self.message = message
    }

    public var description: String {
        line.map { "\(path): line \($0): \(message)" } ?? "\(path): \(message)"
    }
}
