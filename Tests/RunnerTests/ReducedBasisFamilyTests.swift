import Solvers
import Foundation
import XCTest
import Problems
import ReducedBasis
import Storage
@testable import Runner

/// The reduced-basis families as plug-ins: each `[reduced_basis] family` has exactly one entry,
/// an archive's family finds the same entry, and a worker's carried model follows the model's
/// content, not its path.
final class ReducedBasisFamilyTests: XCTestCase {
    func testEveryFamilyHasExactlyOneEntry() throws {
        for family in ReducedBasisSpec.Family.allCases {
            XCTAssertEqual(ReducedBasisFamilies.all.filter { $0.name == family }.count, 1, family.rawValue)
        }
        XCTAssertEqual(ReducedBasisFamilies.all.count, ReducedBasisSpec.Family.allCases.count)
        // Each family's archive format carries its name and a code no other family uses.
        let formats = ReducedBasisFamilies.archiveFormats
        XCTAssertEqual(Set(formats.map(\.code)).count, formats.count)
        for e in ReducedBasisFamilies.all {
            XCTAssertEqual(e.archiveFormat.name, e.name.rawValue)
            let family = ReducedModelArchive.Family(e.archiveFormat, numbers: [1, 1, 3])
            XCTAssertEqual(try ReducedBasisFamilies.entry(family).name, e.name)
        }
    }

    func work() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rbfamily-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Builds a 1 × 2 thermal block model of `maxSize` vectors into `dir/model`.
    func build(_ dir: URL, maxSize: Int) throws {
        let file = dir.appendingPathComponent("tb.toml")
        try """
        [problem]
        kind = "reduced_basis"
        name = "model"
        [reduced_basis]
        blocks = [1, 2]
        grid = 11
        max_size = \(maxSize)
        tolerance = 0
        test = { samples = 0 }
        [reduced_basis.training]
        parameters = { mu1 = [0.1, 0.5, 1.0], mu2 = [0.1, 0.5, 1.0] }
        """.write(to: file, atomically: true, encoding: .utf8)
        var options = Run.Options()
        options.outputDirectory = dir.appendingPathComponent("model").path
        options.quiet = true
        _ = try Run.run(path: file.path, options: options, write: { _ in })
    }

    /// A worker loads a model once and keeps it while the model is unchanged; rebuilt in place
    /// (same path, other content), it is read again: a path-keyed cache gave the old model.
    func testCarriedModelFollowsTheModelsContent() throws {
        let dir = try work()
        try build(dir, maxSize: 2)
        let online = dir.appendingPathComponent("online.toml")
        try """
        [problem]
        kind = "reduced_model"
        [reduced_model]
        model = "model"
        parameters = { mu1 = 0.3, mu2 = 0.7 }
        """.write(to: online, atomically: true, encoding: .utf8)
        let spec = try ProblemSpec(path: online.path)
        let r = try XCTUnwrap(spec.physics as? ReducedModelSpec)
        let carry = CarriedState()
        let first = try ReducedModelStudy.load(r, spec, carry: carry)
        XCTAssertEqual(first.model.size, 2)
        XCTAssertNotNil(carry.value(ReducedModelStudy.carryKey))
        let hash = try XCTUnwrap(ReducedModelStudy.contentHash(r.modelURL))
        XCTAssertEqual(try ReducedModelStudy.load(r, spec, carry: carry).model.size, 2)
        try build(dir, maxSize: 3)
        XCTAssertNotEqual(ReducedModelStudy.contentHash(r.modelURL), hash)
        XCTAssertEqual(try ReducedModelStudy.load(r, spec, carry: carry).model.size, 3)
        // Without a carried state (a single run) nothing is kept.
        XCTAssertEqual(try ReducedModelStudy.load(r, spec, carry: nil).model.size, 3)
    }
}
