import Foundation
import Storage
import XCTest

/// Settings that were silently ignored or blamed on the wrong thing: each is now refused by
/// `check` and `run` alike, naming the key, or read as meant.
final class InputAttributionTests: CLITestCase {
    var examples: URL { Self.packageRoot.appendingPathComponent("problems") }

    /// `--vtk` on a kind without a grid solution was recorded as vtk = true and wrote nothing.
    func testVTKIsRefusedWhereNoSolutionVTIIsWritten() throws {
        for name in ["tensor_runge3d", "gp_regression2d", "gp_poisson1d", "thermal_block"] {
            let path = examples.appendingPathComponent("\(name).toml").path
            for command in ["check", "run"] {
                let r = try pdekit([command, path, "--vtk", "-o", "out"].filter { command == "run" || ($0 != "-o" && $0 != "out") })
                XCTAssertEqual(r.status, 2, "\(name) \(command): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("output.vtk") && r.stderr.contains("no solution on a grid"), "\(name): \(r.stderr)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("out").path))
    }

    /// A tensor sweep with `stack = true` ran every case and then failed naming solution.npy.
    func testStackIsRefusedBeforeAnyCaseWhereNoSolutionIsWritten() throws {
        let path = try write("t.toml", """
            [problem]
            name = "t"
            kind = "tensor"
            [tensor]
            box = [[-1, 1]]
            function = "exp(a*x)"
            parameters = { a = 1 }
            [output]
            stack = true
            [sweep.parameters]
            "tensor.parameters.a" = [1, 2]
            """)
        for command in ["check", "sweep"] {
            let r = try pdekit([command, path])
            XCTAssertEqual(r.status, 2, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("output.stack") && r.stderr.contains("no solution.npy"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("outputs").path))
    }

    /// `rhs = "z"` on a 2D grid read z as 0: a zero right-hand side, solved and reported.
    func testCoordinatesTheGridDoesNotHaveAreRefused() throws {
        let path = try write("z.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [9, 9]\nrhs = \"z\"\n")
        try assertBadInput(["check", path], ["pde.rhs", "reads z", "2 axis(es)"])
        try assertBadInput(["run", path, "--set", "pde.rhs=1", "--set", "pde.boundary.x_max.value=\"y + z\""], ["pde.boundary.x_max", "reads z"])
        XCTAssertEqual(try pdekit(["check", path, "--set", "pde.grid=[5, 5, 5]"]).status, 0)
    }

    /// An unknown name in a matrices family's `reference` was ignored.
    func testUnknownReferenceParameterIsRefused() throws {
        let path = examples.appendingPathComponent("rb_matrices.toml").path
        let r = try pdekit(["check", path, "--set", "reduced_basis.reference={ mu = -2.0, nu = 1 }"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("reduced_basis.reference") && r.stderr.contains("nu is not a parameter"), r.stderr)
    }

    /// A CSV written by Excel starts with a UTF-8 byte-order mark, which became part of the
    /// first column's name.
    func testByteOrderMarkOfACSVIsNotPartOfItsHeader() throws {
        let data = examples.appendingPathComponent("data/rb_family")
        let copy = work.appendingPathComponent("family")
        try FileManager.default.copyItem(at: data, to: copy)
        for name in ["training.csv", "test.csv"] {
            let url = copy.appendingPathComponent(name)
            try (Data([0xEF, 0xBB, 0xBF]) + Data(contentsOf: url)).write(to: url)
        }
        let path = try write("m.toml", """
            [problem]
            kind = "reduced_basis"
            [reduced_basis]
            family = "matrices"
            [reduced_basis.matrices]
            training = "family/training.csv"
            test = "family/test.csv"
            coercivity = "1"
            """)
        let r = try pdekit(["check", path])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// `compare` given a named pipe that no process writes blocked forever; a folder given as
    /// a CSV was "no such file".
    func testPipesAndFoldersAreNamedNotWaitedOn() throws {
        let fifo = work.appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let start = Date()
        let r = try pdekit(["compare", fifo, fifo])
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertEqual(r.status, 2, r.stderr)
        let path = examples.appendingPathComponent("rb_matrices.toml").path
        let folder = try pdekit(["check", path, "--set", "reduced_basis.matrices.test=\"data/rb_family\""])
        XCTAssertEqual(folder.status, 2, folder.stderr)
        XCTAssertTrue(folder.stderr.contains("is a folder"), folder.stderr)
    }
}
