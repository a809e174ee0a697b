import Foundation
import Storage
import XCTest

/// Reduced-basis input that must be refused or reported honestly: damaged or changed model
/// arrays, out-of-range values, listings with absolute paths and a coercivity bound, errors at
/// rounding level that are not a breakdown.
final class ReducedModelInputTests: CLITestCase {
    let block = """
        [problem]
        name = "tb"
        kind = "reduced_basis"
        [reduced_basis]
        grid = 7
        tolerance = 1e-8
        max_size = 10
        test = { samples = 4, seed = 1 }
        [reduced_basis.training]
        parameters = { mu1 = [0.1, 1.0], mu2 = [0.1, 1.0], mu3 = [0.1, 1.0], mu4 = [0.1, 1.0] }
        """

    func testDamagedModelArraysAreBadInputNotAnInternalError() throws {
        let path = try write("tb.toml", block)
        XCTAssertEqual(try pdekit(["run", path, "-o", "tb"]).status, 0)
        let online = try write("o.toml", "[problem]\nkind = \"reduced_model\"\n[reduced_model]\nmodel = \"tb\"\n"
            + "parameters = { mu1 = 0.3, mu2 = 0.5, mu3 = 0.7, mu4 = 0.9 }\n")
        XCTAssertEqual(try pdekit(["run", online, "-o", "o"]).status, 0)
        // The last: the operators negated (finite and plausible, but not the PSD terms the model
        // needs; the compliance came out negative).
        for (name, value) in [("rb_loads", Double.nan), ("rb_operators", 1e308), ("rb_basis", -Double.infinity), ("rb_operators", -1)] {
            let folder = work.appendingPathComponent("tb_\(name)_\(value)")
            try FileManager.default.copyItem(at: work.appendingPathComponent("tb"), to: folder)
            let original = try NPY.read(folder.appendingPathComponent("\(name).npy"))
            var values = original.values
            if value == -1 { values = values.map { -$0 } } else { values[0] = value }
            try NPY.write(values, shape: original.shape, to: folder.appendingPathComponent("\(name).npy"))
            let r = try pdekit(["run", online, "-o", "bad", "--set", "reduced_model.model=\"tb_\(name)_\(value)\""])
            XCTAssertEqual(r.status, 2, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("reduced_model.model") && r.stderr.contains(name) && r.stderr.contains("SHA-256"), r.stderr)
            // With its digest rewritten to match (as `sha256sum` would), the range checks behind
            // the digest still refuse it.
            try rehash(folder, "\(name).npy")
            let again = try pdekit(["run", online, "-o", "bad", "--set", "reduced_model.model=\"tb_\(name)_\(value)\""])
            XCTAssertEqual(again.status, 2, "\(name): \(again.stderr)")
            XCTAssertTrue(again.stderr.contains(name) && !again.stderr.contains("SHA-256"), again.stderr)
        }
    }

    /// Replaces the digest of `file` in `folder`'s checksums.sha256 with the file's own.
    func rehash(_ folder: URL, _ file: String) throws {
        let sums = folder.appendingPathComponent("checksums.sha256")
        let digest = SHA256.hex(Array(try Data(contentsOf: folder.appendingPathComponent(file))))
        let lines = try String(contentsOf: sums, encoding: .utf8).split(separator: "\n").map { line in
            line.hasSuffix("  " + file) ? "\(digest)  \(file)" : String(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: sums, atomically: true, encoding: .utf8)
    }

    /// Damage that every shape and range check passes — a zeroed basis (the answer was all
    /// zeros with a bound of 5.7e-6), a zeroed residual ("bound 0"), the basis's axes permuted,
    /// a residual row dropped or repeated — is found by the digests, and `sha256sum -c` agrees
    /// that the written files match them.
    func testChangedModelArraysAreFoundByTheirDigests() throws {
        let path = try write("tb.toml", block)
        XCTAssertEqual(try pdekit(["run", path, "-o", "tb"]).status, 0)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        check.arguments = ["--quiet", "-c", "checksums.sha256"]
        check.currentDirectoryURL = work.appendingPathComponent("tb")
        try check.run(); check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0)
        let online = try write("o.toml", "[problem]\nkind = \"reduced_model\"\n[reduced_model]\nmodel = \"tb\"\n"
            + "parameters = { mu1 = 0.3, mu2 = 0.5, mu3 = 0.7, mu4 = 0.9 }\n")
        XCTAssertEqual(try pdekit(["run", online, "-o", "o"]).status, 0)
        let damages: [(String, String, (NPYArray) -> NPYArray)] = [
            ("zeroed basis", "rb_basis", { NPYArray(shape: $0.shape, values: $0.values.map { _ in 0 }) }),
            ("zeroed residual", "rb_residual", { NPYArray(shape: $0.shape, values: $0.values.map { _ in 0 }) }),
            ("basis axes permuted", "rb_basis", { NPYArray(shape: [$0.shape[1], $0.shape[0], $0.shape[2]], values: $0.values) }),
            ("residual row dropped", "rb_residual",
             { NPYArray(shape: [$0.shape[0] - 1, $0.shape[1]], values: Array($0.values.dropLast($0.shape[1]))) }),
            ("residual row repeated", "rb_residual",
             { NPYArray(shape: [$0.shape[0] + 1, $0.shape[1]], values: $0.values + $0.values.suffix($0.shape[1])) }),
        ]
        for (i, (what, name, damage)) in damages.enumerated() {
            let folder = work.appendingPathComponent("tb\(i)")
            try FileManager.default.copyItem(at: work.appendingPathComponent("tb"), to: folder)
            let changed = damage(try NPY.read(folder.appendingPathComponent("\(name).npy")))
            try NPY.write(changed.values, shape: changed.shape, to: folder.appendingPathComponent("\(name).npy"))
            let r = try pdekit(["run", online, "-o", "bad", "--set", "reduced_model.model=\"tb\(i)\""])
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(name).npy does not match its SHA-256"), "\(what): \(r.stderr)")
        }
        // A model without its checksums file is refused, saying why.
        try FileManager.default.removeItem(at: work.appendingPathComponent("tb/checksums.sha256"))
        let r = try pdekit(["run", online, "-o", "bad"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("no checksums.sha256"), r.stderr)
    }

    /// An exact basis (a tiny grid) leaves errors at rounding level, where bound / error means
    /// nothing: not reported as a breakdown.
    func testRoundingLevelErrorsAreNotABreakdown() throws {
        let path = try write("tb.toml", block.replacingOccurrences(of: "grid = 7", with: "grid = 3"))
        let r = try pdekit(["run", path, "-o", "tb3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("tb3/run.toml"), encoding: .utf8)
        XCTAssertFalse(record.contains("diverged_breakdown"), record)
    }

    func testOutOfRangeValuesAreRefused() throws {
        let path = try write("tb.toml", block)
        for (args, key) in [(["--set", "reduced_basis.reference=5e-324"], "reduced_basis.reference"),
                            (["--set", "reduced_basis.training.parameters.mu1=[1e308]"], "mu1")] {
            let r = try pdekit(["check", path] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(key), r.stderr)
        }
        let gp = try write("g.toml", "[problem]\nkind = \"gp_pde\"\n[gp_pde]\nbox = [[0, 5e-324]]\npoints = [20]\nsource = \"1\"\nexact = \"0\"\n")
        let g = try pdekit(["run", gp, "-o", "g"])
        XCTAssertEqual(g.status, 2, g.stderr)
        XCTAssertTrue(g.stderr.contains("gp_pde.box"), g.stderr)
        // Boundary values taken from exact: a non-finite exact is named, by check as well.
        let e = try pdekit(["check", gp, "--set", "gp_pde.box=[[0, 1]]", "--set", "gp_pde.exact=\"1/x\""])
        XCTAssertEqual(e.status, 2, e.stderr)
        XCTAssertTrue(e.stderr.contains("gp_pde.exact") && e.stderr.contains("boundary values"), e.stderr)
        let j = try pdekit(["check", gp, "--set", "gp_pde.box=[[0, 1]]", "--set", "gp_pde.jitter=1e308"])
        XCTAssertEqual(j.status, 2, j.stderr)
        XCTAssertTrue(j.stderr.contains("gp_pde.jitter"), j.stderr)
    }

    /// A listing with absolute paths, and a coercivity bound that is not positive at a member.
    func testMatrixListingsTakeAbsolutePathsAndCheckTheCoercivityBound() throws {
        let data = Self.packageRoot.appendingPathComponent("problems/data/rb_family").path
        let listing = try String(contentsOfFile: data + "/training.csv", encoding: .utf8).split(separator: "\n").enumerated().map { i, line in
            i == 0 ? String(line) : line.split(separator: ",").enumerated().map { j, f in j == 0 ? String(f) : data + "/" + f }.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try Data(listing.utf8).write(to: work.appendingPathComponent("abs.csv"))
        let path = try write("m.toml", """
            [problem]
            name = "m"
            kind = "reduced_basis"
            [reduced_basis]
            family = "matrices"
            tolerance = 1e-8
            [reduced_basis.matrices]
            training = "abs.csv"
            coercivity = "1"
            """)
        let r = try pdekit(["run", path, "-o", "m"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let bad = try pdekit(["run", path, "-o", "m2", "--set", "reduced_basis.matrices.coercivity=\"mu\""])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("reduced_basis.matrices.coercivity") && bad.stderr.contains("positive"), bad.stderr)
    }
}
