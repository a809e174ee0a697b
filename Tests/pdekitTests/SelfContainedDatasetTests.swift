import Foundation
import XCTest

/// A run folder holds every input its solve reads: the operator re-assembles from the written
/// files alone, and the written inputs fed back give the same solution bit for bit.
final class SelfContainedDatasetTests: CLITestCase {
    /// A log-normal permeability on a 1 × 2 box, u = y on x = 0, ∂u/∂n = x on y = 2, zero
    /// Dirichlet data elsewhere: every kind of boundary row the stencil has.
    static let problem = """
        [problem]
        name = "d"
        kind = "pde"
        [pde]
        grid = [31, 23]
        domain = [[0, 1], [0, 2]]
        rhs = "1 + x*y"
        coefficient = { grf = { alpha = 2.5, tau = 7, seed = 3, scale = 1, transform = "exp" } }
        [pde.boundary]
        x_min = { type = "dirichlet", value = "y" }
        y_max = { type = "neumann", value = "x" }
        [solver]
        method = "direct"
        """

    /// The documented operator (docs/outputs.md: the harmonic mean of the node values on each
    /// face, half control volumes at Neumann rows, rows divided by the cell volume h_x·h_y)
    /// re-assembled with NumPy and SciPy from coefficient.npy, x.npy, y.npy and the boundary
    /// conditions in run.toml. With a direct solve the residual is rounding error (about 1e-15
    /// of each row's scale); the bound is 1e-10 on every row. Before the coefficient
    /// held its boundary nodes, the boundary rows were off by 1.7e-2.
    func testOperatorReassemblesFromTheWrittenFilesAlone() throws {
        let path = try write("d.toml", Self.problem)
        let r = try pdekit(["run", path, "-o", "out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (status, text) = try python(Self.reassembly, work.appendingPathComponent("out").path, "1 + x*y")
        XCTAssertEqual(status, 0, text)
        let worst = text.split(separator: " ").last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertNotNil(worst, text)
        XCTAssertLessThanOrEqual(worst ?? .infinity, 1e-10, text)
    }

    /// The written coefficient (nodes, boundary included) and right-hand side (f at the
    /// unknowns), fed back as { npy = ... }, give the same solution bit for bit, with CHOLMOD
    /// and with CG + AMG. Before, the boundary nodes took their neighbours' values and the
    /// solution moved by 2.2e-4.
    func testWrittenInputsFedBackGiveTheSameSolutionBitwise() throws {
        let path = try write("d.toml", Self.problem)
        for (method, extra) in [("direct", [String]()), ("cg", ["--set", "solver.preconditioner=amg", "--set", "solver.rtol=1e-10"])] {
            let first = try pdekit(["run", path, "-o", "\(method)1", "--set", "solver.method=\(method)",
                                    "--set", "pde.rhs={grf={alpha=2.5,tau=7,seed=5}}"] + extra)
            XCTAssertEqual(first.status, 0, first.stderr)
            let again = try pdekit(["run", path, "-o", "\(method)2", "--set", "solver.method=\(method)",
                                    "--set", "pde.coefficient={npy=\"\(method)1/coefficient.npy\"}",
                                    "--set", "pde.rhs={npy=\"\(method)1/rhs.npy\"}"] + extra)
            XCTAssertEqual(again.status, 0, again.stderr)
            for name in ["solution.npy", "coefficient.npy", "rhs.npy"] {
                let a = try Data(contentsOf: work.appendingPathComponent("\(method)1/\(name)"))
                let b = try Data(contentsOf: work.appendingPathComponent("\(method)2/\(name)"))
                XCTAssertEqual(a, b, "\(method): \(name) differs after the round trip")
            }
        }
        // An array of neither shape is refused with both shapes named.
        let bad = try pdekit(["run", path, "-o", "bad", "--set", "pde.coefficient={npy=\"direct1/rhs.npy\"}",
                              "--set", "pde.grid=[30,23]"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("[30, 23]") && bad.stderr.contains("[32, 24]"), bad.stderr)
    }

    /// Re-assembles a 2D pde run's A and b from its folder (argv[1]) with f given as a NumPy
    /// expression (argv[2]), and prints the largest |b − A u|ᵢ / (Σⱼ |Aᵢⱼ uⱼ| + |bᵢ|).
    static let reassembly = """
        import sys, tomllib, numpy as np, scipy.sparse as sp
        d = sys.argv[1]
        rec = tomllib.load(open(d + '/run.toml', 'rb'))
        u = np.load(d + '/solution.npy'); a = np.load(d + '/coefficient.npy')
        xs = [np.load(d + '/x.npy'), np.load(d + '/y.npy')]
        pde = rec['pde']; bnd = pde.get('boundary', {})
        def side(name):
            t = bnd.get(name, bnd.get('all', {'type': 'dirichlet', 'value': 0}))
            return t.get('type', 'dirichlet'), t.get('value', 0)
        names = [['x_min', 'x_max'], ['y_min', 'y_max']]
        dom = pde['domain']
        n = u.shape; m = a.shape
        dirichlet = [[side(names[k][s])[0] == 'dirichlet' for s in range(2)] for k in range(2)]
        assert all(m[k] == n[k] + dirichlet[k][0] + dirichlet[k][1] for k in range(2)), (m, n)
        h = [(dom[k][1] - dom[k][0]) / (m[k] - 1) for k in range(2)]
        off = [int(dirichlet[k][0]) for k in range(2)]
        node = [dom[k][0] + h[k] * np.arange(m[k]) for k in range(2)]
        for k in range(2):
            assert np.allclose(node[k][off[k]:off[k] + n[k]], xs[k], rtol=0, atol=1e-14)
        f = eval('lambda x, y: ' + sys.argv[2])
        g = {nm: eval('lambda x, y: ' + str(side(nm)[1]) + ' + 0*x') for nm in sum(names, [])}
        N = n[0] * n[1]; rows = []; cols = []; vals = []; b = np.zeros(N)
        cell = h[0] * h[1]
        def neumann(k, s, i):
            return (s == 0 and i == 0 and not dirichlet[k][0]) or (s == 1 and i == n[k] - 1 and not dirichlet[k][1])
        for i in range(n[0]):
            for j in range(n[1]):
                r = i * n[1] + j; p = [i + off[0], j + off[1]]; idx = [i, j]
                w = [h[k] / 2 if neumann(k, 0, idx[k]) or neumann(k, 1, idx[k]) else h[k] for k in range(2)]
                V = w[0] * w[1]; x, y = xs[0][i], xs[1][j]
                bb = V * f(x, y); diag = 0.0; here = a[p[0], p[1]]
                for k in range(2):
                    area = V / w[k]
                    for s, step in ((0, -1), (1, 1)):
                        if neumann(k, s, idx[k]):
                            bb += here * g[names[k][s]](x, y) * area
                            continue
                        q = list(p); q[k] += step
                        t = 2 / (1 / here + 1 / a[q[0], q[1]]) * area / h[k]
                        diag += t
                        if 0 <= idx[k] + step < n[k]:
                            rows.append(r); cols.append(r + step * (n[1] if k == 0 else 1)); vals.append(-t / cell)
                        else:
                            xb = [x, y]; xb[k] = node[k][q[k]]
                            bb += t * g[names[k][s]](*xb)
                rows.append(r); cols.append(r); vals.append(diag / cell); b[r] = bb / cell
        A = sp.csr_matrix((vals, (rows, cols)), shape=(N, N))
        uf = u.ravel()
        print('largest row relative residual', ((np.abs(b - A @ uf)) / (abs(A) @ np.abs(uf) + np.abs(b))).max())
        """
}
