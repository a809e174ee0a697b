import COpenBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<count` into contiguous chunks run on the machine's cores.
///
/// Sparse and vector kernels are bandwidth bound; two threads on two cores reach more of the
/// memory bandwidth than one (measured in `make bench`). Below `minimumChunk` items per chunk
/// the Dispatch overhead (~5–10 µs) outweighs the gain, so small problems stay serial.
public enum Parallel {
    /// Worker count used by kernels; `PDEKIT_NUM_THREADS` overrides the core count (sweeps run
    /// one case per core and set it to 1 so workers do not oversubscribe).
    public private(set) nonisolated(unsafe) static var threadCount: Int = {
        if let s = getenv("PDEKIT_NUM_THREADS"), let n = Int(String(cString: s)), n >= 1 { return n }
        return cores
    }()

    public static let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Sets the threads every kernel (and OpenBLAS, which CHOLMOD calls) may use. Call before
    /// starting work, not during it: a sweep running k cases at once gives each cores/k.
    public static func setThreadCount(_ n: Int) {
        threadCount = max(1, n)
        openblas_set_num_threads(Int32(threadCount))
    }

    public static let minimumChunk = 32_768

    /// Stops OpenBLAS's worker threads until a BLAS call needs them again.
    ///
    /// OpenBLAS starts its workers when the library loads, and a worker with no work spins
    /// (sched_yield) for about 2^28 cycles before it sleeps — a tenth of a second, during which
    /// it takes a core from our own kernels on a 2-core machine: a 1023² CG + GMG run took
    /// 0.245 s, 0.205 s with OPENBLAS_NUM_THREADS=1 (medians of 6). `blas_thread_shutdown_`
    /// ends them (OpenBLAS's pthread build, as at fork); the next call that runs threaded starts
    /// them again, so dense work keeps its threads. Looked up at run time: another BLAS has no
    /// such function, and then nothing is done. Not under an address-space or data limit
    /// (`ulimit -v`): a worker that could not get its buffer there never answers the shutdown,
    /// and the join hung (MemoryLimitTests).
    public static func parkBLASThreads() {
        #if os(Linux)
        for resource in [RLIMIT_AS, RLIMIT_DATA] {
            var limit = rlimit()
            if getrlimit(Int32(resource.rawValue), &limit) != 0 || limit.rlim_cur != rlim_t.max { return }
        }
        typealias Shutdown = @convention(c) () -> Void
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        unsafeBitCast(symbol, to: Shutdown.self)()
        #endif
    }

    /// Runs `body` with OpenBLAS on one thread when `serial` (restoring the count after). A
    /// Krylov method on vectors too short for our own kernels to split (below `minimumChunk`
    /// per thread) calls BLAS on small blocks once per iteration; OpenBLAS's threads then
    /// spend more time waking and yielding than computing (measured: a third of GCRO-DR's time
    /// in sched_yield on 6400 unknowns).
    public static func withSerialBLAS<T>(_ serial: Bool, _ body: () throws -> T) rethrows -> T {
        guard serial, threadCount > 1 else { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threadCount)) }
        return try body()
    }

    /// Calls `body(range, chunkIndex)` for each chunk; chunks are disjoint and cover 0..<count.
    @inline(__always)
    public static func chunks(_ count: Int, minimumChunk: Int = Parallel.minimumChunk,
                              _ body: (Range<Int>, Int) -> Void) {
        let n = min(threadCount, max(1, count / minimumChunk))
        if n <= 1 { body(0..<count, 0); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { c in
                let lo = count * c / n, hi = count * (c + 1) / n
                box.value(lo..<hi, c)
            }
        }
    }

    /// Parallel sum over fixed blocks of about `minimumChunk` items, added in block order. The
    /// blocks depend on `count` only, never on the thread count, so a sum has the same bits on
    /// one thread or many: a sweep gives the same results for any `--jobs` (which sets the
    /// threads per case). Below two blocks it is one serial pass.
    @inline(__always)
    public static func sum(_ count: Int, _ body: (Range<Int>) -> Double) -> Double {
        let blocks = max(1, count / minimumChunk)
        if blocks == 1 { return body(0..<count) }
        var partial = [Double](repeating: 0, count: blocks)
        partial.withUnsafeMutableBufferPointer { pp in
            let out = UncheckedBox(pp)
            // Threads take contiguous runs of blocks (chunks over the block indices).
            chunks(blocks, minimumChunk: 1) { run, _ in
                for b in run { out.value[b] = body(count * b / blocks ..< count * (b + 1) / blocks) }
            }
        }
        return partial.reduce(0, +)
    }
}

/// Carries a non-Sendable value into `concurrentPerform`'s `@Sendable` closure. Each kernel
/// that uses it writes disjoint ranges, which is what makes the unchecked conformance sound.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
