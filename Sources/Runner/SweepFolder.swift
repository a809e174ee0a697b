import Foundation
import Storage

/// A sweep's output folder, opened for one shard: the manifest (the cases' fingerprint and the
/// problem kind), one shard layout per folder, this shard's table and its lock (held while the
/// folder is open), and the cases an earlier run finished (`--resume`).
final class SweepFolder {
    let directory: URL
    /// This shard's table (`sweep.csv`, or `sweep-shard-i-of-N.csv`).
    let table: URL
    /// Cases that already have a row (an interrupted run's, continued with `--resume`).
    let done: Set<Int>
    /// Where the cases' arrays go when the sweep stacks them without case folders
    /// (`[output] case_folders = false` with `stack` or `hdf5`); nil otherwise.
    let spool: ArraySpool?
    private let lock: SweepLock

    /// Checks or creates the folder under its folder lock (two sweeps started at once cannot
    /// both find it new), then takes this shard's lock: a second process running the same shard
    /// is refused.
    init(dirPath: String, option: String, path: String, fingerprint: String, kind: String, header: [String], mine: [Int], total: Int,
         inputs: [URL], options: Sweep.Options, spooled: Bool) throws {
        let dir = OutputGuard.url(dirPath)
        directory = dir
        table = dir.appendingPathComponent(options.shard.tableName)
        try OutputGuard.check(dirPath, kind: .sweep, option: option, inputs: inputs)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw RunError(.badInput, "\(option) \(dirPath): cannot create the sweep folder: \(oneLine(error.localizedDescription))")
        }
        let lock = try SweepLock(directory: dir)
        let table = table
        (done, spool) = try lock.withFolderLock { () throws -> (Set<Int>, ArraySpool?) in
            guard try lock.lock(byte: SweepLock.shardByte(options.shard.index), wait: false) else {
                let which = options.shard.count == 1 ? "this sweep" : "shard \(options.shard) of this sweep"
                throw RunError(.badInput, "\(option) \(dirPath): another pdekit sweep is running \(which) in this folder; wait for it to finish, "
                    + "or use a new folder")
            }
            let done = try Self.prepare(dir, dirPath: dirPath, option: option, fingerprint: fingerprint, kind: kind, table: table,
                                        header: header, mine: mine, total: total, options: options, path: path)
            // A resumed spool is cut to its last whole record (a kill inside an append).
            return (done, spooled ? try ArraySpool(url: dir.appendingPathComponent(options.shard.spoolName)) : nil)
        }
        self.lock = lock
    }

    /// A complete single-shard table: sorted by case, finished by the study, stacked arrays
    /// written (a sharded sweep's merge does this).
    func finish(_ study: any Study) throws {
        let (records, _) = try CSV.read(table)
        try SweepTable.finalize(records, to: table, finishingWith: study)
        try SweepStack.writeIfRequested(directory: directory, table: table)
    }

    /// The sweep folder's manifest, shard layout and this shard's table, checked or created under
    /// the folder lock; returns the cases an earlier run finished (`--resume`).
    private static func prepare(_ dir: URL, dirPath: String, option: String, fingerprint: String, kind: String, table: URL,
                                header: [String], mine: [Int], total: Int, options: Sweep.Options, path: String) throws -> Set<Int> {
        // The folder must be new, empty, or this same sweep's (its manifest's fingerprint).
        if var manifest = OutputGuard.Manifest.read(in: dir) {
            guard manifest.fingerprint == fingerprint else {
                throw RunError(.badInput, "\(option) \(dirPath): holds a sweep with other cases (a parameter, the grid or another setting differs "
                    + "from \(path)); run this sweep in a new folder, or restore the file to continue that one")
            }
            // A folder of an earlier pdekit learns its problem kind (what `merge` finishes with).
            if manifest.problem == nil {
                manifest.problem = kind
                try manifest.write(in: dir)
            }
        } else {
            do { try OutputGuard.Manifest(kind: .sweep, fingerprint: fingerprint, problem: kind).write(in: dir) } catch {
                throw RunError(.badInput, "\(option) \(dirPath): cannot create the sweep folder: \(oneLine(error.localizedDescription))")
            }
        }

        // One shard layout per folder: tables of another shard count mean another split of the
        // cases, whose case folders this run would overwrite.
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let shardCounts = Set(entries.compactMap { name -> Int? in
            guard name.hasPrefix("sweep-shard-"), name.hasSuffix(".csv") else { return nil }
            return name.dropLast(4).split(separator: "-").last.flatMap { Int($0) }
        })
        let layouts = shardCounts.isEmpty && entries.contains("sweep.csv") ? [1] : shardCounts
        if let other = layouts.first(where: { $0 != options.shard.count }) {
            throw RunError(.badInput, "\(option) \(dirPath): holds this sweep split into \(other == 1 ? "one table" : "\(other) shards"), not "
                + "\(options.shard.count); continue it with the same --shard count, or use a new folder")
        }

        // Finished cases from an earlier, interrupted run.
        var done = Set<Int>()
        if FileManager.default.fileExists(atPath: table.path) {
            guard options.resume else {
                throw RunError(.badInput, "\(table.path) exists: continue it with --resume, or move it away to start again")
            }
            let (records, torn) = try CSV.read(table)
            guard records.first == header else {
                throw RunError(.badInput, "\(table.path): its columns do not match this sweep's parameters; it belongs to another sweep")
            }
            let indices = try SweepTable.caseIndices(records, table: table.path, cases: 0 ..< total)
            if let repeated = Dictionary(grouping: indices, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw RunError(.badInput, "\(table.path): case \(repeated) has more than one row; the table was changed outside pdekit — remove "
                    + "the extra row, or use a new folder")
            }
            if torn { try SweepTable.finalize(records, to: table) }  // drop a torn last line before appending
            done = Set(indices)
        } else {
            // Without a table, this shard has not run here: a case folder of its own would be
            // from a run whose table was removed; say so rather than replace it silently.
            let existing = entries.contains(options.shard.spoolName) ? options.shard.spoolName
                : mine.first(where: { entries.contains(Sweep.caseFolder($0)) }).map(Sweep.caseFolder)
            if let existing, !options.resume {
                throw RunError(.badInput, "\(option) \(dirPath): \(existing) exists but \(options.shard.tableName) does not; "
                    + "continue with --resume (which reruns the cases without a row), or use a new folder")
            }
            try AtomicFile.write(Data(CSV.line(header).utf8), to: table)
        }
        return done
    }
}
