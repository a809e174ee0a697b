import Foundation
import Storage
import XCTest

/// gp_regression inputs that used to give a confident wrong answer (exit 0, converged) or a
/// LAPACK error instead of naming the key: values and coordinates whose squares overflow, an
/// empty spectral mixture.
final class GPRegressionInputTests: CLITestCase {
    func problem(box: String = "[[0, 1], [0, 1]]", kernel: String = "[[gp.kernel]]\n[[gp.kernel]]", data: [Double]) throws -> String {
        try NPY.write(data, shape: [4, 4], to: work.appendingPathComponent("d.npy"))
        return try write("g.toml", """
            [problem]
            kind = "gp_regression"
            [gp]
            box = \(box)
            data = "d.npy"
            optimizer = "none"
            \(kernel)
            """)
    }

    func testValuesWhoseSquaresOverflowAreRefused() throws {
        var data = (0..<16).map { sin(Double($0)) }
        data[5] = 1e308
        try assertBadInput(["run", try problem(data: data), "-o", "out"], ["gp.data", "1e150", "value 5"])
        // 1e150 itself is accepted and the posterior is finite.
        data[5] = 1e150
        let r = try pdekit(["run", try problem(data: data), "-o", "out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let mean = try NPY.read(work.appendingPathComponent("out/mean.npy"))
        XCTAssertTrue(mean.values.allSatisfy(\.isFinite))
    }

    func testBoxesWhoseDistancesOverflowAreRefused() throws {
        let data = (0..<16).map { sin(Double($0)) }
        try assertBadInput(["run", try problem(box: "[[0, 1e308], [0, 1]]", data: data), "-o", "out"], ["gp.box", "entry 1"])
        try assertBadInput(["run", try problem(box: "[[0, 1], [0, 1e-300]]", data: data), "-o", "out"], ["gp.box", "entry 2"])
    }

    func testEmptyMixtureIsRefused() throws {
        let data = (0..<16).map { sin(Double($0)) }
        let kernel = """
            [[gp.kernel]]
            type = "spectral_mixture"
            weights = []
            scales = []
            frequencies = []
            [[gp.kernel]]
            type = "squared_exponential"
            """
        try assertBadInput(["run", try problem(kernel: kernel, data: data), "-o", "out"], ["weights", "1 to 200 components, got 0"])
    }
}
