import Configuration
import Foundation
import Storage
import XCTest
@testable import Problems

/// The schemas of the newer kinds, read in process (the CLI tests run the same refusals through
/// the executable): each bad value is one error line naming the file and the dotted key, and a
/// valid table reads back the values it was given.
final class PhysicsSectionValidationTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sections-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func load(_ text: String, overrides: [String] = []) throws -> ProblemSpec {
        try ProblemSpec(ProblemDocument(text: text, path: "p.toml", directory: dir, overrides: overrides))
    }

    func assertRefused(_ text: String, _ overrides: [String], key: String, _ words: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(text, overrides: overrides), "\(overrides)", file: file, line: line) { error in
            let s = "\(error)"
            XCTAssertTrue(error is ProblemError, "\(type(of: error)): \(s)", file: file, line: line)
            XCTAssertFalse(s.contains("\n"), "not one line: \(s)", file: file, line: line)
            XCTAssertTrue(s.hasPrefix("p.toml"), s, file: file, line: line)
            XCTAssertTrue(s.contains(key + ":"), "'\(key)' missing from: \(s)", file: file, line: line)
            for w in words { XCTAssertTrue(s.contains(w), "'\(w)' missing from: \(s)", file: file, line: line) }
        }
    }

    let gpPDE = """
        [problem]
        kind = "gp_pde"
        [gp_pde]
        equation = "poisson"
        box = [[0, 6.283185307179586]]
        points = [400]
        source = "-10000*sin(100*x)"
        exact = "sin(100*x)"
        jitter = 1e-10
        """

    func testGPPDETable() throws {
        let g = try XCTUnwrap(try load(gpPDE).physics as? GPPDESpec)
        XCTAssertEqual(g.kernel, .maternCosineMixture)
        XCTAssertEqual(g.points, [400])
        XCTAssertNil(g.learning)
        let learned = try XCTUnwrap(try load(gpPDE, overrides: ["gp_pde.learn.optimizer=\"adam\""]).physics as? GPPDESpec)
        XCTAssertEqual(learned.learning?.optimizer, .adam)
        XCTAssertEqual(learned.learning?.iterations, 500, "Adam's default iteration count")
        for (set, key) in [("gp_pde.kernel=\"gaussian\"", "gp_pde.kernel"), ("gp_pde.points=[4]", "gp_pde.points"),
                           ("gp_pde.points=[100, 100]", "gp_pde.points"), ("gp_pde.jitter=0.5", "gp_pde.jitter"),
                           ("gp_pde.test_points=5000", "gp_pde.test_points"), ("gp_pde.velocity=1", "gp_pde.velocity"),
                           ("gp_pde.components=51", "gp_pde.components"), ("gp_pde.frequencies=[-1]", "gp_pde.frequencies"),
                           ("gp_pde.box=[[1, 0]]", "gp_pde.box"), ("gp_pde.source=\"sin(\"", "gp_pde.source"),
                           ("gp_pde.learn.optimizer=\"sgd\"", "gp_pde.learn.optimizer"), ("gp_pde.learn.prune=1", "gp_pde.learn.prune"),
                           ("gp_pde.equation=\"heat\"", "gp_pde.equation")] {
            assertRefused(gpPDE, [set], key: key)
        }
    }

    func gpRegression() throws -> String {
        try NPY.write((0..<12).map { Double($0) / 12 }, shape: [4, 3], to: dir.appendingPathComponent("f.npy"))
        return """
            [problem]
            kind = "gp_regression"
            [gp]
            data = "f.npy"
            box = [[0, 1], [0, 2]]
            noise = 0.1
            optimizer = "none"
            [[gp.kernel]]
            type = "squared_exponential"
            lengthscale = 0.3
            [[gp.kernel]]
            type = "matern52"
            lengthscale = 0.3
            """
    }

    func testGPRegressionTable() throws {
        let text = try gpRegression()
        let g = try XCTUnwrap(try load(text).physics as? GPRegressionSpec)
        XCTAssertEqual(g.grid, [4, 3])
        XCTAssertEqual(g.optimizer, .none)
        for (set, key) in [("gp.box=[[0, 1]]", "gp.data"), ("gp.box=[[1, 0], [0, 2]]", "gp.box"), ("gp.iterations=2000000", "gp.iterations"),
                           ("gp.predict=[1, 3]", "gp.predict"), ("gp.grid=[5, 3]", "gp.grid"), ("gp.optimizer=\"newton\"", "gp.optimizer"),
                           ("gp.data=\"missing.npy\"", "gp.data")] {
            assertRefused(text, [set], key: key)
        }
        // One kernel for two axes.
        let oneKernel = try XCTUnwrap(text.components(separatedBy: "[[gp.kernel]]\ntype = \"matern52\"").first)
        assertRefused(oneKernel, [], key: "gp.kernel", ["1 kernels for 2 axes"])
    }

    func testReducedModelTable() throws {
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let text = """
            [problem]
            kind = "reduced_model"
            [reduced_model]
            model = "model"
            parameters = { mu1 = 0.5 }
            """
        // A folder without a run record is not a model.
        assertRefused(text, [], key: "reduced_model.model", ["no run.toml"])
        try "# record\n".write(to: model.appendingPathComponent("run.toml"), atomically: true, encoding: .utf8)
        let r = try XCTUnwrap(try load(text).physics as? ReducedModelSpec)
        XCTAssertEqual(r.parameters, ["mu1": 0.5])
        XCTAssertEqual(r.modelURL.standardizedFileURL.path, model.standardizedFileURL.path)
        assertRefused(text, ["reduced_model.matrix=\"a.mtx\""], key: "reduced_model.rhs", ["both matrix and rhs"])
        assertRefused(text.replacingOccurrences(of: "parameters = { mu1 = 0.5 }", with: ""), [], key: "reduced_model.parameters", ["missing"])
        assertRefused(text, ["reduced_model.extra=1"], key: "reduced_model.extra")
    }
}
