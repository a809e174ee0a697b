import Foundation
import XCTest
import Storage

/// Runs the built `pdekit` executable in a fresh temporary folder per test.
class CLITestCase: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits next to the test bundle in the build products folder.
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("pdekit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/pdekit")
    }

    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    /// This process's environment without what an MPI_Init in it (PETScShimTests, in the same
    /// test process when tests run serially) left there: a child mpirun that inherits a
    /// singleton's OMPI_ and PMIX_ variables fails at once.
    static var environmentWithoutMPI: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in !["OMPI_", "PMIX_", "OPAL_", "ORTE_"].contains { key.hasPrefix($0) } }
    }

    func pdekit(_ args: [String], executable: URL? = nil, environment: [String: String] = [:]) throws -> Outcome {
        let p = Process()
        p.executableURL = executable ?? Self.executable
        p.arguments = args
        if !environment.isEmpty { p.environment = Self.environmentWithoutMPI.merging(environment) { $1 } }
        p.currentDirectoryURL = work
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// `mpirun --oversubscribe -n ranks pdekit args…` as root, on shared memory only (what CI allows).
    func mpirun(_ ranks: Int, _ args: [String]) throws -> Outcome {
        let mpirun = URL(fileURLWithPath: "/usr/bin/mpirun")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: mpirun.path), "mpirun missing: make deps installs openmpi-bin")
        return try pdekit(["--oversubscribe", "-n", "\(ranks)", Self.executable.path] + args, executable: mpirun, environment: Self.mpirunEnvironment)
    }

    /// What mpirun needs here: run as root (CI does), on shared memory only.
    static let mpirunEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_plm": "isolated",
                                    "OMPI_MCA_btl": "self,vader", "OMPI_MCA_btl_vader_single_copy_mechanism": "none"]

    func write(_ name: String, _ text: String) throws -> String {
        let url = work.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Folders in the work directory other than the inputs: a failed run must leave none.
    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work.path).filter {
            !$0.hasSuffix(".toml") && !$0.hasSuffix(".npy") && !$0.hasSuffix(".mtx")
        }
    }

    func assertBadInput(_ args: [String], _ words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try pdekit(args)
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "not one line: \(r.stderr)", file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "'\(w)' missing from: \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(try leftovers(), [], "partial output left", file: file, line: line)
    }


    /// The number after `key = ` on the first line of a run record that starts with `key`.
    func recordNumber(_ record: String, _ key: String) -> Double? {
        record.split(separator: "\n").first { $0.hasPrefix(key + " ") || $0.hasPrefix(key + "=") }
            .flatMap { Double($0.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)) }
    }

    /// Runs `python3 -c script args…` (NumPy, VTK: what make deps installs) and returns its exit
    /// status and combined output; the checks the tests make with other tools' readers.
    func python(_ script: String, _ arguments: String...) throws -> (status: Int32, output: String) {
        try python(script, arguments: arguments)
    }

    func python(_ script: String, arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + arguments
        let out = Pipe()
        p.standardOutput = out; p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}

extension CLITestCase {
    func listing(_ path: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent(path).path).sorted()
    }

    /// Refused with exit 2, one line containing `words`, and the work folder exactly as before.
    func assertRefused(_ args: [String], _ words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try listing()
        let r = try pdekit(args)
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "not one line: \(r.stderr)", file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "'\(w)' missing from: \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(try listing(), before, "the work folder changed", file: file, line: line)
    }
}

/// A CLI test whose work folder starts with `p.toml`, a 1D Poisson problem with an exact
/// solution (`problem`): the file the safety and validation tests attack.
class ProblemFileTestCase: CLITestCase {
    var problem: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        problem = try write("p.toml", """
            [problem]
            name = "p"
            kind = "pde"
            [pde]
            grid = [15]
            rhs = 1
            exact = "x*(1 - x)/2"
            """)
    }
}
