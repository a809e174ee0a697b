import Foundation
import LinearAlgebra
import Problems
import Storage

/// `pdekit sweep`: every case of a `[sweep]` table, in parallel, resumable, shardable.
///
/// Layout: `DIR/case-0007/` is case 7's output folder (as `run` writes it) and `DIR/sweep.csv`
/// (or `DIR/sweep-shard-i-of-N.csv` for a shard) has a row per finished case. Cases run in
/// this process on `jobs` worker threads; each worker's kernels get cores/jobs threads (and
/// OpenBLAS the same), so workers do not oversubscribe the machine.
public enum Sweep {
    public struct Options: Sendable {
        public var overrides: [String] = []
        public var outputDirectory: String?
        public var jobs = 1
        public var resume = false
        public var dryRun = false
        public var shard: Shard = .single
        public var progress = false
        public init() {}
    }

    public struct Summary: Sendable {
        public var directory: URL
        public var table: URL
        public var total: Int
        public var skipped: Int
        public var ok: Int
        public var notConverged: Int
        public var failed: Int
        public var seconds: Double
    }

    public static func run(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Summary {
        do { return try runUnclassified(path: path, options: options, write: write) } catch { throw RunError.classify(error, file: path) }
    }

    static func caseFolder(_ i: Int) -> String { String(format: "case-%04d", i) }

    /// `[output] stack` stacks the cases' arrays: they must share one grid, found before any
    /// solve (and by `check`).
    static func checkStackGrids(_ base: ProblemSpec, _ study: any Study, _ specs: [ProblemSpec], path: String) throws {
        guard base.output.stack else { return }
        let carry = CarriedState()
        let shapes = try specs.map { try study.stackShape($0, carry: carry) }
        guard let first = shapes.first ?? nil else {
            throw base.document.error(["output", "stack"], "kind '\(base.kind)' writes no solution.npy to stack; its cases' arrays are in their "
                + "folders (case-*/)")
        }
        guard let other = shapes.firstIndex(where: { $0 != first }) else { return }
        throw RunError(.badInput, "\(path): [output] stack needs every case on one grid; case \(other) has \(shapes[other] ?? []), case 0 \(first)")
    }


    private static func runUnclassified(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Summary {
        let document = try ProblemDocument(path: path, overrides: options.overrides)
        let sweep = try SweepSpec(document)
        let base = try ProblemSpec(try document.sweepCase([]))
        // Validate every case before running any: a bad value in case 180 is found now.
        let specs = try sweep.cases.map { try ProblemSpec(try document.sweepCase($0)) }

        let (dirPath, option) = Run.folder(base, path: path, outputDirectory: options.outputDirectory)
        let dir = OutputGuard.url(dirPath)
        let table = dir.appendingPathComponent(options.shard.tableName)
        let study = try Studies.study(for: base)
        if let other = specs.first(where: { $0.kind != base.kind }) {
            throw RunError(.badInput, "\(path): every case of a sweep must be of one kind; a case has kind '\(other.kind)', the file '\(base.kind)'")
        }
        try checkStackGrids(base, study, specs, path: path)
        // File order, or with `order = "nearest"` the study's order of similar neighbours; this
        // shard's block of it.
        let order = sweep.order == .nearest ? study.order(specs) : Array(specs.indices)
        guard order.sorted() == Array(specs.indices) else {
            throw RunError(.internal, "\(path): the study's case order is not a permutation of the \(specs.count) cases")
        }
        let mine = Array(order[options.shard.range(of: sweep.cases.count)])
        let keys = sweep.parameters.map(\.key)
        let columns = study.sweepColumns
        let header = SweepTable.header(parameters: keys, study: columns)

        if options.dryRun {
            write("\(sweep.cases.count) case(s), \(mine.count) in shard \(options.shard) (\(options.shard.source)); output \(dir.path)\n")
            write(CSV.line(["case"] + keys))
            for i in mine { write(CSV.line(["\(i)"] + sweep.cases[i].map { SweepTable.text($0.value) })) }
            return Summary(directory: dir, table: table, total: mine.count, skipped: 0, ok: 0, notConverged: 0, failed: 0, seconds: 0)
        }

        // The folder must be new, empty, or this same sweep's (its manifest's fingerprint).
        let inputs = Self.inputFiles(specs)
        let fingerprint = Self.fingerprint(specs, dataFiles: inputs.data)
        try OutputGuard.check(dirPath, kind: .sweep, option: option, inputs: inputs.all)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw RunError(.badInput, "\(option) \(dirPath): cannot create the sweep folder: \(oneLine(error.localizedDescription))")
        }
        // This shard's lock, held until the sweep returns; the folder's shared files are read and
        // created under the folder lock, so two sweeps started at once cannot both find the
        // folder new (SweepLock).
        let lock = try SweepLock(directory: dir)
        let done = try lock.withFolderLock { () throws -> Set<Int> in
            guard try lock.lock(byte: SweepLock.shardByte(options.shard.index), wait: false) else {
                let which = options.shard.count == 1 ? "this sweep" : "shard \(options.shard) of this sweep"
                throw RunError(.badInput, "\(option) \(dirPath): another pdekit sweep is running \(which) in this folder; wait for it to finish, "
                    + "or use a new folder")
            }
            return try Self.prepareFolder(dir, dirPath: dirPath, option: option, fingerprint: fingerprint, table: table,
                                          header: header, mine: mine, total: specs.count, options: options, path: path)
        }
        let pending = mine.filter { !done.contains($0) }
        // Warn only about tables no case uses (a swept preconditioner may use [solver.ssor] in some).
        Run.warnUnusedOptions(Run.unusedByEveryCase(specs.map(\.solver.unusedOptions)), uses: nil, path: path)

        let jobs = max(1, min(options.jobs, pending.count))
        let savedThreads = Parallel.threadCount
        Parallel.setThreadCount(max(1, Parallel.cores / jobs))
        defer { Parallel.setThreadCount(savedThreads) }

        let progress = SweepProgress(total: pending.count, skipped: done.count, terminal: options.progress)
        let state = SweepState()
        let start = Date()
        let work = UncheckedBox((specs, sweep.cases))
        // Workers run contiguous chains of the pending cases, in order, each with its own
        // carried state (never shared between threads); `previous_case` records the chain.
        let chains = Self.chains(pending, jobs: jobs)
        // One thread per job (Dispatch's concurrentPerform would cap --jobs at the core count).
        Self.onThreads(jobs) {
            let carry = CarriedState()
            var previous: Int?
            while let chain = state.nextChain(chains) {
              for i in chain {
                guard state.appendError == nil else { break }
                let (specs, cases) = work.value
                let t0 = Date()
                var caseOptions = Run.Options()
                caseOptions.outputDirectory = dir.appendingPathComponent(caseFolder(i)).path
                caseOptions.outputOption = "case folder"
                caseOptions.quiet = true
                caseOptions.suppressUnusedWarning = true
                caseOptions.durable = false  // made durable in batches by SweepState.flush
                caseOptions.writeFolder = specs[i].output.caseFolders
                var report: Run.Report?, failure: RunError?
                do { report = try Run.execute(specs[i], path: path, options: caseOptions, carry: carry, write: { _ in }) }
                catch { failure = RunError.classify(error, file: "\(path) case \(i)") }
                let row = SweepTable.row(index: i, values: cases[i], study: columns, report: report, error: failure, previous: previous,
                                         wall: Date().timeIntervalSince(t0), folder: report == nil || !caseOptions.writeFolder ? "" : caseFolder(i))
                state.record(row: row, table: table, ok: report?.reason.converged, progress: progress)
                previous = i
              }
            }
        }
        state.flush(table: table, force: true)
        progress.finish()
        if let e = state.appendError { throw e }

        // A complete single-shard table gets its observed orders (merge does it for shards).
        if options.shard.count == 1 {
            let (records, _) = try CSV.read(table)
            try SweepTable.finalize(records, to: table)
            try SweepStack.writeIfRequested(directory: dir, table: table)
        }
        withExtendedLifetime(lock) {}
        let s = state.counts
        return Summary(directory: dir, table: table, total: mine.count, skipped: done.count, ok: s.ok,
                       notConverged: s.notConverged, failed: s.failed, seconds: Date().timeIntervalSince(start))
    }

    /// The sweep folder's manifest, shard layout and this shard's table, checked or created under
    /// the folder lock; returns the cases an earlier run finished (`--resume`).
    private static func prepareFolder(_ dir: URL, dirPath: String, option: String, fingerprint: String, table: URL,
                                      header: [String], mine: [Int], total: Int, options: Options, path: String) throws -> Set<Int> {
        // The folder must be new, empty, or this same sweep's (its manifest's fingerprint).
        if let manifest = OutputGuard.Manifest.read(in: dir) {
            guard manifest.fingerprint == fingerprint else {
                throw RunError(.badInput, "\(option) \(dirPath): holds a sweep with other cases (a parameter, the grid or another setting differs "
                    + "from \(path)); run this sweep in a new folder, or restore the file to continue that one")
            }
        } else {
            do { try OutputGuard.Manifest(kind: .sweep, fingerprint: fingerprint).write(in: dir) } catch {
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
            if let existing = mine.first(where: { entries.contains(caseFolder($0)) }), !options.resume {
                throw RunError(.badInput, "\(option) \(dirPath): \(caseFolder(existing)) exists but \(options.shard.tableName) does not; continue "
                    + "with --resume (which reruns the cases without a row), or use a new folder")
            }
            try AtomicFile.write(Data(CSV.line(header).utf8), to: table)
        }
        return done
    }

    /// Runs `body` on `count` threads at once and waits for all of them. The threads start
    /// together (a gate opens once all exist), so each takes its first chain before any takes
    /// a second.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        let ready = DispatchGroup(), done = DispatchGroup()
        let gate = DispatchSemaphore(value: 0)
        for _ in 0..<count {
            ready.enter(); done.enter()
            let thread = Thread { ready.leave(); gate.wait(); body(); done.leave() }
            thread.stackSize = 8 << 20  // as a main thread's: expressions and assembly recurse
            thread.start()
        }
        ready.wait()
        for _ in 0..<count { gate.signal() }
        done.wait()
    }

    /// The pending cases cut into contiguous chains that the workers take in turn: about four
    /// chains per worker, so that cases of unequal cost still balance (with one fixed chain per
    /// worker, the one that drew the expensive cases finishes last), but never shorter than the
    /// cases each worker would get, up to 8, so that short sweeps keep their carried state
    /// (6 cases on 2 workers: two chains of 3).
    static func chains(_ pending: [Int], jobs: Int) -> [ArraySlice<Int>] {
        guard !pending.isEmpty else { return [] }
        let perWorker = (pending.count + jobs - 1) / jobs
        let length = max((pending.count + 4 * jobs - 1) / (4 * jobs), min(8, perWorker))
        return stride(from: 0, to: pending.count, by: length).map { pending[$0 ..< min($0 + length, pending.count)] }
    }

    /// A digest (FNV-1a, 64 bits) of every case's resolved configuration and of the data files
    /// the cases read: `--resume` and other shards continue a folder only when their cases are
    /// the same ones, on the same data.
    /// The cases' input files without repeats (`all`: problem files and data files; `data`: the
    /// data files' paths), each distinct name resolved once.
    static func inputFiles(_ specs: [ProblemSpec]) -> (all: [URL], data: [String]) {
        var seen = Set<String>(), all: [URL] = [], data: [String] = []
        for spec in specs {
            let base = spec.document.directory.path + "\u{0}"
            if seen.insert(spec.document.path).inserted { all.append(URL(fileURLWithPath: spec.document.path)) }
            for name in spec.dataFileNames where seen.insert(base + name).inserted {
                let url = spec.document.resolve(name)
                all.append(url)
                if !data.contains(url.path) { data.append(url.path) }
            }
        }
        return (all, data)
    }

    static func fingerprint(_ specs: [ProblemSpec], dataFiles: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) { for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 } }
        for spec in specs {
            mix(RecordWriter.toml(spec.resolved).utf8)
            mix([0x1e])  // record separator between cases
        }
        for path in dataFiles.sorted() {
            mix(path.utf8)
            if let bytes = try? FileBytes.read(URL(fileURLWithPath: path)) { mix(bytes) }
        }
        return String(format: "%016llx-%d", h, specs.count)
    }

    /// `pdekit merge DIR`: every shard's table into DIR/sweep.csv, once every case has its row.
    public static func merge(directory: String) throws -> (cases: Int, shards: Int, table: URL) {
        do { return try mergeTables(directory) } catch let e as IncompleteSweep { throw RunError(.badInput, e.message) }
    }

    /// `sweep --merge`: merges when every shard has finished, else nil (another shard, still
    /// running, will merge when it finishes).
    public static func mergeIfComplete(directory: String) throws -> (cases: Int, shards: Int, table: URL)? {
        do { return try mergeTables(directory) } catch is IncompleteSweep { return nil }
    }

    static func mergeTables(_ directory: String) throws -> (cases: Int, shards: Int, table: URL) {
        let dir = OutputGuard.url(directory)
        guard let m = OutputGuard.Manifest.read(in: dir), m.kind == .sweep else {
            throw RunError(.badInput, "\(directory): not a sweep folder pdekit wrote (no \(OutputGuard.manifestName) of kind sweep); merge writes only into pdekit's own sweep folders")
        }
        // The fingerprint ends in the number of cases: every one must be in exactly one row.
        let total = m.fingerprint?.split(separator: "-").last.flatMap { Int($0) }
        // Shards finishing at once each try to merge: one at a time.
        return try SweepLock(directory: dir).withFolderLock {
            let r = try SweepTable.merge(directory: dir, expectedCases: total)
            try SweepStack.writeIfRequested(directory: dir, table: dir.appendingPathComponent("sweep.csv"))
            return (r.cases, r.shards, dir.appendingPathComponent("sweep.csv"))
        }
    }
}

/// Work queue and tallies shared by the sweep's workers.
///
/// Finished rows wait in `pending` and enter the table after one sync(2) has made their case
/// folders durable (at most once a second): a row in sweep.csv always means data on disk,
/// while a case without a row is simply run again by --resume.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [[String]] = []
    private var nextChainIndex = 0

    /// The next chain for a worker that is free, nil when all are taken (or a row could not be
    /// appended, which stops the sweep).
    func nextChain(_ chains: [ArraySlice<Int>]) -> ArraySlice<Int>? {
        lock.lock(); defer { lock.unlock() }
        guard _appendError == nil, nextChainIndex < chains.count else { return nil }
        defer { nextChainIndex += 1 }
        return chains[nextChainIndex]
    }
    private var lastFlush = Date()
    private(set) var counts = (ok: 0, notConverged: 0, failed: 0)
    private var _appendError: Error?
    var appendError: Error? { lock.lock(); defer { lock.unlock() }; return _appendError }

    func record(row: [String], table: URL, ok: Bool?, progress: SweepProgress) {
        lock.lock(); defer { lock.unlock() }
        pending.append(row)
        flushLocked(table: table, force: false)
        switch ok {
        case true?: counts.ok += 1
        case false?: counts.notConverged += 1
        case nil: counts.failed += 1
        }
        progress.step(failed: counts.failed)
    }

    func flush(table: URL, force: Bool) {
        lock.lock(); defer { lock.unlock() }
        flushLocked(table: table, force: force)
    }

    private func flushLocked(table: URL, force: Bool) {
        guard !pending.isEmpty, force || Date().timeIntervalSince(lastFlush) >= 1 else { return }
        sync()
        do { for r in pending { try CSV.appendLine(r, to: table) } } catch { _appendError = error }
        pending.removeAll()
        lastFlush = Date()
    }
}

/// Progress on stderr: a bar with rate and ETA on a terminal, a plain line every 5 % (at most
/// one per 10 s) otherwise.
final class SweepProgress: @unchecked Sendable {
    let total: Int, skipped: Int, terminal: Bool
    private var done = 0
    private let start = Date()
    private var lastLine = Date.distantPast
    private var lastPercent = -1

    init(total: Int, skipped: Int, terminal: Bool) { self.total = total; self.skipped = skipped; self.terminal = terminal }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    func step(failed: Int) {
        done += 1
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let failures = failed > 0 ? ", \(failed) failed" : ""
        if terminal {
            let width = 30, filled = total > 0 ? width * done / total : width
            emit(String(format: "\r[%@%@] %d/%d  %.2f cases/s  ETA %.0f s%@ ", String(repeating: "#", count: filled),
                        String(repeating: "-", count: width - filled), done, total, rate, eta, failures))
        } else {
            let percent = total > 0 ? 100 * done / total : 100
            if done == total || (percent / 5 > lastPercent / 5 && Date().timeIntervalSince(lastLine) >= 10) || lastPercent < 0 {
                emit(String(format: "sweep: %d/%d cases done (%d resumed), %.2f cases/s, ETA %.0f s%@\n",
                            done, total, skipped, rate, eta, failures))
                lastLine = Date(); lastPercent = percent
            }
        }
    }

    func finish() { if terminal && done > 0 { emit("\n") } }
}
