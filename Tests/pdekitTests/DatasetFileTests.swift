import Foundation
import XCTest

/// `[output] hdf5 = true`: a sweep's `dataset.h5`, read back by h5py, holds every case in case
/// order — a failed case flagged and filled with NaN, never dropped — with the same numbers as
/// the case folders, the parameters, the coordinates of unknowns and nodes, and the provenance.
final class DatasetFileTests: CLITestCase {
    func testDatasetFileReadsBackInH5py() throws {
        // Case 1's coefficient turns negative (failed); case 2 may take 2 iterations (not converged).
        let path = try write("h.toml", """
            [problem]
            name = "h"
            kind = "pde"
            [pde]
            grid = [12, 10]
            rhs = 1
            coefficient = "1 + c*x*y"
            parameters = { c = 0 }
            [solver]
            method = "cg"
            preconditioner = "none"
            [output]
            hdf5 = true
            [sweep]
            mode = "zip"
            [sweep.parameters]
            "pde.parameters.c" = [0.5, -5, 1, 2]
            "solver.max_iterations" = [500, 500, 2, 500]
            """)
        let r = try pdekit(["sweep", path, "-o", "h", "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let script = """
            import sys, csv, h5py, numpy as np
            d = sys.argv[1]
            rows = list(csv.DictReader(open(d + '/sweep.csv')))
            with h5py.File(d + '/dataset.h5', 'r') as f:
                assert f.attrs['layout'] == 'pdekit-dataset-1', f.attrs['layout']
                assert '[provenance]' in f.attrs['run_record'] and f.attrs['problem_kind'] == 'pde'
                assert list(f['case'][:]) == [0, 1, 2, 3]
                status = list(f['status'].asstr()[:])
                assert status == ['ok', 'failed', 'not_converged', 'ok'], status
                assert 'coefficient' in f['error'].asstr()[1], f['error'].asstr()[1]
                u, a = f['solution'][:], f['coefficient'][:]
                assert u.shape == (4, 12, 10) and a.shape == (4, 14, 12), (u.shape, a.shape)
                assert np.isnan(u[1]).all() and np.isnan(a[1]).all() and f['iterations'][1] == -1
                for i in (0, 2, 3):
                    folder = d + '/' + rows[i]['folder']
                    assert np.array_equal(u[i], np.load(folder + '/solution.npy')), i
                    assert np.array_equal(a[i], np.load(folder + '/coefficient.npy')), i
                    assert f['iterations'][i] == int(rows[i]['iterations'])
                assert f['iterations'][2] == 2
                names = list(f['parameters'].attrs['names'])
                assert names == ['pde.parameters.c', 'solver.max_iterations'], names
                p = f['parameters'][:]
                for i in range(4):
                    assert p[i, 0] == float(rows[i]['pde.parameters.c']) and p[i, 1] == float(rows[i]['solver.max_iterations'])
                for axis in 'xy':
                    c, n = f[axis + '-coordinate'][:], f[axis + '-node-coordinate'][:]
                    assert np.array_equal(c, np.load(d + '/case-0000/' + axis + '.npy'))
                    assert n[0] == 0 and n[-1] == 1 and np.allclose(n[1:-1], c, rtol=0, atol=1e-15)
            print('ok')
            """
        let (status, text) = try python(script, work.appendingPathComponent("h").path)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("ok"), text)
        // Without case folders the cases' arrays go through the spool: the same dataset.h5 and
        // stack, bit for bit, the failed case's NaN slice and the not-converged case included;
        // the spool is gone once they are written, and no case folder was made.
        for (name, folders) in [("nf", "false"), ("wf", "true")] {
            let s = try pdekit(["sweep", path, "-o", name, "--jobs", "2", "--set", "output.case_folders=\(folders)", "--set", "output.stack=true"])
            XCTAssertEqual(s.status, 0, s.stderr)
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("nf").path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(entries), ["sweep.csv", "dataset.h5", "stack_solutions.npy", "stack_coefficients.npy", "stack_parameters.npy",
                                      "stack_cases.npy"])
        let same = """
            import sys, h5py, numpy as np
            a, b = sys.argv[1], sys.argv[2]
            with h5py.File(a + '/dataset.h5', 'r') as f, h5py.File(b + '/dataset.h5', 'r') as g:
                assert sorted(f) == sorted(g), (sorted(f), sorted(g))
                for k in f:
                    x, y = f[k][()], g[k][()]
                    assert x.shape == y.shape and x.dtype == y.dtype, k
                    assert np.array_equal(x, y, equal_nan=x.dtype.kind == 'f'), k
            for s in ('solutions', 'coefficients', 'parameters', 'cases'):
                x, y = np.load(a + '/stack_' + s + '.npy'), np.load(b + '/stack_' + s + '.npy')
                assert x.shape == y.shape and np.array_equal(x, y), s
            print('ok')
            """
        let (sameStatus, sameText) = try python(same, work.appendingPathComponent("nf").path, work.appendingPathComponent("wf").path)
        XCTAssertEqual(sameStatus, 0, sameText)
        XCTAssertTrue(sameText.contains("ok"), sameText)
        // A finished sweep resumed again keeps its outputs (the spool they came from is gone).
        let stack = try Data(contentsOf: work.appendingPathComponent("nf/stack_solutions.npy"))
        let again = try pdekit(["sweep", path, "-o", "nf", "--resume", "--set", "output.case_folders=false", "--set", "output.stack=true"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: work.appendingPathComponent("nf/stack_solutions.npy")), stack)
        // Run records in JSON (`[output] format = "json"`) still say what to stack: the stack and
        // dataset.h5 were silently missing before.
        let json = try pdekit(["sweep", path, "-o", "js", "--set", "output.format=\"json\"", "--set", "output.stack=true"])
        XCTAssertEqual(json.status, 0, json.stderr)
        for name in ["stack_solutions.npy", "dataset.h5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("js/\(name)").path), name)
        }
        // VTK needs the case folders' solution.vti: refused before any case runs.
        let refused = try pdekit(["sweep", path, "-o", "nv", "--set", "output.case_folders=false", "--set", "output.vtk=true"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("vtk"), refused.stderr)
    }
}
