import Configuration
import Foundation

extension ProblemDocument {
    /// A problem file (or a run record to replay, which keeps its kind's table).
    public init(path: String, overrides: [String] = []) throws {
        try self.init(path: path, overrides: overrides, kindTable: ProblemKinds.tableName(of:))
    }

    public init(text: String, path: String, directory: URL, overrides: [String] = []) throws {
        try self.init(text: text, path: path, directory: directory, overrides: overrides, kindTable: ProblemKinds.tableName(of:))
    }
}
