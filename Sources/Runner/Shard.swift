import Foundation
import Storage

/// Which part of a sweep this process runs: the i-th of N contiguous blocks of the cases, so
/// that each shard's workers run chains of neighbouring cases and can carry state (a
/// factorisation's analysis, later a recycle space) from one to the next.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    /// Where the shard came from, for messages ("--shard", "OpenMPI", "Slurm array", ...).
    public var source: String

    public init(index: Int, count: Int, source: String) throws {
        guard count >= 1, index >= 0, index < count else {
            throw RunError(.badInput, "\(source): shard \(index)/\(count) is invalid: need 0 ≤ i < N")
        }
        self.index = index; self.count = count; self.source = source
    }

    public static let single = try! Shard(index: 0, count: 1, source: "single")

    public var description: String { "\(index)/\(count)" }

    /// The block of `total` cases this shard runs: [i·total/N, (i+1)·total/N).
    /// The products are taken in full width: i·total overflows Int for a shard count near
    /// Int.max, while the quotient always fits (it is at most total).
    public func range(of total: Int) -> Range<Int> {
        func bound(_ i: Int) -> Int { count.dividingFullWidth(i.multipliedFullWidth(by: total)).quotient }
        return bound(index) ..< (index == count - 1 ? total : bound(index + 1))
    }

    /// `--shard i/N` (0-based i).
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw RunError(.badInput, "--shard \(text): expected i/N, e.g. --shard 0/4")
        }
        return try Shard(index: i, count: n, source: "--shard")
    }

    /// Rank and size from the launcher's environment, or nil when not launched in parallel:
    /// OpenMPI's mpirun (OMPI_COMM_WORLD_RANK/SIZE), MPICH's Hydra (PMI_RANK/PMI_SIZE), a Slurm
    /// job array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT), or
    /// srun tasks (SLURM_PROCID/SLURM_NTASKS).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        // A launcher's variable that is set must be a whole number: falling back to 0/1 would
        // make every rank run the whole sweep into one folder.
        func int(_ k: String) throws -> Int? {
            guard let text = env[k] else { return nil }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw RunError(.badInput, "environment variable \(k)=\(excerpt(text)) is not a whole number; fix the launcher's environment or "
                    + "pass --shard i/N")
            }
            return v
        }
        /// Both variables of a pair, or neither.
        func pair(_ a: String, _ b: String) throws -> (Int, Int)? {
            let (x, y) = (try int(a), try int(b))
            switch (x, y) {
            case let (x?, y?): return (x, y)
            case (nil, nil): return nil
            default: throw RunError(.badInput, "environment variable \(x == nil ? a : b) is not set while \(x == nil ? b : a) is; fix the "
                + "launcher's environment or pass --shard i/N")
            }
        }
        if let (r, n) = try pair("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE") { return try Shard(index: r, count: n, source: "OpenMPI") }
        if let (r, n) = try pair("PMI_RANK", "PMI_SIZE") { return try Shard(index: r, count: n, source: "MPICH") }
        if let (id, n) = try pair("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT") {
            let (i, overflow) = id.subtractingReportingOverflow(try int("SLURM_ARRAY_TASK_MIN") ?? 0)
            guard !overflow else { throw RunError(.badInput, "Slurm array: task id \(id) minus SLURM_ARRAY_TASK_MIN overflows") }
            return try Shard(index: i, count: n, source: "Slurm array")
        }
        if let (r, n) = try pair("SLURM_PROCID", "SLURM_NTASKS"), n > 1 { return try Shard(index: r, count: n, source: "srun") }
        return nil
    }

    /// The table this shard writes in the sweep folder.
    public var tableName: String { count == 1 ? "sweep.csv" : "sweep-shard-\(index)-of-\(count).csv" }
    /// The shard's spool of case arrays (`ArraySpool`), beside its table.
    public var spoolName: String { count == 1 ? "sweep.spool" : "sweep-shard-\(index)-of-\(count).spool" }
}
