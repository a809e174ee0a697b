#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinearAlgebra
import PETScBridge

/// libpdekit-petsc.so (Sources/PETScShim), loaded with dlopen on the first `method = "petsc"`
/// solve. pdekit itself links neither PETSc nor MPI, so a run that never asks for PETSc starts
/// as fast as before (PETSc, Open MPI, hypre and MUMPS are some forty shared libraries). The
/// entry points' types are PETScBridge's header, which the library is built against too.
///
/// PETSc is not thread-safe: every call holds `lock` (a sweep's workers take turns).
enum PETScLibrary {
    struct Functions {
        var create: pdekit_petsc_create_function
        var solve: pdekit_petsc_solve_function
        var start: pdekit_mpi_start_function
        var agree: pdekit_mpi_agree_function
        var broadcast: pdekit_mpi_broadcast_function
        var allreduce: pdekit_mpi_allreduce_function
        var finalize: pdekit_petsc_finalize_function
    }

    static let fileName = "libpdekit-petsc.so"
    static let lock = NSLock()
    /// The loaded entry points, or why they could not be loaded; resolved once, under `lock`.
    nonisolated(unsafe) private static var loaded: Result<Functions, LinearAlgebraError>?
    nonisolated(unsafe) private static var finalizer: pdekit_petsc_finalize_function?

    /// Where the library is looked for: `PDEKIT_PETSC_LIBRARY`, else beside the executable
    /// (SwiftPM builds it there: .build/debug, .build/release).
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["PDEKIT_PETSC_LIBRARY"], !p.isEmpty { return p }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(fileName).path
    }

    /// The entry points; call with `lock` held.
    static func functions() throws -> Functions {
        if let loaded { return try loaded.get() }
        let result = load()
        loaded = result
        return try result.get()
    }

    private static func load() -> Result<Functions, LinearAlgebraError> {
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
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: type) } }
        guard let create = symbol("pdekit_petsc_create", pdekit_petsc_create_function.self),
              let solve = symbol("pdekit_petsc_solve", pdekit_petsc_solve_function.self),
              let start = symbol("pdekit_mpi_start", pdekit_mpi_start_function.self),
              let agree = symbol("pdekit_mpi_agree", pdekit_mpi_agree_function.self),
              let broadcast = symbol("pdekit_mpi_broadcast", pdekit_mpi_broadcast_function.self),
              let allreduce = symbol("pdekit_mpi_allreduce", pdekit_mpi_allreduce_function.self),
              let finalize = symbol("pdekit_petsc_finalize", pdekit_petsc_finalize_function.self) else {
            return .failure(.invalidArgument("method = \"petsc\": \(path) lacks one of pdekit's entry points; rebuild pdekit"))
        }
        finalizer = finalize
        return .success(Functions(create: create, solve: solve,
                                   start: start, agree: agree, broadcast: broadcast, allreduce: allreduce, finalize: finalize))
    }

    /// The text a call wrote into its buffer.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
