#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LinearAlgebra
import Problems

/// Refuses a run that cannot fit in memory before it allocates, instead of letting the
/// allocator abort (or the kernel's OOM killer end) pdekit half-way through.
///
/// Each kind estimates for itself (`PhysicsSection.memoryEstimate`) a lower bound of what the
/// run allocates at its peak — for a `pde`, the coefficient at the nodes, the CSR matrix, the
/// vectors and the method's workspace as its registry entry models it — so a refusal is not a
/// false alarm; a run that passes may still need more.
///
/// What the machine has is the smallest of: MemAvailable plus free swap (/proc/meminfo), the
/// cgroup's memory.max less its current use, the address-space and data-segment limits
/// (`ulimit -v`, `ulimit -d`) less what the process already maps, and `PDEKIT_MEMORY_LIMIT`
/// (bytes, or with a K/M/G suffix) when set.
enum MemoryBudget {
    struct Limit { var bytes: Double; var source: String }

    /// The tightest limit, read at most once a second: reading /proc/meminfo and
    /// /proc/self/status was 47 % of `check` on a 5,000-case sweep (and per case of a sweep of
    /// cheap cases); a limit a second old guards against oversized runs just as well.
    static func available() -> Limit? {
        cacheLock.lock(); defer { cacheLock.unlock() }
        if let cached, Date().timeIntervalSince(cached.time) < 1 { return cached.limit }
        let limit = readAvailable()
        cached = (limit, Date())
        return limit
    }
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cached: (limit: Limit?, time: Date)?

    /// The tightest limit on what this process may still allocate; nil when none is known.
    static func readAvailable() -> Limit? {
        var limits: [Limit] = []
        let info = keyValues("/proc/meminfo")
        if let avail = info["MemAvailable"] {
            limits.append(Limit(bytes: avail + (info["SwapFree"] ?? 0), source: "available memory and swap"))
        }
        if let max = readNumber("/sys/fs/cgroup/memory.max") {
            limits.append(Limit(bytes: max - (readNumber("/sys/fs/cgroup/memory.current") ?? 0), source: "the cgroup's memory.max"))
        } else if let max = readNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes"), max < 1e18 {
            limits.append(Limit(bytes: max - (readNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes") ?? 0), source: "the cgroup's memory limit"))
        }
        let status = keyValues("/proc/self/status")
        var rl = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            limits.append(Limit(bytes: Double(rl.rlim_cur) - (status["VmSize"] ?? 0) - threadReserve, source: "the address-space limit (ulimit -v)"))
        }
        if getrlimit(Int32(RLIMIT_DATA.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            limits.append(Limit(bytes: Double(rl.rlim_cur) - (status["VmData"] ?? 0), source: "the data-segment limit (ulimit -d)"))
        }
        if let s = ProcessInfo.processInfo.environment["PDEKIT_MEMORY_LIMIT"], let b = parseBytes(s) {
            limits.append(Limit(bytes: b, source: "PDEKIT_MEMORY_LIMIT"))
        }
        return limits.min { $0.bytes < $1.bytes }
    }

    /// Address space the threads a run starts take besides the data it allocates, which the
    /// `ulimit -v` limit counts in full: per thread (the kernels' and OpenBLAS's workers, one per
    /// core, and one more) an 8 MB stack and a 64 MB glibc malloc arena, whose creation maps
    /// 128 MB for a moment to align it (strace of a run: one 134,217,728-byte mmap per new
    /// thread). Without it, a run at the largest grid `check` accepted aborted in the allocator,
    /// and an OpenBLAS worker that could not map its arena spun forever at exit.
    static var threadReserve: Double {
        let mb = 1024.0 * 1024
        return Double(Parallel.cores + 1) * (64 + 8) * mb + 64 * mb
    }

    /// Throws a bad-input error when the kind's estimate (`PhysicsSection.memoryEstimate`)
    /// exceeds what is available.
    static func check(_ spec: ProblemSpec) throws {
        guard let need = try spec.physics.memoryEstimate(spec.solver), let limit = available(), need.bytes > limit.bytes else { return }
        throw spec.document.error(need.key, "this run needs at least \(format(need.bytes)) of memory (\(need.detail)) "
            + "but \(format(max(limit.bytes, 0))) is available (\(limit.source)); use a smaller grid or a machine with more memory")
    }

    /// A run distributed over `ranks` processes: each rank needs its share of the estimate, and
    /// the ranks on this machine (OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_NTASKS_PER_NODE, else all
    /// of them) share what it has.
    static func check(_ spec: ProblemSpec, ranks: Int) throws {
        guard let need = try spec.physics.memoryEstimate(spec.solver), let limit = available() else { return }
        let env = ProcessInfo.processInfo.environment
        let here = min(ranks, max(1, ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"].lazy.compactMap { env[$0].flatMap { Int($0) } }
            .first ?? ranks))
        let perRank = need.bytes / Double(ranks)
        guard perRank * Double(here) > limit.bytes else { return }
        throw spec.document.error(need.key, "this run needs at least \(format(perRank)) of memory per rank (\(need.detail), over \(ranks) "
            + "ranks) and \(here) ranks share this machine, but \(format(max(limit.bytes, 0))) is available (\(limit.source)); use more "
            + "machines, a smaller grid or fewer ranks per machine")
    }

    static func format(_ bytes: Double) -> String { MemoryEstimate.format(bytes) }

    static func parseBytes(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        if let last = t.last, let u = units[last], let x = Double(t.dropLast()), x >= 0 { return x * u }
        if let x = Double(t), x >= 0 { return x }
        return nil
    }

    /// "Key:   123 kB" lines (meminfo, status) as bytes.
    private static func keyValues(_ path: String) -> [String: Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            // /proc/self/status separates with a tab ("VmSize:\t  3896 kB"), meminfo with spaces.
            let fields = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let v = fields.first.flatMap({ Double($0) }) else { continue }
            out[String(parts[0])] = fields.count > 1 && fields[1] == "kB" ? v * 1024 : v
        }
        return out
    }

    private static func readNumber(_ path: String) -> Double? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
