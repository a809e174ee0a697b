import CFFTW
import Foundation

/// Real-to-real FFTW transforms with plans made once per shape and reused.
///
/// FFTW's planner is not thread-safe, so every plan is created (and destroyed) under one
/// process-wide lock; executing a plan on its own buffer is thread-safe. A plan owns an
/// `fftw_malloc`ed (SIMD-aligned) buffer and transforms it in place: callers fill
/// `buffer`, call `execute()`, read `buffer`.
public final class R2RPlan: @unchecked Sendable {
    public enum Kind: Sendable, Hashable {
        case dstI, dstII, dstIII, dctI, dctII, dctIII, realToHalfComplex, halfComplexToReal
        var fftw: fftw_r2r_kind {
            switch self {
            case .dstI: FFTW_RODFT00
            case .dstII: FFTW_RODFT10
            case .dstIII: FFTW_RODFT01
            case .dctI: FFTW_REDFT00
            case .dctII: FFTW_REDFT10
            case .dctIII: FFTW_REDFT01
            case .realToHalfComplex: FFTW_R2HC
            case .halfComplexToReal: FFTW_HC2R
            }
        }
    }

    public enum Effort: String, Sendable, CaseIterable { case estimate, measure, patient
        var flag: UInt32 {
            switch self {
            case .estimate: UInt32(FFTW_ESTIMATE)
            case .measure: UInt32(FFTW_MEASURE)
            case .patient: UInt32(FFTW_PATIENT)
            }
        }
    }

    public let shape: [Int]
    public let kinds: [Kind]
    public let howMany: Int
    public let effort: Effort
    public let threads: Int
    public let buffer: UnsafeMutableBufferPointer<Double>
    /// Passes run one after the other; the plans of a pass, single-threaded and each over its
    /// own part of the buffer, run side by side (`execute`).
    private let passes: [[fftw_plan]]
    /// Seconds spent planning (FFTW_MEASURE times candidate algorithms).
    public let planningSeconds: Double

    /// Plans a separable transform of a C-order array of `shape`, one kind per axis; with
    /// `howMany` > 1, of that many such arrays stored one after the other (a batch, as
    /// `fftw_plan_many_r2r` does it): the buffer is `howMany` × Π shape long.
    ///
    /// `threads` > 1 cuts the work into that many parts: a batch into consecutive runs of
    /// arrays, a single array of two or three axes into one pass per axis (`axisPasses`), each
    /// pass over ranges of another axis. Each part is planned for one thread on its own part
    /// of the buffer, and the parts run side by side when `Parallel.threadCount` allows, one
    /// after the other when it does not: the cut, and so every bit of the result, does not
    /// depend on how many threads run it (a sweep's `--jobs`, PDEKIT_NUM_THREADS). Planned for
    /// FFTW's threads instead, FFTW_ESTIMATE split each transform between the threads: at 1000
    /// DST-I of 1000 points (1001 = 7·11·13) that synchronised inside every transform and took
    /// 250 ms against 16 ms on one thread (FFTW 3.3.10 here), 17× SciPy's dstn.
    public init(shape: [Int], kinds: [Kind], howMany: Int = 1, effort: Effort = .measure, threads: Int = 1) throws {
        guard shape.count == kinds.count, !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }), howMany >= 1 else {
            throw LinearAlgebraError.invalidArgument("FFTW plan: shape \(shape) and \(kinds.count) kinds")
        }
        let one = shape.reduce(1, *)
        let count = one * howMany
        guard let raw = fftw_malloc(count * MemoryLayout<Double>.stride) else {
            throw LinearAlgebraError.library("fftw_malloc failed for \(count) doubles")
        }
        let p = raw.bindMemory(to: Double.self, capacity: count)
        buffer = UnsafeMutableBufferPointer(start: p, count: count)
        self.shape = shape; self.kinds = kinds; self.howMany = howMany; self.effort = effort; self.threads = threads
        let n = shape.map { Int32($0) }
        let k = kinds.map(\.fftw)
        let t0 = Date()
        let made: [[fftw_plan?]] = FFTWPlanner.locked {
            fftw_plan_with_nthreads(1)
            // FFTW_MEASURE overwrites the array while planning: plan before any data is in it.
            if threads > 1 && howMany == 1 && shape.count > 1 {
                return Self.axisPasses(shape: shape, kinds: k, buffer: p, parts: threads, flags: effort.flag)
            }
            return [Self.split(howMany, threads).map { r in
                let q = p + r.lowerBound * one
                return fftw_plan_many_r2r(Int32(shape.count), n, Int32(r.count), q, nil, 1, Int32(one),
                                          q, nil, 1, Int32(one), k, effort.flag)
            }]
        }
        planningSeconds = Date().timeIntervalSince(t0)
        guard made.allSatisfy({ $0.allSatisfy { $0 != nil } }) else {
            FFTWPlanner.locked { for plan in made.joined() { if let plan { fftw_destroy_plan(plan) } } }
            fftw_free(raw)
            throw LinearAlgebraError.library("FFTW could not plan a \(kinds) transform of shape \(shape)")
        }
        passes = made.map { $0.map { $0! } }
    }

    /// A whole array on several threads: one pass per axis (the transform is separable), each
    /// pass a batch of 1D transforms along that axis over every other index, its outermost
    /// other axis cut into `parts` ranges planned for one thread each (FFTW's guru interface:
    /// the transform's stride and up to two loops).
    private static func axisPasses(shape: [Int], kinds: [fftw_r2r_kind], buffer p: UnsafeMutablePointer<Double>, parts: Int,
                                   flags: UInt32) -> [[fftw_plan?]] {
        let strides = shape.indices.map { d in shape[(d + 1)...].reduce(1, *) }
        return shape.indices.map { d in
            let others = shape.indices.filter { $0 != d }
            let split = others[0]  // the outermost other axis, cut into ranges
            return Self.split(shape[split], parts).map { r -> fftw_plan? in
                let q = p + r.lowerBound * strides[split]
                var dims = [fftw_iodim(n: Int32(shape[d]), is: Int32(strides[d]), os: Int32(strides[d]))]
                var loops = others.map { o in
                    fftw_iodim(n: Int32(o == split ? r.count : shape[o]), is: Int32(strides[o]), os: Int32(strides[o]))
                }
                var kind = [kinds[d]]
                return fftw_plan_guru_r2r(1, &dims, Int32(loops.count), &loops, q, q, &kind, flags)
            }
        }
    }

    /// 0..<count cut into at most `parts` consecutive nonempty ranges (as `Parallel.chunks`).
    private static func split(_ count: Int, _ parts: Int) -> [Range<Int>] {
        let n = max(1, min(parts, count))
        return (0..<n).map { count * $0 / n ..< count * ($0 + 1) / n }
    }

    public func execute() {
        for pass in passes {
            if pass.count == 1 || Parallel.threadCount == 1 { for plan in pass { fftw_execute(plan) }; continue }
            let box = PlanList(plans: pass)
            DispatchQueue.concurrentPerform(iterations: box.plans.count) { fftw_execute(box.plans[$0]) }
        }
    }

    deinit {
        FFTWPlanner.locked { for plan in passes.joined() { fftw_destroy_plan(plan) } }
        fftw_free(buffer.baseAddress)
    }
}

/// The plans of one `R2RPlan`, handed to the threads that run them (each executes its own).
private struct PlanList: @unchecked Sendable {
    let plans: [fftw_plan]
}

/// Plans kept for reuse across solver objects of the same shape (a sweep makes one FFT solver
/// per case): FFTW_MEASURE planning costs milliseconds to seconds, more than a small solve.
/// A plan is checked out by one owner at a time (it owns its buffer), so concurrent solvers of
/// one shape get distinct plans; at most `perKey` idle plans per shape are kept.
public final class R2RPlanPool: @unchecked Sendable {
    public static let shared = R2RPlanPool()
    public var perKey = 4

    struct Key: Hashable {
        var shape: [Int], kinds: [R2RPlan.Kind], howMany: Int, effort: R2RPlan.Effort, threads: Int
    }
    private var idle: [Key: [R2RPlan]] = [:]
    private let lock = NSLock()

    public func checkout(shape: [Int], kinds: [R2RPlan.Kind], howMany: Int = 1, effort: R2RPlan.Effort, threads: Int) throws -> R2RPlan {
        let key = Key(shape: shape, kinds: kinds, howMany: howMany, effort: effort, threads: threads)
        lock.lock()
        if let plan = idle[key]?.popLast() { lock.unlock(); return plan }
        lock.unlock()
        return try R2RPlan(shape: shape, kinds: kinds, howMany: howMany, effort: effort, threads: threads)
    }

    public func checkin(_ plan: R2RPlan) {
        let key = Key(shape: plan.shape, kinds: plan.kinds, howMany: plan.howMany, effort: plan.effort, threads: plan.threads)
        lock.lock(); defer { lock.unlock() }
        if idle[key, default: []].count < perKey { idle[key, default: []].append(plan) }
    }
}

/// Serialises FFTW planning and initialises its threads once.
public enum FFTWPlanner {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var threadsReady = false

    static func locked<T>(_ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        if !threadsReady { fftw_init_threads(); threadsReady = true }
        return body()
    }
}
