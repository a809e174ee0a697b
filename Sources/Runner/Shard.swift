import Foundation

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
    public func range(of total: Int) -> Range<Int> { index * total / count ..< (index + 1) * total / count }

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
        func int(_ k: String) -> Int? { env[k].flatMap { Int($0) } }
        if let r = int("OMPI_COMM_WORLD_RANK"), let n = int("OMPI_COMM_WORLD_SIZE") { return try Shard(index: r, count: n, source: "OpenMPI") }
        if let r = int("PMI_RANK"), let n = int("PMI_SIZE") { return try Shard(index: r, count: n, source: "MPICH") }
        if let id = int("SLURM_ARRAY_TASK_ID"), let n = int("SLURM_ARRAY_TASK_COUNT") {
            return try Shard(index: id - (int("SLURM_ARRAY_TASK_MIN") ?? 0), count: n, source: "Slurm array")
        }
        if let r = int("SLURM_PROCID"), let n = int("SLURM_NTASKS"), n > 1 { return try Shard(index: r, count: n, source: "srun") }
        return nil
    }

    /// The table this shard writes in the sweep folder.
    public var tableName: String { count == 1 ? "sweep.csv" : "sweep-shard-\(index)-of-\(count).csv" }
}
