import Foundation
import XCTest

/// The Python package (`python/`, `pip install ./python`) against files this build of pdekit
/// writes: its own unittest suite (python/tests), which runs the CLI through `pdekit.run` for
/// its fixtures (runs, sweeps, a dataset, tensors, reduced models) and checks what it reads
/// against the records and against pdekit's own online stage. Counted here as one test; the
/// failing Python tests are named in the message.
final class PythonPackageTests: CLITestCase {
    func testThePythonPackageReadsWhatPdekitWrites() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "unittest", "discover", "-s", "tests"]
        p.currentDirectoryURL = Self.packageRoot.appendingPathComponent("python")
        // Bytecode caches would be written into the repository: kept out of it.
        p.environment = Self.environmentWithoutMPI.merging(["PDEKIT": Self.executable.path, "PYTHONDONTWRITEBYTECODE": "1",
                                                            "TMPDIR": work.path]) { $1 }
        let out = Pipe()
        p.standardOutput = out; p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(text.suffix(6000)))
        // unittest's last lines: "Ran N tests in …" and "OK" (skips named): at least the suite's size.
        let ran = (try? Regex(#"Ran (\d+) tests"#).firstMatch(in: text)).flatMap { $0.output[1].substring.flatMap { Int($0) } } ?? 0
        XCTAssertGreaterThanOrEqual(ran, 50, String(text.suffix(2000)))
    }
}
