import XCTest
import LinearAlgebra
import Storage
@testable import ReducedBasis

/// The model archive: what the offline stage writes, the online stage reads back to the same
/// model, and a damaged array is refused with its name rather than trapped on or trusted.
final class ReducedModelArchiveTests: XCTestCase {
    /// An interpolated family's format as a plug-in declares one (the Runner's matrices family
    /// has these numbers: parameters, 0, unknowns).
    static let listed = ReducedModelArchive.Format(code: 3, name: "listed", bounds: [1...64, 0...0, 1...1_000_000, 1...500, 1...500, 1...500],
                                                   unknowns: { $0[2] }, parameters: { $0[0] }, interpolated: true)
    static let formats = [ThermalBlockFamily.archiveFormat, listed]

    /// A small thermal block model (15² unknowns, 2 × 2 blocks) and its arrays.
    func thermalBlockArchive() throws -> (family: ThermalBlockFamily, model: ReducedBasisModel, arrays: [NamedArray]) {
        let family = try ThermalBlockFamily(grid: 15, blocksX: 2, blocksY: 2, reference: [1, 1, 1, 1])
        let (model, _, _) = try ReducedBasisModel.weakGreedy(family.problem, training: Fixtures.parameters(24, seed: 3), reference: [1, 1, 1, 1],
                                                             tolerance: 1e-8, maxSize: 6, innerProduct: family.innerProduct)
        let arrays = ReducedModelArchive.arrays(model, family: family.archived, reference: [1, 1, 1, 1], shape: family.shape, interpolation: nil)
        return (family, model, arrays)
    }

    static func reader(_ arrays: [NamedArray]) -> (String) throws -> NPYArray {
        { name in
            guard let a = arrays.first(where: { $0.name == name }) else { throw StorageError(.notFound, path: name + ".npy", message: "absent") }
            return NPYArray(shape: a.shape, values: a.values)
        }
    }

    /// Written then read, the thermal block model solves to the same coefficients and bound at
    /// a parameter it was not trained on; the manifest says what the family is.
    func testThermalBlockModelRoundTrips() throws {
        let (family, model, arrays) = try thermalBlockArchive()
        XCTAssertEqual(arrays.map(\.name), ReducedModelArchive.arrayNames)
        XCTAssertEqual(arrays[0].values, [2, 1, 2, 2, 15, Double(model.size), 4, 1])
        let contents = try ReducedModelArchive.read(Self.reader(arrays), formats: Self.formats)
        XCTAssertEqual(contents.family, family.archived)
        XCTAssertEqual(contents.family.unknowns, 225)
        XCTAssertNil(contents.interpolation)
        let back = try ThermalBlockFamily.onlineModel(contents)
        let mu = [0.35, 0.8, 0.15, 0.6]
        let (c0, b0) = try model.solveReduced(mu), (c1, b1) = try back.solveReduced(mu)
        // The same numbers through a C-order copy: equal to the last bit.
        XCTAssertEqual(c0, c1)
        XCTAssertEqual(b0, b1)
        // The truth the family solves is A(μ)u = f: its residual is at CHOLMOD's rounding.
        let (u, a) = try family.truth(mu)
        let r = zip(a.apply(u), try family.problem.load(mu)).map { $0 - $1 }
        XCTAssertLessThan(r.map(abs).max()!, 1e-10 * a.values.map(abs).max()! * u.map(abs).max()!)
        XCTAssertNil(try family.affineError(a))
        XCTAssertNil(try family.affineSolution(mu))
    }

    /// An EIM family's entries travel with the model: read back, they give the same β and γ.
    func testInterpolatedFamilyKeepsItsEntries() throws {
        let tb = try Fixtures.thermalBlock(9)
        let mus = Fixtures.parameters(12, seed: 4)
        let form = try NonintrusiveAffineForm(matrices: try mus.map { try tb.matrix($0) }, loads: try mus.map { try tb.load($0) },
                                              tolerance: 1e-12, maxTerms: 10)
        let matrices = try mus.map { try tb.matrix($0) }
        let problem = form.problem(assembleRows: { mu in (try tb.matrix(mu), try tb.load(mu)) },
                                   coercivityLowerBound: CoercivityLowerBound(name: "min") { $0.min()! })
        let (model, _, _) = try ReducedBasisModel.weakGreedy(problem, training: mus, reference: mus[0], tolerance: 1e-8, maxSize: 5,
                                                             innerProduct: matrices[0])
        let family = ReducedModelArchive.Family(Self.listed, numbers: [4, 0, 81])
        let arrays = ReducedModelArchive.arrays(model, family: family, reference: mus[0], shape: [81], interpolation: form)
        XCTAssertEqual(arrays.map(\.name), ReducedModelArchive.arrayNames + ["rb_matrix_eim", "rb_load_eim"])
        let contents = try ReducedModelArchive.read(Self.reader(arrays), formats: Self.formats)
        XCTAssertEqual(contents.family, family)
        let entries = try XCTUnwrap(contents.interpolation)
        let mu = [0.3, 0.7, 0.2, 0.9]
        let a = try form.online.coefficients(matrix: try tb.matrix(mu), load: try tb.load(mu))
        let b = try entries.coefficients(matrix: try tb.matrix(mu), load: try tb.load(mu))
        XCTAssertEqual(a.beta, b.beta); XCTAssertEqual(a.gamma, b.gamma)
        // The thermal block is affine in its four conductivities, so EIM at 1e-12 is exact to
        // rounding: the Frobenius distance of a fresh truth matrix is at the EIM's tolerance.
        XCTAssertLessThan(try form.relativeFrobeniusError(try tb.matrix(mu)), 1e-10)
    }

    /// Each damaged manifest or array is refused with a message naming it, never a trap.
    func testDamagedArchivesAreRefusedByName() throws {
        let (_, model, arrays) = try thermalBlockArchive()
        func damaged(_ name: String, _ change: (inout NamedArray) -> Void) -> [NamedArray] {
            arrays.map { a in var a = a; if a.name == name { change(&a) }; return a }
        }
        let n = Double(model.size)
        let manifests: [[Double]] = [
            [1, 1, 2, 2, 15, n, 4, 1],             // format 1
            [2, 4, 2, 2, 15, n, 4, 1],             // no family 4
            [2, 1, 5, 2, 15, n, 4, 1],             // 5 blocks
            [2, 1, 2, 2, 15.5, n, 4, 1],           // not whole
            [2, 1, 2, 2, .nan, n, 4, 1],           // NaN
            [2, 1, 2, 2, 1e300, n, 4, 1],          // huge grid: refused before any allocation
            [2, 1, 2, 2, 15, n, 4],                // 7 entries
            [2, 3, 4, 1, 225, n, 4, 1],            // a matrices family with entry 3 ≠ 0
            [2, 2, 4, 0, 225, n, 4, 1],            // a pde family of dimension 0
        ]
        for m in manifests {
            let arrays = damaged("rb_manifest") { $0.values = m; $0.shape = [m.count] }
            XCTAssertThrowsError(try ReducedModelArchive.read(Self.reader(arrays), formats: Self.formats)) { e in
                XCTAssertTrue("\(e)".contains("rb_manifest") || "\(e)".contains("format 1"), "\(m): \(e)")
            }
        }
        let cases: [(String, (inout NamedArray) -> Void, String)] = [
            ("rb_basis", { $0.values[3] = .infinity }, "rb_basis.npy holds a value that is not finite"),
            ("rb_operators", { $0.values[0] = 1e200 }, "rb_operators.npy holds a value that is not finite or beyond 1e150"),
            ("rb_operators", { $0.values[0] = -1 }, "rb_operators.npy term 1 has a negative diagonal entry"),
            ("rb_loads", { $0.values.removeLast() }, "do not match its manifest"),
            ("rb_reference", { $0.values.append(1) }, "do not match its manifest"),
            ("rb_residual", { $0.shape = [$0.shape[0], $0.shape[1] - 1]; $0.values = Array($0.values.prefix($0.shape[0] * $0.shape[1])) },
             "manifest"),
        ]
        for (name, change, expected) in cases {
            XCTAssertThrowsError(try ReducedModelArchive.read(Self.reader(damaged(name, change)), formats: Self.formats), expected) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(name): \(e)")
            }
        }
    }
}
