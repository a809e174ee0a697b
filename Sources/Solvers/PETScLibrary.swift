#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinearAlgebra

/// libpdekit-petsc.so (Sources/PETScShim), loaded with dlopen on the first `method = "petsc"`
/// solve. pdekit itself links neither PETSc nor MPI, so a run that never asks for PETSc starts
/// as fast as before (PETSc, Open MPI, hypre and MUMPS are some forty shared libraries).
///
/// PETSc is not thread-safe: every call holds `lock` (a sweep's workers take turns).
enum PETScLibrary {
    /// `pdekit_petsc_solve` (include/pdekit_petsc.h).
    typealias Solve = @convention(c) (
        Int32, UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?,
        Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Double, Double, Int32, Int32,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
        UnsafeMutablePointer<CChar>?, Int32) -> Int32

    typealias Finalize = @convention(c) () -> Void

    static let fileName = "libpdekit-petsc.so"
    static let lock = NSLock()
    /// The loaded entry point, or why it could not be loaded; resolved once, under `lock`.
    nonisolated(unsafe) private static var loaded: Result<Solve, LinearAlgebraError>?
    nonisolated(unsafe) private static var finalizer: Finalize?

    /// Where the library is looked for: `PDEKIT_PETSC_LIBRARY`, else beside the executable
    /// (SwiftPM builds it there: .build/debug, .build/release).
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["PDEKIT_PETSC_LIBRARY"], !p.isEmpty { return p }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(fileName).path
    }

    /// The entry point; call with `lock` held.
    static func entry() throws -> Solve {
        if let loaded { return try loaded.get() }
        let result = load()
        loaded = result
        return try result.get()
    }

    private static func load() -> Result<Solve, LinearAlgebraError> {
        let path = path
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(.invalidArgument("method = \"petsc\" needs \(fileName), built with pdekit when Debian's libpetsc-real3.18-dev is "
                + "installed (make deps, then make build); it is not at \(path) (or set PDEKIT_PETSC_LIBRARY)"))
        }
        // RTLD_GLOBAL: Open MPI opens its own plugins later, and they need libmpi's symbols.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            return .failure(.invalidArgument("method = \"petsc\": cannot load \(path): \(reason)"))
        }
        guard let symbol = dlsym(handle, "pdekit_petsc_solve"), let end = dlsym(handle, "pdekit_petsc_finalize") else {
            return .failure(.invalidArgument("method = \"petsc\": \(path) lacks pdekit_petsc_solve or pdekit_petsc_finalize; rebuild pdekit"))
        }
        finalizer = unsafeBitCast(end, to: Finalize.self)
        return .success(unsafeBitCast(symbol, to: Solve.self))
    }

    /// Ends PETSc and MPI if a solve started them; nothing otherwise (the library is not loaded
    /// for that). Called once, as the process exits.
    static func finalize() {
        lock.withLock { finalizer?(); finalizer = nil }
    }
}

/// What the executable needs from PETSc's bridge.
public enum PETScSession {
    /// Before the process exits: a rank of mpirun that started MPI (a sweep case with
    /// method = "petsc") must end it, or mpirun reports the job as failed.
    public static func finalize() { PETScLibrary.finalize() }
}
