import ArgumentParser
import Foundation
import LinearAlgebra
import Problems
import Runner
import Solvers
import Storage

// The executable parses arguments and prints; numerics live in the libraries.
// Exit status (docs/cli.md): 0 success, 1 internal error, 2 bad input (including bad
// command-line usage), 3 not converged with --error-if-not-converged, 4 compare outside
// tolerance.

@Sendable func writeStdout(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }

/// The one error line, at most 2,000 characters: a 100 kB value quoted from the input is cut in
/// the middle (the file, line and key come first, the advice last, and both are kept).
func fail(_ message: String, status: Int32) -> Never {
    // Ranks other than 0 of a distributed run exit with the status rank 0 prints the line for.
    if !Run.silentRank { FileHandle.standardError.write(Data("pdekit: error: \(excerpt(message, limit: 2000))\n".utf8)) }
    quit(status)
}

/// Ends the process without running the C libraries' exit handlers. Under a tight address-space
/// limit (`ulimit -v`) an OpenBLAS worker thread that could not map its buffer at start-up
/// spins, and OpenBLAS's own exit handler joins it: the process never ended, after its output
/// was complete. Every output pdekit writes is complete and synced before this point (writes go
/// through write(2), not stdio buffers; stdout is flushed in case a library printed).
func quit(_ status: Int32) -> Never {
    PETScSession.finalize()  // MPI_Finalize, if a method = "petsc" solve started MPI
    fflush(nil)  // every stdio output stream
    _exit(status)
}

/// Runs a command body; a `RunError` becomes its one-line message and exit status.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as RunError { fail(e.message, status: e.exitStatus) }
}

struct PDEKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdekit",
        abstract: "Solve PDE and linear-system problems described in TOML files.",
        discussion: """
            Exit status: 0 success (run: also when not converged, unless --error-if-not-converged), \
            1 internal error (a C library failed), 2 bad input (problem file, data file, memory, \
            output folder, command line), 3 not converged with --error-if-not-converged, \
            4 compare outside tolerance. Documentation: docs/cli.md.
            """,
        version: Run.version,
        subcommands: [RunCommand.self, SweepCommand.self, MergeCommand.self, CompareCommand.self, PlotCommand.self, CheckCommand.self,
                      ListCommand.self])
}

struct ProblemOptions: ParsableArguments {
    @Argument(help: "The problem file (TOML).")
    var file: String

    @Option(name: .customLong("set"),
            help: ArgumentHelp("Override a value: KEY=VALUE, e.g. --set pde.grid=[33,33] (repeatable).", valueName: "key=value"))
    var setValues: [String] = []
    @Flag(help: "Also write ParaView/VisIt files (as [output] vtk = true): solution.vti per run, cases.pvd per sweep.")
    var vtk = false

    /// The --set list, with --vtk as the override it stands for.
    var overrides: [String] { setValues + (vtk ? ["output.vtk=true"] : []) }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Solve one problem and write its output folder.")

    @OptionGroup var problem: ProblemOptions
    @Option(name: .shortAndLong, help: "Output folder (default: [output] directory, else outputs/<name>).")
    var output: String?
    @Flag(help: "Print the resolved solver configuration before solving.")
    var view = false
    @Flag(help: "Print the residual norm at every iteration.")
    var monitor = false
    @Flag(help: "Exit with status 3 when the solver does not converge.")
    var errorIfNotConverged = false
    @Flag(name: .shortAndLong, help: "No progress lines and no summary (errors and warnings still go to stderr).")
    var quiet = false
    @Flag(help: "Print where the time went (phases, A and M⁻¹ applications, GB/s) and write it to the record as [profile].")
    var profile = false

    func run() throws {
        var options = Run.Options()
        options.overrides = problem.overrides
        options.outputDirectory = output
        options.profile = profile
        options.view = view
        options.monitor = monitor
        options.errorIfNotConverged = errorIfNotConverged
        options.progress = quiet || monitor ? .off : (isatty(2) != 0 ? .terminal : .lines)
        options.quiet = quiet
        try reportingErrors {
            let report = try Run.run(path: problem.file, options: options, write: writeStdout)
            if !report.reason.converged && !Run.silentRank {
                let detail = report.outcome.notConvergedDetail
                let reason = report.reason.name + (detail.isEmpty ? "" : ": " + detail)
                FileHandle.standardError.write(Data("pdekit: warning: \(problem.file): not converged (\(reason))\n".utf8))
            }
        }
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep",
        abstract: "Run every case of a [sweep] table: parallel, resumable, shardable (MPI, Slurm).")

    @OptionGroup var problem: ProblemOptions
    @Option(name: .shortAndLong, help: "Output folder (default: [output] directory, else outputs/<name>).")
    var output: String?
    @Option(help: "Cases run at once in this process (kernels get cores/jobs threads each).")
    var jobs = 1
    @Flag(help: "Continue an interrupted sweep: run only the cases without a row in the table.")
    var resume = false
    @Flag(help: "List the cases (of this shard) and exit.")
    var dryRun = false
    @Option(help: ArgumentHelp("Run the i-th of N contiguous blocks of the cases (0-based; default: from mpirun / Slurm, else all).",
                               valueName: "i/N"))
    var shard: String?
    @Flag(help: "After running, join the shards' tables (as pdekit merge DIR).")
    var merge = false

    func validate() throws {
        // Each job is a thread with its own workspace; thousands would only exhaust the machine.
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must lie in 1...256, got \(jobs)") }
    }

    func run() throws {
        try reportingErrors {
            var options = Sweep.Options()
            options.overrides = problem.overrides
            options.outputDirectory = output
            options.jobs = jobs
            options.resume = resume
            options.dryRun = dryRun
            options.shard = try shard.map(Shard.parse) ?? Shard.fromEnvironment() ?? .single
            options.progress = isatty(2) != 0
            let s = try Sweep.run(path: problem.file, options: options, write: writeStdout)
            if dryRun { return }
            writeStdout(String(format: "%d case(s) in shard %@: %d ok, %d not converged, %d failed, %d resumed, %.1f s\n  → %@\n",
                               s.total, options.shard.description, s.ok, s.notConverged, s.failed, s.skipped, s.seconds, s.table.path))
            if merge && options.shard.count > 1 {
                if let m = try Sweep.mergeIfComplete(directory: s.directory.path) {
                    writeStdout("merged \(m.cases) case(s) from \(m.shards) shard table(s) → \(m.table.path)\n")
                } else {
                    writeStdout("not merged yet: other shards are still missing cases; the last to finish merges (or run pdekit merge)\n")
                }
            }
        }
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Join a sharded sweep's tables into sweep.csv.")
    @Argument(help: "The sweep's output folder.") var directory: String

    func run() throws {
        try reportingErrors {
            let m = try Sweep.merge(directory: directory)
            writeStdout("merged \(m.cases) case(s) from \(m.shards) shard table(s) → \(m.table.path)\n")
        }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare",
        abstract: "Compare A with the reference B (NPY files, run folders or sweep folders); exit 4 when outside tolerance.")
    @Argument(help: "The result to check.") var a: String
    @Argument(help: "The reference.") var b: String
    @Option(help: "Relative tolerance: |a - b| <= atol + rtol |b| entrywise (NumPy's allclose).") var rtol = Comparison.defaultRtol
    @Option(help: "Absolute tolerance.") var atol = Comparison.defaultAtol

    func run() throws {
        try reportingErrors {
            let o = try Compare.run(a, b, rtol: rtol, atol: atol)
            writeStdout(o.text)
            if !o.withinTolerance { quit(Compare.outsideTolerance) }
        }
    }
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot",
        abstract: "Write SVG pictures of a run folder (history, solution) or a sweep folder (a column against a parameter).")
    @Argument(help: "A run or sweep output folder.") var folder: String
    @Option(help: "Sweep plots: the parameter column on the x axis (default: the first parameter).") var x: String?
    @Option(help: "Sweep plots: the columns on the y axis, comma-separated (default: relative_l2_error or iterations).") var y: String?
    @Option(name: .shortAndLong, help: "Sweep plots: the picture's file name in the sweep folder (default: sweep.svg).") var output: String?
    @Flag(inversion: .prefixedNo, help: "Sweep plots: a log x axis (default: when x is h and spans a decade).") var logX: Bool?
    @Flag(inversion: .prefixedNo, help: "Sweep plots: a log y axis (default: when the values span a decade).") var logY: Bool?

    func run() throws {
        try reportingErrors {
            do {
                for url in try Plot.run(folder, x: x, y: y, logX: logX, logY: logY, output: output) { writeStdout("wrote \(url.path)\n") }
            } catch let e as RunError { throw e } catch { throw RunError.classify(error, file: folder) }
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a problem file without solving.")
    @OptionGroup var problem: ProblemOptions

    func run() throws {
        try reportingErrors {
            let spec = try Run.check(path: problem.file, overrides: problem.overrides)
            var line = "\(problem.file): ok (\(spec.kind) '\(spec.name)'"
            if ProblemKinds.usesSolver(spec.kind) { line += ", method \(spec.solver.method)" }
            var unused = spec.solver.unusedOptions
            if spec.hasSweep {
                let sweep = try Run.checkSweep(path: problem.file, overrides: problem.overrides)
                line += ", \(sweep.cases) sweep case(s) valid"
                unused = sweep.unusedOptions
            }
            writeStdout(line + ")\n")
            if spec.hasSweep, let refusal = Run.baseRefusal(spec, path: problem.file) {
                let warning = "pdekit: warning: \(problem.file): pdekit run (which solves the base problem, not the cases) "
                    + "would refuse it: \(oneLine(refusal))\n"
                FileHandle.standardError.write(Data(warning.utf8))
            }
            // As `run` and `sweep` do: a table for a component no run uses is named, not dropped.
            Run.warnUnusedOptions(unused, uses: spec.hasSweep ? nil : spec.solver.componentsInUse, path: problem.file)
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List problem kinds, methods and preconditioners.")

    func run() throws { writeStdout(Catalog.text) }
}

// `pdekit help gmg` (a problem kind, a method, a preconditioner, `solver` or `output`): its keys; `pdekit help
// run` and the like stay ArgumentParser's.
// OpenBLAS's idle workers spin for a tenth of a second after the library loads (Parallel).
Parallel.parkBLASThreads()
let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "help" {
    do {
        if let text = try Catalog.help(arguments[2]) {
            writeStdout(text)
            quit(0)
        }
        let commands = PDEKit.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        if !commands.contains(arguments[2]) {
            fail("help: '\(arguments[2])' is not a command, problem kind, method, preconditioner or table; one of: "
                 + (commands + Catalog.helpNames).joined(separator: ", "), status: 2)
        }
    } catch {
        fail("help \(arguments[2]): \(error)", status: 1)
    }
}

do {
    var command = try PDEKit.parseAsRoot()
    try command.run()
    quit(0)
} catch {
    let code = PDEKit.exitCode(for: error)
    if code == .success {
        writeStdout(PDEKit.fullMessage(for: error) + "\n")  // --help, --version
        quit(0)
    }
    // Usage errors are bad input: exit status 2, one line.
    let message = PDEKit.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
    fail(message, status: 2)
}
