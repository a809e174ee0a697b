import Foundation
import Storage
import XCTest

/// A run that cannot fit is refused before it allocates, under the machine's memory and under
/// `ulimit -v` (the process's own address space counted).
final class MemoryLimitTests: ProblemFileTestCase {
    func pdekitInShell(_ script: String) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, Self.executable.path]
        p.currentDirectoryURL = work
        let err = Pipe()
        p.standardError = err; p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: "", stderr: String(decoding: e, as: UTF8.self))
    }

    func testRunsThatDoNotFitInMemoryAreRefusedBeforeAllocating() throws {
        // 10⁸ unknowns need at least 17 GB; PDEKIT_MEMORY_LIMIT stands in for a smaller machine.
        let r = try pdekit(["run", problem, "--set", "pde.grid=[10000,10000]", "-o", "big"], environment: ["PDEKIT_MEMORY_LIMIT": "6G"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("pde.grid") && r.stderr.contains("needs at least") && r.stderr.contains("PDEKIT_MEMORY_LIMIT"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("big").path))
        // The same limit through ulimit -v (the address-space limit), as the issue saw it.
        let shell = try pdekitInShell("ulimit -v 6000000; exec \"$0\" check p.toml --set 'pde.grid=[10000,10000]'")
        XCTAssertEqual(shell.status, 2, shell.stderr)
        XCTAssertTrue(shell.stderr.contains("ulimit -v"), shell.stderr)
        // A GP regression's prediction grid is estimated too (4000² points: mean and variance
        // alone are 256 MB), and the error names the key that sets it.
        let gp = Self.packageRoot.appendingPathComponent("problems/gp_regression2d.toml").path
        let g = try pdekit(["run", gp, "--set", "gp.predict=[4000, 4000]", "-o", "gpbig"], environment: ["PDEKIT_MEMORY_LIMIT": "100M"])
        XCTAssertEqual(g.status, 2, g.stderr)
        XCTAssertTrue(g.stderr.contains("gp.predict") && g.stderr.contains("needs at least"), g.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("gpbig").path))
    }

    /// Under `ulimit -v`, `check` counts the process's own address space (VmSize, which a
    /// tab in /proc/self/status hid until now) and the threads a run starts; the largest grid it
    /// accepts then runs for GMRES(200) and CHOLMOD (GMRES aborted in the allocator, direct
    /// exited 1 on CHOLMOD_OUT_OF_MEMORY), and a limit too small for anything is refused at once
    /// (an OpenBLAS worker without its buffer made the process spin at exit, forever).
    func testAddressSpaceLimitsAreCountedWithTheProcessItself() throws {
        _ = try write("g.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [33, 33]
            rhs = 1
            [solver]
            method = "gmres"
            preconditioner = "jacobi"
            max_iterations = 30
            [solver.gmres]
            restart = 200
            """)
        let limit = 700_000  // KiB
        func accepted(_ n: Int, _ extra: String) throws -> Bool {
            try pdekitInShell("ulimit -v \(limit); exec \"$0\" check g.toml --set 'pde.grid=[\(n),\(n)]' \(extra)").status == 0
        }
        for extra in ["", "--set solver.method=direct"] {
            var (lo, hi) = (8, 4096)
            while hi - lo > 1 { let mid = (lo + hi) / 2; if try accepted(mid, extra) { lo = mid } else { hi = mid } }
            XCTAssertGreaterThan(lo, 100, extra)
            let r = try pdekitInShell("ulimit -v \(limit); exec timeout 300 \"$0\" run g.toml --set 'pde.grid=[\(lo),\(lo)]' \(extra) -o out\(lo)")
            XCTAssertTrue(r.status == 0 || (r.status == 2 && r.stderr.contains("memory")),
                          "grid \(lo) \(extra): exit \(r.status): \(r.stderr.prefix(300))")
        }
        let start = Date()
        let tight = try pdekitInShell("ulimit -v 250000; exec timeout 60 \"$0\" run g.toml -o tight")
        XCTAssertEqual(tight.status, 2, tight.stderr)
        XCTAssertTrue(tight.stderr.contains("ulimit -v"), tight.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        // A tensor's sampled grid is estimated too (points = 368 in 3D aborted).
        let tensor = Self.packageRoot.appendingPathComponent("problems/tensor_runge3d.toml").path
        let t = try pdekit(["check", tensor, "--set", "tensor.points=368"], environment: ["PDEKIT_MEMORY_LIMIT": "1G"])
        XCTAssertEqual(t.status, 2, t.stderr)
        XCTAssertTrue(t.stderr.contains("tensor.points") && t.stderr.contains("needs at least"), t.stderr)
    }
}
