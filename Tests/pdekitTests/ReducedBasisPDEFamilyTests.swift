import Foundation
import Storage
import XCTest

/// `family = "pde"`: a diffusion family that is not affine in its parameters (an inclusion whose
/// contrast and width vary), made affine by nonintrusive EIM, reduced by the weak greedy, and
/// evaluated online from the EIM rows only.
final class ReducedBasisPDEFamilyTests: CLITestCase {
    let family = """
        [problem]
        name = "incl"
        kind = "reduced_basis"
        [reduced_basis]
        family = "pde"
        tolerance = 1e-5
        max_size = 30
        test = { samples = 6, seed = 2 }
        [reduced_basis.pde]
        grid = [19, 19]
        coefficient = "1 + contrast*exp(-((x - 0.5)^2 + (y - 0.5)^2)/width^2)"
        rhs = 1
        parameters = { contrast = 1, width = 0.1 }
        [reduced_basis.training]
        mode = "random"
        samples = 40
        seed = 1
        parameters = { contrast = { uniform = [1, 10] }, width = { uniform = [0.05, 0.2] } }
        """

    /// The family's [pde] table at contrast 6.3, width 0.12 as a kind = "pde" problem, solved by
    /// CHOLMOD: the full solution a model at that parameter is checked against.
    let fullSolve = """
        [problem]
        name = "t"
        kind = "pde"
        [pde]
        grid = [19, 19]
        coefficient = "1 + contrast*exp(-((x - 0.5)^2 + (y - 0.5)^2)/width^2)"
        rhs = 1
        parameters = { contrast = 6.3, width = 0.12 }
        [solver]
        method = "direct"
        """

    func testInclusionFamilyOfflineAndOnlineAgainstTheTruth() throws {
        let path = try write("incl.toml", family)
        let r = try pdekit(["run", path, "-o", "incl", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("incl/run.toml"), encoding: .utf8)
        // The bound is never below the error it bounds (the EIM model's), and the EIM's own
        // share, which it does not see, is far below the greedy's tolerance.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(recordNumber(record, "min_effectivity")), 1)
        let eimShare = try XCTUnwrap(recordNumber(record, "max_test_eim_error"))
        XCTAssertLessThan(eimShare, 1e-6)
        // Online, only the rows at the EIM entries are assembled: a small part of the 361.
        XCTAssertLessThan(try XCTUnwrap(recordNumber(record, "eim_online_rows")), 361 / 2)

        // A new parameter through reduced_model, against the full solve of the same [pde].
        let online = try write("o.toml", """
            [problem]
            name = "o"
            kind = "reduced_model"
            [reduced_model]
            model = "incl"
            parameters = { contrast = 6.3, width = 0.12 }
            """)
        let o = try pdekit(["run", online, "-o", "o"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let orec = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        let sN = try XCTUnwrap(recordNumber(orec, "compliance")), bound = try XCTUnwrap(recordNumber(orec, "compliance_bound"))
        let truth = try write("t.toml", fullSolve)
        XCTAssertEqual(try pdekit(["run", truth, "-o", "t"]).status, 0)
        let u = try NPY.read(work.appendingPathComponent("t/solution.npy"))
        XCTAssertEqual(try NPY.read(work.appendingPathComponent("o/solution.npy")).shape, [19, 19])
        // With f = 1 the compliance is s = Σ uᵢ (the rows are the equations divided by the cell
        // volume). The EIM model's reduced compliance satisfies 0 ≤ s_M − s_N ≤ Δ_s; the truth
        // differs from s_M by the EIM share, measured on the test set at eimShare of the energy
        // norm (1000 times that as the margin here).
        let s = u.values.reduce(0, +)
        XCTAssertLessThanOrEqual(sN, s * (1 + 1000 * eimShare))
        XCTAssertLessThanOrEqual(s - sN, bound + 1000 * eimShare * s)
        XCTAssertLessThan(abs(s - sN) / s, 1e-4)

        // The many-query path: a sweep over the pde model.
        let sweep = try pdekit(["sweep", online, "-o", "os",
                                "--set", "sweep.parameters.\"reduced_model.parameters.contrast\"={ linear = [1, 10], count = 20 }"])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
    }

    /// `[reduced_basis] truth = [μ…]` writes the full solution at μ instead of building a model:
    /// for the pde family, the [pde] table at those parameters assembled and solved by CHOLMOD,
    /// so a kind = "pde" run of the same table with `method = "direct"` gives the same numbers
    /// (one assembly, one factorisation: equal to rounding, 1e-12 of the largest value allowed).
    /// For the thermal block at μ = 1 the operator is the 5-point Laplacian of a kind = "pde"
    /// Poisson problem (a different assembly, ThermalBlock.stiffness): the same to CHOLMOD's
    /// rounding. By name (a table) as well as in order; refused for the matrices family, and with
    /// the wrong count.
    func testTruthSolveAtGivenParameters() throws {
        let path = try write("incl.toml", family)
        for (i, truth) in ["[6.3, 0.12]", "{ width = 0.12, contrast = 6.3 }"].enumerated() {
            let r = try pdekit(["run", path, "-o", "truth\(i)", "--set", "reduced_basis.truth=\(truth)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("truth solution at contrast = 6.3, width = 0.12"), r.stdout)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("truth0/rb_basis.npy").path), "no model is built")
        let full = try write("t.toml", fullSolve)
        XCTAssertEqual(try pdekit(["run", full, "-o", "t"]).status, 0)
        let u = try NPY.read(work.appendingPathComponent("t/solution.npy"))
        for i in 0..<2 {
            let v = try NPY.read(work.appendingPathComponent("truth\(i)/solution.npy"))
            XCTAssertEqual(v.shape, [19, 19])
            let scale = u.values.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(u.values, v.values).map { abs($0 - $1) }.max()!, 1e-12 * scale)
        }

        let block = try write("tb.toml", """
            [problem]
            name = "tb"
            kind = "reduced_basis"
            [reduced_basis]
            grid = 15
            truth = [1, 1, 1, 1]
            [reduced_basis.training]
            parameters = { mu1 = [0.1, 1], mu2 = [0.1, 1], mu3 = [0.1, 1], mu4 = [0.1, 1] }
            """)
        XCTAssertEqual(try pdekit(["run", block, "-o", "tb"]).status, 0)
        let poisson = try write("p.toml", """
            [problem]
            name = "p"
            kind = "pde"
            [pde]
            grid = [15, 15]
            rhs = 1
            [solver]
            method = "direct"
            """)
        XCTAssertEqual(try pdekit(["run", poisson, "-o", "p"]).status, 0)
        let a = try NPY.read(work.appendingPathComponent("tb/solution.npy")), b = try NPY.read(work.appendingPathComponent("p/solution.npy"))
        XCTAssertEqual(a.shape, [15, 15])
        XCTAssertLessThanOrEqual(zip(a.values, b.values).map { abs($0 - $1) }.max()!, 1e-12 * b.values.map(abs).max()!)

        let wrong = try pdekit(["run", path, "-o", "w", "--set", "reduced_basis.truth=[6.3]"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("reduced_basis.truth") && wrong.stderr.contains("expected 2 numbers"), wrong.stderr)
    }

    func testBadPDEFamiliesNameTheirKeys() throws {
        let path = try write("incl.toml", family)
        for (args, key) in [(["--set", "reduced_basis.pde.velocity=[1, 0]"], "reduced_basis.pde.velocity"),
                            (["--set", "reduced_basis.training.parameters.depth={ uniform = [0, 1] }"], "depth"),
                            (["--set", "reduced_basis.grid=31"], "reduced_basis.grid"),
                            (["--set", "reduced_basis.pde.coefficient=\"contrast - 5\""], "reduced_basis.pde.coefficient"),
                            (["--set", "reduced_basis.pde.reaction=\"contrast - 5\""], "reduced_basis.pde.reaction"),
                            (["--set", "reduced_basis.reference={ contrast = 1 }"], "reduced_basis.reference")] {
            let bad = try pdekit(["run", path, "-o", "bad"] + args)
            XCTAssertEqual(bad.status, 2, "\(args): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains(key), "\(args): \(bad.stderr)")
            XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("bad").path))
        }
        let block = Self.packageRoot.appendingPathComponent("problems/thermal_block.toml").path
        let eim = try pdekit(["check", block, "--set", "reduced_basis.eim={ tolerance = 1e-8 }"])
        XCTAssertEqual(eim.status, 2, eim.stderr)
        XCTAssertTrue(eim.stderr.contains("reduced_basis.eim"), eim.stderr)
    }
}
