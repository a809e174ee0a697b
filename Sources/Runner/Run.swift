import Solvers
import Configuration
import Foundation
import LinearAlgebra
import Problems
import Storage

/// `pdekit run`: problem file → validated spec → its kind's study → output folder.
public enum Run {
    public struct Options: Sendable {
        public var overrides: [String] = []
        /// Overrides `[output] directory`.
        public var outputDirectory: String?
        /// Where `outputDirectory` came from, for messages (`--output`, a sweep's case folder).
        public var outputOption = "--output"
        public var view = false
        public var monitor = false
        public var errorIfNotConverged = false
        public var progress = ProgressStyle.off
        /// No summary line (sweep cases report through the sweep's progress instead).
        public var quiet = false
        /// No unused-options warning (a sweep warns once, for tables no case uses).
        public var suppressUnusedWarning = false
        /// fsync every file (a sweep turns this off and syncs its finished cases in batches).
        public var durable = true
        /// Write the output folder; a sweep with `[output] case_folders = false` keeps only the
        /// case's row (the outcome is returned, nothing is written).
        public var writeFolder = true
        /// Compute the outcome's arrays even when no folder is written (a sweep spools them).
        public var keepArrays = false
        /// `--profile`: time the phases and the solve's operator applications, print the table
        /// after the summary and write it to the record as `[profile]` (one process only).
        public var profile = false
        public init() {}
    }

    public struct Report: Sendable {
        public var name: String
        public var outputDirectory: URL
        public var outcome: StudyOutcome
        public var reason: ConvergenceReason { outcome.reason }
    }

    public static let version = "0.1.0"

    /// This process is a rank other than 0 of a distributed run (or of a `pdekit run` under a
    /// parallel launcher): its error lines and warnings are left to rank 0, which prints the one
    /// line every rank agreed on (`DistributedRun`).
    nonisolated(unsafe) public static var silentRank = false

    /// Runs one problem. `write` receives stdout text (view, monitor, summary).
    public static func run(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Report {
        do {
            return try runUnclassified(path: path, options: options, write: write)
        } catch {
            throw RunError.classify(error, file: path)
        }
    }

    private static func runUnclassified(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Report {
        let started = Date()
        if options.profile { Profile.enable(true) }
        defer { if options.profile { Profile.enable(false) } }
        // Ranks other than 0 of a launch leave the one error line of an invalid file (the same
        // on every rank) to rank 0.
        let spec: ProblemSpec
        do { spec = try ProblemSpec(path: path, overrides: options.overrides) } catch {
            if let launch = try? Shard.fromEnvironment(), launch.count > 1, launch.index != 0 { silentRank = true }
            throw error
        }
        if spec.hasSweep {
            // The file is one whole: a [sweep] table check refuses is refused here too, though
            // run solves the base problem only (it was ignored, so check and run disagreed).
            _ = try SweepSpec(spec.document)
            // Once, not once per rank of a launch.
            if ((try? Shard.fromEnvironment()) ?? nil).map({ $0.index == 0 }) ?? true {
                FileHandle.standardError.write(
                    Data("pdekit: note: \(path) has a [sweep] table; run solves the base problem only (use pdekit sweep for the cases)\n".utf8))
            }
        }
        // Under mpirun or srun every rank runs this command: with method = "petsc" the ranks
        // solve one system together (DistributedRun), unless MPI says there is one rank.
        let readSeconds = Date().timeIntervalSince(started)
        if spec.solver.method == "petsc", let launch = try Shard.fromEnvironment(), launch.count > 1, options.profile {
            throw RunError(.badInput, "\(path): --profile is for a run on one process, not over MPI ranks")
        }
        if spec.solver.method == "petsc", let launch = try Shard.fromEnvironment(), launch.count > 1,
           let report = try DistributedRun.run(spec, path: path, options: options, started: started, write: write) {
            return report
        }
        return try execute(spec, path: path, options: options, started: started, readSeconds: readSeconds, write: write)
    }

    /// No study may call a result converged while an array it writes holds NaN or ±inf (data
    /// of 1e308 gave a NaN posterior reported as `converged_direct`): such an outcome becomes
    /// `diverged_nan`, naming the array, so the run exits as not converged under
    /// `--error-if-not-converged` and a sweep lists the case as not converged.
    static func refuseNonFiniteResults(_ outcome: inout StudyOutcome) {
        guard outcome.reason.converged else { return }
        for a in outcome.arrays {
            let bad = a.values.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
            guard bad > 0 else { continue }
            outcome.reason = .diverged_nan
            outcome.notConvergedDetail = "\(a.name).npy holds \(bad) non-finite value\(bad == 1 ? "" : "s") of \(a.values.count)"
            outcome.summary = "diverged_nan (\(outcome.notConvergedDetail)); " + outcome.summary
            return
        }
    }

    /// A solved problem whose output folder is not written yet (`Run.solve`, then `Run.commit`):
    /// a sweep worker hands it to its writer and goes on to the next case.
    struct Solved: Sendable {
        var spec: ProblemSpec
        var path: String
        var options: Options
        var outcome: StudyOutcome
        /// Where the folder goes, and how that was named (for messages).
        var directory: String, option: String
        var started: Date, readSeconds: Double
    }

    /// Validates, solves and writes one problem's output folder (also the body of every sweep
    /// case): output folder checked → study → the one writer.
    /// `started`: when the run began (before the file was read), for the summary's wall time;
    /// `readSeconds`: how long reading and validating the file took (`--profile`).
    static func execute(_ spec: ProblemSpec, path: String, options: Options, carry: CarriedState? = nil, started: Date = Date(),
                        readSeconds: Double = 0, write: @escaping @Sendable (String) -> Void) throws -> Report {
        try commit(try solve(spec, path: path, options: options, carry: carry, started: started, readSeconds: readSeconds, write: write),
                   write: write)
    }

    /// Everything of `execute` up to the writing: the output folder checked, the study run, a
    /// non-finite result refused, the profile so far.
    static func solve(_ spec: ProblemSpec, path: String, options: Options, carry: CarriedState? = nil, started: Date = Date(),
                      readSeconds: Double = 0, write: @escaping @Sendable (String) -> Void) throws -> Solved {
        // Output folder first: --output, then [output] directory, then outputs/<name>. A folder
        // that pdekit may not replace is refused before any work is done.
        let (dirPath, option) = folder(spec, path: path, outputDirectory: options.outputDirectory, option: options.outputOption)
        if options.writeFolder { try OutputGuard.check(dirPath, kind: .run, option: option, inputs: spec.inputFiles) }
        let study = try Studies.study(for: spec)
        try MemoryBudget.check(spec)
        let context = StudyContext(path: path, view: options.view, monitor: options.monitor, progress: options.progress,
                                   write: write, carry: carry, writesArrays: options.writeFolder || options.keepArrays)
        if options.view, let text = study.view(spec) { write(text.hasSuffix("\n") ? text : text + "\n") }
        var outcome = try study.solve(spec, context)
        Self.refuseNonFiniteResults(&outcome)
        // The profile so far (the record is written before the folder is renamed).
        if options.profile {
            let rows = ProfileReport.rows(readSeconds: readSeconds, result: outcome.result, events: Profile.recorded, writeSeconds: nil, wall: nil)
            outcome.tables.append(("profile", ProfileReport.table(rows)))
        }
        return Solved(spec: spec, path: path, options: options, outcome: outcome, directory: dirPath, option: option,
                      started: started, readSeconds: readSeconds)
    }

    /// The rest of `execute`: the output folder written (unless `writeFolder` is off), the
    /// summary line, the unused-options warning, `--error-if-not-converged`.
    static func commit(_ solved: Solved, write: @escaping @Sendable (String) -> Void) throws -> Report {
        let (spec, path, options, outcome) = (solved.spec, solved.path, solved.options, solved.outcome)
        guard options.writeFolder else {
            return Report(name: spec.name, outputDirectory: URL(fileURLWithPath: solved.directory), outcome: outcome)
        }

        let folder = try OutputFolder(destination: solved.directory, option: solved.option, inputs: spec.inputFiles)
        defer { folder.discard() }
        let writeSeconds = try OutcomeWriter.write(outcome, spec: spec, to: folder, durable: options.durable)
        let wall = Date().timeIntervalSince(solved.started)
        if !options.quiet {
            let times = String(format: "; write %.3f s, wall %.3f s", writeSeconds, wall)
            write("\(spec.name): \(outcome.summary)\(times)\n  → \(folder.destination.path)\n")
        }
        if options.profile {
            let rows = ProfileReport.rows(readSeconds: solved.readSeconds, result: outcome.result, events: Profile.recorded,
                                          writeSeconds: writeSeconds, wall: wall)
            write(ProfileReport.text(rows, wall: wall))
        }
        // At the end, as PETSc's -options_left: a failed input gets its one error line only. A
        // warning on stderr, so --quiet (progress and summary) keeps it.
        if !options.suppressUnusedWarning { warnUnusedOptions(spec.solver.unusedOptions, uses: spec.solver.componentsInUse, path: path) }

        if !outcome.reason.converged && options.errorIfNotConverged {
            throw RunError(.notConverged, "\(path): did not converge: \(outcome.reason.name) \(outcome.notConvergedDetail)")
        }
        return Report(name: spec.name, outputDirectory: folder.destination, outcome: outcome)
    }

    /// A run's output folder and how it was named (for messages): --output (or a sweep's case
    /// folder), then [output] directory, then outputs/<name>.
    static func folder(_ spec: ProblemSpec, path: String, outputDirectory: String?, option: String = "--output") -> (path: String, option: String) {
        outputDirectory.map { ($0, option) } ?? spec.output.directory.map { ($0, "\(path): [output] directory") } ??
            ("outputs/\(spec.name)", "output folder")
    }

    /// The `[solver.<name>]` tables that no case of a sweep uses (a swept preconditioner may use
    /// `[solver.ssor]` in some cases only), in the first case's order; one list per case.
    static func unusedByEveryCase(_ lists: [[String]]) -> [String] {
        guard let first = lists.first else { return [] }
        return first.filter { name in lists.allSatisfy { $0.contains(name) } }
    }

    /// PETSc's -options_left: an options table for a component the run does not use is named,
    /// not silently dropped (a typo'd preconditioner name is the usual cause).
    public static func warnUnusedOptions(_ unused: [String], uses: [String]?, path: String) {
        for name in unused {
            let used = uses.map { " (it uses " + $0.map { "'\($0)'" }.joined(separator: " with ") + ")" } ?? ""
            if name == "preconditioner" {
                // The one key of [solver] itself that a method can ignore (SolverSpec).
                let line = "pdekit: warning: \(path): [solver] preconditioner is not used by this run\(used): the method takes none\n"
                FileHandle.standardError.write(Data(line.utf8))
                continue
            }
            FileHandle.standardError.write(
                Data("pdekit: warning: \(path): [solver.\(name)] is not used by this run\(used); its options are ignored\n".utf8))
        }
    }

    /// What `check` runs for one problem: the memory it needs, then its study's checks.
    static func checkAll(_ spec: ProblemSpec, carry: CarriedState? = nil) throws {
        try MemoryBudget.check(spec)
        try Studies.study(for: spec).check(spec, carry: carry)
    }

    /// `pdekit check`: every validation `run` makes short of solving — the file, its data
    /// files, the memory a run needs, assembly (coefficient and fields on the grid), the method
    /// against the matrix and the reference.
    public static func check(path: String, overrides: [String]) throws -> ProblemSpec {
        do {
            let spec = try ProblemSpec(path: path, overrides: overrides)
            // A sweep file's base problem never runs by itself: its cases are what checkSweep judges.
            if !spec.hasSweep {
                try checkAll(spec)
                // The folder run would write: refused now if run would refuse it.
                let (dirPath, option) = folder(spec, path: path, outputDirectory: nil)
                try OutputGuard.check(dirPath, kind: .run, option: option, inputs: spec.inputFiles)
            }
            return spec
        } catch { throw RunError.classify(error, file: path) }
    }

    /// A sweep file's base problem, which only `pdekit run FILE` solves (the cases replace what
    /// they sweep): the reason `run` would refuse it, or nil. `check` of a sweep file judges the
    /// cases and reports this as a warning, so that it neither refuses a valid sweep nor lets a
    /// `run` refusal pass unsaid.
    public static func baseRefusal(_ spec: ProblemSpec, path: String) -> String? {
        do {
            try checkAll(spec)
            let (dirPath, option) = folder(spec, path: path, outputDirectory: nil)
            try OutputGuard.check(dirPath, kind: .run, option: option, inputs: spec.inputFiles)
            return nil
        } catch { return RunError.classify(error, file: path).message }
    }

    /// Every case of a sweep built and checked as `check` does one problem, on all cores in
    /// contiguous blocks (a sweep runs its cases on threads the same way, so the path is
    /// thread-safe). The error reported is the first failing case's, as a serial loop gives.
    static func checkCases(_ document: ProblemDocument, _ sweep: SweepSpec) throws -> [ProblemSpec] {
        let count = sweep.cases.count
        let results = CaseResults(count)
        let blocks = max(1, min(Parallel.cores, count))
        let savedThreads = Parallel.threadCount
        Parallel.setThreadCount(1)  // each block's kernels on its own core
        defer { Parallel.setThreadCount(savedThreads) }
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            let carry = CarriedState()  // each block's own, as a sweep worker's
            for i in (b * count / blocks) ..< ((b + 1) * count / blocks) {
                guard results.firstFailure.map({ $0 > i }) ?? true else { return }  // an earlier case failed already
                do {
                    let spec = try ProblemSpec(try document.sweepCase(sweep.cases[i]))
                    try checkAll(spec, carry: carry)
                    results.set(i, .success(spec))
                } catch { results.set(i, .failure(error)); return }
            }
        }
        var specs: [ProblemSpec] = []
        specs.reserveCapacity(count)
        for i in 0..<count {
            switch results.get(i) {
            case .success(let spec)?: specs.append(spec)
            case .failure(let error)?:
                guard var e = error as? ProblemError else { throw error }
                e.message = "sweep case \(i): " + e.message
                throw e
            case nil: throw RunError(.internal, "sweep case \(i) was not checked")
            }
        }
        return specs
    }

    /// `pdekit check` on a sweep file: every case is built and validated as `check` does;
    /// returns the count.
    /// Checks every case of a sweep file; returns the number of cases and the `[solver.<name>]`
    /// tables that no case uses (what `sweep` warns about).
    public static func checkSweep(path: String, overrides: [String]) throws -> (cases: Int, unusedOptions: [String]) {
        do {
            let document = try ProblemDocument(path: path, overrides: overrides)
            let sweep = try SweepSpec(document)
            let specs = try checkCases(document, sweep)
            let unused = specs.map(\.solver.unusedOptions)
            // What sweep refuses before its first case: cases on several grids under [output]
            // stack, a folder it may not write.
            let base = try ProblemSpec(try document.sweepCase([]))
            try Sweep.checkStackGrids(base, try Studies.study(for: base), specs, path: path)
            let (dirPath, option) = folder(base, path: path, outputDirectory: nil)
            try OutputGuard.check(dirPath, kind: .sweep, option: option, inputs: Sweep.inputFiles([base]).all)
            return (sweep.cases.count, unusedByEveryCase(unused))
        } catch { throw RunError.classify(error, file: path) }
    }
}

/// Per-case outcomes of `Run.checkCases`, written by the worker blocks under a lock.
final class CaseResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<ProblemSpec, Error>?]
    private var failure: Int?
    init(_ count: Int) { results = Array(repeating: nil, count: count) }
    var firstFailure: Int? { lock.lock(); defer { lock.unlock() }; return failure }
    func set(_ i: Int, _ r: Result<ProblemSpec, Error>) {
        lock.lock(); defer { lock.unlock() }
        results[i] = r
        if case .failure = r, failure.map({ i < $0 }) ?? true { failure = i }
    }
    func get(_ i: Int) -> Result<ProblemSpec, Error>? { lock.lock(); defer { lock.unlock() }; return results[i] }
}
