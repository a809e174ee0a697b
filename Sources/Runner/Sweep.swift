import Solvers
import Configuration
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

    /// `[output] stack` and `hdf5` stack the cases' arrays: they must share one grid, found
    /// before any solve (and by `check`).
    static func checkStackGrids(_ base: ProblemSpec, _ study: any Study, _ specs: [ProblemSpec], path: String) throws {
        guard base.output.stack || base.output.hdf5 else { return }
        let key = base.output.stack ? "stack" : "hdf5"
        let carry = CarriedState()
        let shapes = try specs.map { try study.stackShape($0, carry: carry) }
        guard let first = shapes.first ?? nil else {
            throw base.document.error(["output", key], "kind '\(base.kind)' writes no solution.npy to stack; its cases' arrays are in their "
                + "folders (case-*/)")
        }
        guard let other = shapes.firstIndex(where: { $0 != first }) else { return }
        throw RunError(.badInput, "\(path): [output] \(key) needs every case on one grid; case \(other) has \(shapes[other] ?? []), "
            + "case 0 \(first)")
    }


    private static func runUnclassified(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Summary {
        let document = try ProblemDocument(path: path, overrides: options.overrides)
        let sweep = try SweepSpec(document)
        let base = try ProblemSpec(try document.sweepCase([]))
        // Validate every case before running any: a bad value in case 180 is found now.
        let specs = try caseSpecs(document, sweep)

        let (dirPath, option) = Run.folder(base, path: path, outputDirectory: options.outputDirectory)
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
        let header = SweepTable.header(parameters: keys, study: study.sweepColumns)

        if options.dryRun {
            let dir = OutputGuard.url(dirPath)
            write("\(sweep.cases.count) case(s), \(mine.count) in shard \(options.shard) (\(options.shard.source)); output \(dir.path)\n")
            write(CSV.line(["case"] + keys))
            for i in mine { write(CSV.line(["\(i)"] + sweep.cases[i].map { SweepTable.text($0.value) })) }
            return Summary(directory: dir, table: dir.appendingPathComponent(options.shard.tableName), total: mine.count, skipped: 0, ok: 0,
                           notConverged: 0, failed: 0, seconds: 0)
        }

        // The folder must be new, empty, or this same sweep's (its manifest's fingerprint).
        let inputs = Self.inputFiles(specs)
        let folder = try SweepFolder(dirPath: dirPath, option: option, path: path, fingerprint: Self.fingerprint(specs, dataFiles: inputs.data),
                                     kind: base.kind, header: header, mine: mine, total: specs.count, inputs: inputs.all, options: options,
                                     spooled: !base.output.caseFolders && (base.output.stack || base.output.hdf5))
        let pending = mine.filter { !folder.done.contains($0) }
        // Warn only about tables no case uses (a swept preconditioner may use [solver.ssor] in some).
        Run.warnUnusedOptions(Run.unusedByEveryCase(specs.map(\.solver.unusedOptions)), uses: nil, path: path)

        let chains = SweepExecutor.chains(mine, pending: Set(pending),
                                          length: sweep.chainLength ?? SweepSpec.defaultChainLength(cases: specs.count))
        let jobs = max(1, min(options.jobs, chains.count))
        let savedThreads = Parallel.threadCount
        Parallel.setThreadCount(max(1, Parallel.cores / jobs))
        defer { Parallel.setThreadCount(savedThreads) }
        let start = Date()
        let progress = SweepProgress(total: pending.count, skipped: folder.done.count, terminal: options.progress)
        let counts = try SweepExecutor.run(chains, specs: specs, cases: sweep.cases, columns: study.sweepColumns, folder: folder, path: path,
                                           jobs: jobs, progress: progress)
        // A complete single-shard table is finished now (merge does it for shards).
        if options.shard.count == 1 { try folder.finish(study) }
        return Summary(directory: folder.directory, table: folder.table, total: mine.count, skipped: folder.done.count, ok: counts.ok,
                       notConverged: counts.notConverged, failed: counts.failed, seconds: Date().timeIntervalSince(start))
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
        // The records are written on every core (a tenth of a millisecond each), then mixed in
        // case order.
        for text in inParallel(specs.count, { RecordWriter.toml(specs[$0].resolved) }) {
            mix(text.utf8)
            mix([0x1e])  // record separator between cases
        }
        for path in dataFiles.sorted() {
            mix(path.utf8)
            if let bytes = try? FileBytes.read(URL(fileURLWithPath: path)) { mix(bytes) }
        }
        return String(format: "%016llx-%d", h, specs.count)
    }

    /// Every case's spec, built on all cores in contiguous blocks (as `Run.checkCases`); the
    /// error thrown is the first failing case's, as a serial loop's would be.
    static func caseSpecs(_ document: ProblemDocument, _ sweep: SweepSpec) throws -> [ProblemSpec] {
        try inParallel(sweep.cases.count) { i in Result { try ProblemSpec(try document.sweepCase(sweep.cases[i])) } }.map { try $0.get() }
    }

    /// `body(i)` for i in 0..<count on the kernels' threads, in contiguous blocks, the results in order.
    static func inParallel<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            Parallel.chunks(count, minimumChunk: 1) { range, _ in for i in range { out[i] = body(i) } }
        }
        return results.map { $0! }
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
            throw RunError(.badInput, "\(directory): not a sweep folder pdekit wrote (no \(OutputGuard.manifestName) of kind sweep); "
                + "merge writes only into pdekit's own sweep folders")
        }
        // The fingerprint ends in the number of cases: every one must be in exactly one row.
        let total = m.fingerprint?.split(separator: "-").last.flatMap { Int($0) }
        // Shards finishing at once each try to merge: one at a time.
        return try SweepLock(directory: dir).withFolderLock {
            let r = try SweepTable.merge(directory: dir, expectedCases: total, study: m.problem.flatMap(Studies.study(forKind:)))
            try SweepStack.writeIfRequested(directory: dir, table: dir.appendingPathComponent("sweep.csv"))
            return (r.cases, r.shards, dir.appendingPathComponent("sweep.csv"))
        }
    }
}
