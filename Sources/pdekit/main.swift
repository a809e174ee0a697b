import ArgumentParser
import Foundation
import Runner

// The executable parses arguments and prints; numerics live in the libraries.
// Exit status (docs/cli.md): 0 success, 1 internal error, 2 bad input (including bad
// command-line usage), 3 not converged with --error-if-not-converged.

@Sendable func writeStdout(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("pdekit: error: \(message)\n".utf8))
    exit(status)
}

struct PDEKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdekit",
        abstract: "Solve PDE and linear-system problems described in TOML files.",
        version: Run.version,
        subcommands: [RunCommand.self, CheckCommand.self, ListCommand.self])
}

struct ProblemOptions: ParsableArguments {
    @Argument(help: "The problem file (TOML).")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: KEY=VALUE, e.g. --set pde.grid=[33,33] (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
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

    func run() throws {
        var options = Run.Options()
        options.overrides = problem.overrides
        options.outputDirectory = output
        options.view = view
        options.monitor = monitor
        options.errorIfNotConverged = errorIfNotConverged
        options.progress = isatty(2) != 0 && !monitor
        do {
            let report = try Run.run(path: problem.file, options: options, write: writeStdout)
            if !report.result.reason.converged {
                FileHandle.standardError.write(Data("pdekit: warning: \(problem.file): not converged (\(report.result.reason.name))\n".utf8))
            }
        } catch let e as RunError {
            fail(e.message, status: e.exitStatus)
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a problem file without solving.")
    @OptionGroup var problem: ProblemOptions

    func run() throws {
        do {
            let spec = try Run.check(path: problem.file, overrides: problem.overrides)
            writeStdout("\(problem.file): ok (\(spec.kind) '\(spec.name)', method \(spec.solver.method))\n")
        } catch let e as RunError {
            fail(e.message, status: e.exitStatus)
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List problem kinds, methods and preconditioners.")

    func run() throws { writeStdout(Catalog.text) }
}

do {
    var command = try PDEKit.parseAsRoot()
    try command.run()
} catch {
    let code = PDEKit.exitCode(for: error)
    if code == .success {
        writeStdout(PDEKit.fullMessage(for: error) + "\n")  // --help, --version
        exit(0)
    }
    // Usage errors are bad input: exit status 2, one line.
    let message = PDEKit.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
    fail(message, status: 2)
}
