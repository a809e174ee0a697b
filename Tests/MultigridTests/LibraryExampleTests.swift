import Foundation
import Krylov
import LinearAlgebra
import Multigrid
import XCTest

/// docs/library.md's example, run: a matrix built in Swift and solved by CG + AMG through the
/// PDEKit product's modules, without a problem file. The test also checks that the document
/// shows this code verbatim (the lines between the markers), so the page cannot drift from
/// what is tested.
final class LibraryExampleTests: XCTestCase {
    func testTheDocumentedExampleSolvesAndIsTheDocumentedCode() throws {
        // BEGIN docs/library.md
        // The 5-point Laplacian on an m × m grid with zero Dirichlet sides, from triplets
        // (duplicates are summed; CSRMatrix sorts the columns of each row).
        let m = 100, n = m * m
        var rows: [Int32] = [], columns: [Int32] = [], values: [Double] = []
        for i in 0..<m {
            for j in 0..<m {
                let k = Int32(i * m + j)
                rows.append(k); columns.append(k); values.append(4)
                for (di, dj) in [(-1, 0), (1, 0), (0, -1), (0, 1)] where (0..<m).contains(i + di) && (0..<m).contains(j + dj) {
                    rows.append(k); columns.append(Int32((i + di) * m + j + dj)); values.append(-1)
                }
            }
        }
        let a = try CSRMatrix(rows: n, columns: n, rowIndices: rows, columnIndices: columns, values: values)
        let b = [Double](repeating: 1, count: n)

        // CG preconditioned by one Ruge–Stüben AMG V-cycle, to ‖b − Ax‖ ≤ 1e-8 ‖b‖.
        let amg = try AlgebraicMultigrid(a)
        let cg = try ConjugateGradient(matrix: a, preconditioner: amg, options: IterativeOptions(rtol: 1e-8))
        let (x, result) = cg.solve(b)
        print(result.reason.name, result.iterations, result.relativeResidual, amg.levelRows)
        // END docs/library.md

        XCTAssertEqual(result.reason, .converged_rtol)
        // The residual, recomputed here from the triplets: within the tolerance asked for.
        var ax = [Double](repeating: 0, count: n)
        for (r, (c, v)) in zip(rows, zip(columns, values)) { ax[Int(r)] += v * x[Int(c)] }
        let residual = zip(b, ax).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        XCTAssertLessThanOrEqual(residual, 1e-8 * Double(n).squareRoot() * (1 + 1e-6))
        // AMG keeps the count independent of m, where plain CG needs O(m) iterations.
        XCTAssertLessThan(result.iterations, 30)

        // The page shows the code between the markers, as written here.
        let source = try String(contentsOfFile: #filePath, encoding: .utf8).components(separatedBy: "\n")
        guard let begin = source.firstIndex(where: { $0.contains("// BEGIN docs/library.md") }),
              let end = source.firstIndex(where: { $0.contains("// END docs/library.md") }) else { return XCTFail("markers missing") }
        let indent = source[begin].prefix { $0 == " " }.count
        let example = source[(begin + 1)..<end].map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }.joined(separator: "\n")
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/library.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(text.contains(example), "docs/library.md does not show the tested example:\n\(example)")
    }
}
