import Solvers
import Configuration
import Foundation
import XCTest
import Problems
import LinearAlgebra
import Spectral
@testable import Runner
import Storage
import Discretisation

final class RecordWriterTests: XCTestCase {
    func table() -> ConfigTable {
        var inner = ConfigTable()
        inner["reason"] = .string("converged_rtol"); inner["code"] = .integer(-3)
        inner["x"] = .double(0.1); inner["nan"] = .double(.nan); inner["ok"] = .bool(true)
        var t = ConfigTable()
        t["name"] = .string("a \"quoted\" name"); t["grid"] = .array([.integer(3), .integer(4)])
        t["result"] = .table(inner)
        return t
    }

    func testTOMLPutsValuesBeforeSubtablesAndQuotes() {
        XCTAssertEqual(RecordWriter.toml(table()), """
            name = "a \\"quoted\\" name"
            grid = [3, 4]

            [result]
            reason = "converged_rtol"
            code = -3
            x = 0.1
            nan = nan
            ok = true

            """)
    }

    func testJSONIsValidAndMapsNaNToNull() throws {
        let json = RecordWriter.json(table())
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let result = object?["result"] as? [String: Any]
        XCTAssertEqual(result?["code"] as? Int, -3)
        XCTAssertTrue(result?["nan"] is NSNull)
        XCTAssertEqual(object?["name"] as? String, "a \"quoted\" name")
    }
}

final class OutputFolderTests: XCTestCase {
    func testCommitReplacesAndDiscardLeavesNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("of-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dest = root.appendingPathComponent("nested/run")
        let first = try OutputFolder(destination: dest.path, option: "--output")
        try Data("1".utf8).write(to: first.url("a.txt"))
        try first.commit()
        let second = try OutputFolder(destination: dest.path, option: "--output")
        try Data("2".utf8).write(to: second.url("b.txt"))
        try second.commit()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dest.path).sorted(), [".pdekit-output", "b.txt"])
        let third = try OutputFolder(destination: dest.path, option: "--output")
        try Data("3".utf8).write(to: third.url("c.txt"))
        third.discard()
        // The earlier result is intact and no staging folder is left.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("nested").path), ["run"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dest.path).sorted(), [".pdekit-output", "b.txt"])
    }
}

final class SolverFactoryTests: XCTestCase {
    /// Every method and preconditioner the catalog lists solves the same SPD system; all agree
    /// with CHOLMOD. κ of the 20² Laplacian is ≈ 180, so rtol 1e-12 bounds the error by 2e-10.
    func testEveryListedSolverAgrees() throws {
        let n = 20, h = 1.0 / Double(n + 1)
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for i in 0..<n * n {
            let (a, b) = (i / n, i % n)
            ri.append(Int32(i)); ci.append(Int32(i)); v.append(4 / (h * h))
            for (da, db) in [(-1, 0), (1, 0), (0, -1), (0, 1)] where (0..<n).contains(a + da) && (0..<n).contains(b + db) {
                ri.append(Int32(i)); ci.append(Int32((a + da) * n + b + db)); v.append(-1 / (h * h))
            }
        }
        let matrix = try CSRMatrix(rows: n * n, columns: n * n, rowIndices: ri, columnIndices: ci, values: v)
        let b = (0..<n * n).map { sin(Double($0)) }
        let reference = try CholeskyFactorization(matrix).solve(b)
        // The same operator as a grid: two Dirichlet axes, coefficient 1 (for the FFT solver).
        let axis = FastPoissonSolver.Axis(unknowns: n, spacing: h, low: .dirichlet, high: .dirichlet)
        let structure = GridStructure(axes: [axis, axis], constantCoefficient: 1, geometricMeanCoefficient: 1)
        for method in SolverSpec.methods.map(\.name) {
            let preconditioners = method == "cg" ? SolverSpec.preconditioners.map(\.name) : ["none"]
            for p in preconditioners {
                let spec = SolverSpec(method: method, preconditioner: p, rtol: 1e-12)
                let (x, result, description) = try SolverFactory.solve(matrix, b, spec, structure: structure, monitor: nil)
                XCTAssertTrue(result.reason.converged, "\(method)/\(p): \(result.reason)")
                let err = zip(x, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / reference.norm2
                XCTAssertLessThan(err, 2e-10, "\(method)/\(p)")
                XCTAssertEqual(description.table["method"], .string(method))
            }
        }
    }

    /// Which configurations skip the assembled matrix, and that they solve without one: the
    /// same system through `SolverFactory.solve(nil, ...)` agrees with CHOLMOD on the matrix.
    func testMatrixFreeConfigurationsSolveWithoutTheMatrix() throws {
        func spec(_ method: String, _ preconditioner: String = "none", stencil: Bool = false) -> SolverSpec {
            var s = SolverSpec(method: method, preconditioner: preconditioner, rtol: 1e-12)
            if stencil { s.operatorForm = .stencil }
            return s
        }
        let free = [spec("gmg"), spec("fft"), spec("cg", "gmg", stencil: true), spec("cg", "fft", stencil: true),
                    spec("gmres", "none", stencil: true), spec("rcg", "gmg", stencil: true)]
        let assembled = [spec("cg", "gmg"), spec("cg", "jacobi", stencil: true), spec("cg", "amg", stencil: true), spec("amg"),
                         spec("direct"), spec("lu"), spec("petsc"), spec("cg", "ic0")]
        for s in free { XCTAssertFalse(s.needsAssembledMatrix, "\(s.method)/\(s.preconditioner)") }
        for s in assembled { XCTAssertTrue(s.needsAssembledMatrix, "\(s.method)/\(s.preconditioner)") }

        let grid = Grid(axes: [Grid.Axis(unknowns: 31), Grid.Axis(unknowns: 31, dirichletHigh: false)])
        let problem = DiffusionProblem(grid: grid, coefficient: .expression(try Discretisation.Expression("1")),
                                       rhs: .expression(try Discretisation.Expression("sin(3*x)*y")))
        let full = try DiffusionAssembly.assemble(problem)
        let rhsOnly = try DiffusionAssembly.assemble(problem, matrix: false)
        XCTAssertEqual(full.rhs, rhsOnly.rhs)
        let reference = try CholeskyFactorization(full.matrix).solve(full.rhs)
        for s in free {
            let (x, result, description) = try SolverFactory.solve(nil, rhsOnly.rhs, s, structure: rhsOnly.structure, monitor: nil)
            XCTAssertTrue(result.reason.converged, "\(s.method)/\(s.preconditioner): \(result.reason)")
            let error = zip(x, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / reference.norm2
            XCTAssertLessThan(error, 1e-9, "\(s.method)/\(s.preconditioner)")
            XCTAssertNil(description.table["nonzeros"])
        }
    }

    func testCatalogListsEveryName() {
        for name in SolverSpec.methods.map(\.name) + SolverSpec.preconditioners.map(\.name) + ProblemSpec.kinds.map(\.name) {
            XCTAssertTrue(Catalog.text.contains("  \(name) "), name)
        }
    }
}

/// No outcome is reported converged while an array it writes holds NaN or ±inf.
final class NonFiniteResultTests: XCTestCase {
    func testNonFiniteArraysMakeTheOutcomeDiverged() {
        var outcome = StudyOutcome(reason: .converged_direct, arrays: [NamedArray(name: "x", shape: [2], values: [0, 1]),
                                                                        NamedArray(name: "mean", shape: [3], values: [1, .nan, -.infinity])],
                                   result: ConfigTable(), summary: "s")
        Run.refuseNonFiniteResults(&outcome)
        XCTAssertEqual(outcome.reason, .diverged_nan)
        XCTAssertTrue(outcome.notConvergedDetail.contains("mean.npy holds 2 non-finite values of 3"), outcome.notConvergedDetail)
        // Finite arrays, or an outcome already not converged, are left as they are.
        var fine = StudyOutcome(reason: .converged_rtol, arrays: [NamedArray(name: "x", shape: [1], values: [1])],
                                result: ConfigTable(), summary: "s")
        Run.refuseNonFiniteResults(&fine)
        XCTAssertEqual(fine.reason, .converged_rtol)
        var stopped = StudyOutcome(reason: .diverged_max_iterations, arrays: [NamedArray(name: "x", shape: [1], values: [.nan])],
                                   result: ConfigTable(), summary: "s")
        Run.refuseNonFiniteResults(&stopped)
        XCTAssertEqual(stopped.reason, .diverged_max_iterations)
    }
}

/// `Comparison` over several parallel blocks (`Parallel.minimumChunk` entries each): the figures
/// of a direct serial computation (sums to a relative 1e-13: n = 10⁵ terms of rounding 1.1e-16
/// each bound the difference by about 1e-11 in the worst case, and by √n · 1e-16 ≈ 3e-14
/// typically; both sums are of positive terms), the maximum exactly, and a NaN or an
/// out-of-tolerance entry in the last block seen.
final class ComparisonBlocksTests: XCTestCase {
    func testBlocksGiveTheSerialFigures() {
        let n = 100_003
        let b = (0..<n).map { sin(Double($0)) * 3 + 0.5 }
        var a = b.enumerated().map { $1 + 1e-9 * cos(Double($0) * 0.37) }  // below atol 1e-8 everywhere
        let c = Comparison(a, b)
        var d2 = 0.0, b2 = 0.0, m = 0.0
        for i in 0..<n { d2 += (a[i] - b[i]) * (a[i] - b[i]); b2 += b[i] * b[i]; m = max(m, abs(a[i] - b[i])) }
        XCTAssertEqual(c.relativeL2, (d2 / b2).squareRoot(), accuracy: 1e-13 * (d2 / b2).squareRoot())
        XCTAssertEqual(c.maxAbs, m)
        XCTAssertTrue(c.withinTolerance)
        a[n - 2] += 1
        XCTAssertFalse(Comparison(a, b).withinTolerance)
        a[n - 1] = .nan
        XCTAssertTrue(Comparison(a, b).relativeL2.isNaN)
    }
}
