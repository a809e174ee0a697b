import Foundation
import Storage
import XCTest

/// `family = "matrices"`: a parametrised family assembled by another code — here SciPy, in the
/// test's own Python, written with scipy.io.mmwrite and numpy.save — reduced from its files
/// alone, then evaluated online from a new member's files.
final class ReducedBasisMatrixFamilyTests: CLITestCase {
    /// −∇·(a∇u) = f on the unit square (15 × 15 interior nodes, zero Dirichlet), the
    /// coefficient taken at face midpoints, a = exp(mu1·x) + mu2 (not affine in mu1) and
    /// f = 1 + mu2·x. With μ̄ = (0, 0), a(·; μ̄) = 1 and a(x; μ)/a(x; μ̄) ≥ min(1, exp(mu1)) + mu2
    /// on every face: the coercivity expression the file gives.
    let generator = """
        import numpy as np, scipy.sparse as sp, scipy.io, sys, os
        out = sys.argv[1]; m = 15; h = 1 / (m + 1)
        def family(mu1, mu2):
            a = lambda x, y: np.exp(mu1 * x) + mu2
            rows, cols, vals, f = [], [], [], np.zeros(m * m)
            for i in range(m):
                for j in range(m):
                    x, y = (i + 1) * h, (j + 1) * h; d = 0.0; r = i * m + j
                    for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                        c = a(x + di * h / 2, y + dj * h / 2) / h ** 2; d += c
                        ni, nj = i + di, j + dj
                        if 0 <= ni < m and 0 <= nj < m: rows.append(r); cols.append(ni * m + nj); vals.append(-c)
                    rows.append(r); cols.append(r); vals.append(d); f[r] = 1 + mu2 * x
            return sp.coo_matrix((vals, (rows, cols)), shape=(m * m, m * m)).tocsr(), f
        rng = np.random.default_rng(5)
        for name, mus in (("training", [(0.0, 0.0)] + [tuple(p) for p in rng.uniform([-1, 0], [2, 1], (39, 2))]),
                          ("test", [tuple(p) for p in rng.uniform([-1, 0], [2, 1], (5, 2))]),
                          ("new", [(1.3, 0.4)])):
            os.makedirs(os.path.join(out, name), exist_ok=True)
            with open(os.path.join(out, name + ".csv"), "w") as listing:
                listing.write("mu1,mu2,matrix,rhs\\n")
                for k, (mu1, mu2) in enumerate(mus):
                    a, f = family(mu1, mu2)
                    scipy.io.mmwrite(os.path.join(out, name, f"a{k}.mtx"), a, symmetry="symmetric")
                    np.save(os.path.join(out, name, f"f{k}.npy"), f)
                    listing.write(f"{float(mu1)!r},{float(mu2)!r},{name}/a{k}.mtx,{name}/f{k}.npy\\n")
        a, f = family(1.3, 0.4)
        import scipy.sparse.linalg
        np.save(os.path.join(out, "new_truth.npy"), scipy.sparse.linalg.spsolve(a.tocsc(), f))
        """

    func testFamilyFromAnotherCodesFiles() throws {
        let (status, text) = try python(generator, work.path)
        XCTAssertEqual(status, 0, text)
        let path = try write("mf.toml", """
            [problem]
            name = "mf"
            kind = "reduced_basis"
            [reduced_basis]
            family = "matrices"
            tolerance = 1e-6
            max_size = 30
            [reduced_basis.matrices]
            training = "training.csv"
            test = "test.csv"
            coercivity = "min(1, exp(mu1)) + mu2"
            """)
        // A member's truth is a linear_system run of its files: no truth by parameters here.
        let truth = try pdekit(["run", path, "-o", "mft", "--set", "reduced_basis.truth=[0.5, 0.5]"])
        XCTAssertEqual(truth.status, 2)
        XCTAssertTrue(truth.stderr.contains("reduced_basis.truth") && truth.stderr.contains("linear_system"), truth.stderr)
        let r = try pdekit(["run", path, "-o", "mf", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("mf/run.toml"), encoding: .utf8)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(recordNumber(record, "min_effectivity")), 1)
        XCTAssertEqual(try XCTUnwrap(recordNumber(record, "test_size")), 5)
        XCTAssertLessThan(try XCTUnwrap(recordNumber(record, "max_test_error")), 1e-5)

        // Online: a new member from its files, against SciPy's solve of it.
        let online = try write("o.toml", """
            [problem]
            name = "o"
            kind = "reduced_model"
            [reduced_model]
            model = "mf"
            parameters = { mu1 = 1.3, mu2 = 0.4 }
            matrix = "new/a0.mtx"
            rhs = "new/f0.npy"
            """)
        let o = try pdekit(["run", online, "-o", "o"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let orec = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        let relative = try XCTUnwrap(recordNumber(orec, "relative_bound"))
        XCTAssertLessThan(relative, 1e-5)
        let u = try NPY.read(work.appendingPathComponent("new_truth.npy")).values
        let uN = try NPY.read(work.appendingPathComponent("o/solution.npy")).values
        XCTAssertEqual(uN.count, u.count)
        // ‖e‖₂ ≤ ‖e‖_X / √λ_min(X), X the 5-point Laplacian / h² (λ_min ≈ 2π² > 10), and
        // ‖e‖_X ≤ Δ = relative_bound · ‖u_N‖_X ≤ relative_bound · √λ_max(X) ‖u_N‖₂ (λ_max < 8/h²)
        // (the EIM share, 1e-10 here, is far below).
        let norm = uN.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let error = zip(u, uN).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        XCTAssertLessThanOrEqual(error, relative * (8 * 256.0).squareRoot() * norm / 10.0.squareRoot() + 1e-9 * norm)

        // Bad input names its key.
        for (args, key) in [(["--set", "reduced_basis.matrices.coercivity=\"min(mu3)\""], "reduced_basis.matrices.coercivity"),
                            (["--set", "reduced_basis.matrices.training=\"nothere.csv\""], "reduced_basis.matrices.training"),
                            (["--set", "reduced_basis.reference={ mu1 = 5, mu2 = 5 }"], "reduced_basis.reference")] {
            let bad = try pdekit(["run", path, "-o", "bad"] + args)
            XCTAssertEqual(bad.status, 2, "\(args): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains(key), "\(args): \(bad.stderr)")
        }
        let missing = try pdekit(["run", online, "-o", "bad", "--set", "reduced_model.matrix=\"new/none.mtx\""])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("reduced_model.matrix"), missing.stderr)
    }
}
