import Configuration
import Discretisation
import LinearAlgebra
import Problems
import Storage

/// Errors that end a command, each with its documented exit status (docs/cli.md):
/// 2 bad input, 3 not converged under `--error-if-not-converged`, 4 reserved for
/// `compare` outside tolerance, 1 internal.
public struct RunError: Error, CustomStringConvertible {
    public enum Kind: Int32, Sendable { case badInput = 2, notConverged = 3, `internal` = 1 }
    public var kind: Kind
    public var message: String
    public var description: String { message }
    public var exitStatus: Int32 { kind.rawValue }

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    /// Classifies any error thrown below the runner. Problem-file, storage and matrix-property
    /// errors are the user's input; a C-library status failure is ours.
    public static func classify(_ error: Error, file: String) -> RunError {
        switch error {
        case let e as RunError: return e
        case let e as ProblemError: return RunError(.badInput, e.description)
        case let e as StorageError: return RunError(.badInput, e.description)
        case let e as AssemblyError: return RunError(.badInput, "\(file): \(e.description)")
        case let e as LinearAlgebraError:
            switch e {
            case .library: return RunError(.internal, "\(file): \(e.description)")
            case .outOfMemory: return RunError(.badInput, "\(file): \(e.description); the run needs more memory than this process may use (see "
                + "docs/cli.md, Memory): use a smaller problem or a machine with more memory")
            default: return RunError(.badInput, "\(file): \(e.description)")
            }
        default: return RunError(.internal, "\(file): \(error)")
        }
    }
}
