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
        // Without case folders there is nothing to collect: refused before any case runs.
        let refused = try pdekit(["sweep", path, "-o", "nf", "--set", "output.case_folders=false"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("hdf5"), refused.stderr)
    }
}
