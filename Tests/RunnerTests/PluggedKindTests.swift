import Solvers
import Configuration
import Foundation
import LinearAlgebra
import Problems
import Runner
import Storage
import XCTest

/// A problem kind and its study defined here, in the test target only: registering them is all
/// it takes for `run` and `sweep` to solve it — no edit to Runner (issue [spine]).
struct SquaresSection: PhysicsSection {
    static let kind = "squares"
    static let help = "u_i = scale·i² for i < n (a test kind)"
    static let table = "squares"
    var n: Int
    var scale: Double

    init(_ r: TableReader) throws {
        n = try r.int("n", default: 3, minimum: 1)
        scale = try r.double("scale", default: 1)
        try r.finish()
    }

    var resolved: ConfigTable {
        var t = ConfigTable()
        t["n"] = .integer(n); t["scale"] = .double(scale)
        return t
    }

    var dataFiles: [String] { [] }
}

struct SquaresStudy: SectionStudy {
    let sweepColumns = ["total"]

    func solve(_ s: SquaresSection, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        let u = (0..<s.n).map { s.scale * Double($0 * $0) }
        let total = u.reduce(0, +)
        var result = ConfigTable()
        result["total"] = .double(total)
        var history = CSVTable(header: ["i", "u"])
        for (i, v) in u.enumerated() { history.append(["\(i)", CSV.format(v)]) }
        return StudyOutcome(reason: .converged_direct, arrays: [NamedArray(name: "u", shape: [s.n], values: u)],
                            history: history, result: result, summary: "total \(total)", sweepValues: ["total": CSV.format(total)])
    }

    // Reverse file order, to show a study chooses the order of its sweep.
    func order(_ specs: [ProblemSpec]) -> [Int] { Array(specs.indices.reversed()) }
}

final class PluggedKindTests: XCTestCase {
    func testAKindFromOutsideRunsThroughRunAndSweep() throws {
        ProblemKinds.register(SquaresSection.self)
        Studies.register(SquaresStudy())
        XCTAssertTrue(ProblemSpec.kinds.contains { $0.name == "squares" })
        XCTAssertTrue(Catalog.text.contains("squares"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plugged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.toml")
        try """
            [problem]
            name = "s"
            kind = "squares"
            [squares]
            n = 4
            scale = 2
            [sweep]
            order = "nearest"
            [sweep.parameters]
            "squares.scale" = [1, 10]
            """.write(to: file, atomically: true, encoding: .utf8)

        var options = Run.Options()
        options.outputDirectory = dir.appendingPathComponent("run").path
        options.quiet = true
        let report = try Run.run(path: file.path, options: options, write: { _ in })
        XCTAssertEqual(report.reason, .converged_direct)
        XCTAssertEqual(try NPY.read(dir.appendingPathComponent("run/u.npy")).values, [0, 2, 8, 18])
        let record = try String(contentsOf: dir.appendingPathComponent("run/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("[squares]") && record.contains("total = 28.0"), record)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/history.csv").path))

        var sweepOptions = Sweep.Options()
        sweepOptions.outputDirectory = dir.appendingPathComponent("sweep").path
        let summary = try Sweep.run(path: file.path, options: sweepOptions, write: { _ in })
        XCTAssertEqual(summary.ok, 2)
        let (records, _) = try CSV.read(dir.appendingPathComponent("sweep/sweep.csv"))
        XCTAssertEqual(records[0], ["case", "squares.scale", "status", "total", "wall_seconds", "previous_case", "folder", "error"])
        let rows = records.dropFirst().sorted { $0[0] < $1[0] }
        XCTAssertEqual(rows.map { $0[3] }, [CSV.format(14), CSV.format(140)])
        // With order = "nearest" the study's order ran case 1 first, so case 0 followed it.
        XCTAssertEqual(rows.map { $0[5] }, ["1", ""])
        XCTAssertEqual(try NPY.read(dir.appendingPathComponent("sweep/case-0001/u.npy")).values, [0, 10, 40, 90])
    }

    /// Every kind pdekit lists has a study, and a study typed by its section serves exactly that
    /// section's kind; a problem of another kind reaching it is an internal error, not a cast
    /// that falls through.
    func testEveryKindHasAStudyOfItsSection() throws {
        for kind in ProblemKinds.names {
            let study = try XCTUnwrap(Studies.study(forKind: kind), kind)
            XCTAssertTrue(study.kinds.contains(kind), kind)
        }
        XCTAssertEqual(TensorStudy().kinds, [TensorSpec.kind])
        XCTAssertEqual(ReducedModelStudy().kinds, [ReducedModelSpec.kind])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pde = try ProblemSpec(ProblemDocument(text: "[problem]\nkind = \"pde\"\n[pde]\ngrid = [4]\nrhs = 1\n", path: "p.toml", directory: dir))
        XCTAssertThrowsError(try TensorStudy().check(pde, carry: nil)) { e in
            XCTAssertTrue("\(e)".contains("a kind 'pde' problem reached the tensor study"), "\(e)")
        }
    }
}
