"""Peers for `pdekit-bench core`: the 2D Poisson problem in PETSc (petsc4py) and SciPy.

Problem: 5-point finite differences on the unit square, homogeneous Dirichlet, N x N interior
unknowns, h = 1/(N+1), matrix (4 on the diagonal, -1 for the four neighbours)/h^2, unknowns in
C order (index = i*N + j). Right-hand side from an NPY file of length N*N (the caller writes
numpy.random.default_rng(0).standard_normal(N*N)). CG from x0 = 0, stopped when the true,
unpreconditioned residual satisfies ||b - A x|| <= 1e-8 ||b||.

    PETSC_DIR=/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real \
        /usr/bin/python3 core_peers.py --tool petsc --rhs RHS.npy --n N [--repeats R]
    python3 core_peers.py --tool scipy --rhs RHS.npy --n N [--repeats R] [--skip-slow]

Threads: run as one process; no thread counts are set here (PETSc is sequential, and the
SciPy CSR product is single-threaded).

stdout: one JSON object per line (field names shared with pdekit-bench and bench/combine.py);
logs go to stderr.
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", choices=["petsc", "scipy"], required=True)
    ap.add_argument("--rhs", required=True, help="NPY file with N*N float64 entries")
    ap.add_argument("--n", type=int, required=True, help="interior unknowns per direction")
    ap.add_argument("--repeats", type=int, default=10, help="SpMV timings (median reported)")
    ap.add_argument("--skip-slow", action="store_true", help="skip SciPy's PCG-Jacobi (~70 s at N = 1024)")
    return ap.parse_args()


ARGS = parse_args()
RTOL = 1e-8
MAX_IT = 100000


def log(msg):
    print(f"[core_peers {ARGS.tool}] {msg}", file=sys.stderr, flush=True)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def poisson_csr(n):
    """5-point Laplacian (4, -1, -1, -1, -1)/h^2 in C order as CSR: float64 values, int32 indices,
    columns sorted within each row. Built directly with NumPy, so it works with both SciPy 1.10
    (Debian's, for /usr/bin/python3) and current SciPy."""
    if n * n * 5 >= 2**31:
        sys.exit("core_peers: N too large for int32 CSR indices")
    h2inv = float(n + 1) ** 2
    i, j = np.divmod(np.arange(n * n, dtype=np.int64), n)
    k = i * n + j
    # Neighbours in increasing column order: (i-1,j), (i,j-1), (i,j), (i,j+1), (i+1,j).
    cols = np.stack([k - n, k - 1, k, k + 1, k + n], axis=1)
    vals = np.array([-h2inv, -h2inv, 4.0 * h2inv, -h2inv, -h2inv])
    keep = np.stack([i > 0, j > 0, np.ones_like(k, dtype=bool), j < n - 1, i < n - 1], axis=1)
    indptr = np.zeros(n * n + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=indptr[1:])
    indices = cols[keep].astype(np.int32)
    data = np.broadcast_to(vals, cols.shape)[keep].astype(np.float64)
    csr = getattr(sp, "csr_array", sp.csr_matrix)
    A = csr((data, indices, indptr), shape=(n * n, n * n))
    A.indptr = indptr  # keep the int32 arrays even if SciPy chose another index type
    A.indices = indices
    A.has_sorted_indices = True
    assert A.nnz == 5 * n * n - 4 * n, A.nnz
    return A


def load_rhs(path, n):
    b = np.ascontiguousarray(np.load(path), dtype=np.float64).ravel()
    if b.size != n * n:
        sys.exit(f"core_peers: {path} has {b.size} entries, need N*N = {n * n}")
    return b


def median_time(fn, repeats):
    fn()  # warm-up (page faults, caches)
    ts = []
    for _ in range(max(repeats, 1)):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def rel_residual(A, b, x):
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


def run_petsc(A, b):
    import petsc4py
    petsc4py.init([])
    from petsc4py import PETSc

    version = ".".join(map(str, PETSc.Sys.getVersion()))
    reasons = {v: k.lower() for k, v in vars(PETSc.KSP.ConvergedReason).items()
               if k.isupper() and isinstance(v, int)}
    n2 = A.shape[0]
    t = time.perf_counter()
    M = PETSc.Mat().createAIJ(size=(n2, n2), csr=(A.indptr, A.indices, A.data), comm=PETSc.COMM_SELF)
    M.assemble()
    log(f"PETSc {version}: assembled {n2} x {n2} AIJ, nnz {A.nnz}, {time.perf_counter() - t:.3f} s")
    bv = M.createVecLeft()
    bv.setArray(b)
    x = M.createVecRight()
    y = M.createVecLeft()

    x.setArray(b)
    sec = median_time(lambda: M.mult(x, y), ARGS.repeats)
    log(f"spmv: median of {ARGS.repeats}: {sec * 1e3:.3f} ms")
    emit(tool="petsc", version=version, case="spmv", seconds=sec)

    for case, pc_type in (("pcg_jacobi", "jacobi"), ("pcg_icc", "icc")):
        ksp = PETSc.KSP().create(comm=PETSc.COMM_SELF)
        ksp.setOperators(M)
        ksp.setType("cg")
        ksp.getPC().setType(pc_type)  # icc: ICC(0), natural ordering (PETSc's default on seqaij)
        ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
        ksp.setTolerances(rtol=RTOL, atol=0.0, max_it=MAX_IT)
        ksp.setInitialGuessNonzero(False)
        x.set(0.0)
        t = time.perf_counter()
        ksp.setUp()
        setup = time.perf_counter() - t
        t = time.perf_counter()
        ksp.solve(bv, x)
        solve = time.perf_counter() - t
        its = ksp.getIterationNumber()
        code = int(ksp.getConvergedReason())
        res = rel_residual(A, b, x.getArray(readonly=True).copy())
        log(f"{case}: {its} its, setup {setup:.4f} s, solve {solve:.3f} s, "
            f"{solve / max(its, 1) * 1e3:.3f} ms/it, rel. residual {res:.3e}, reason {reasons.get(code, code)}")
        emit(tool="petsc", version=version, case=case, setup_s=setup, solve_s=solve, iterations=its,
             per_iteration_s=solve / max(its, 1), rel_residual=res, reason=reasons.get(code, str(code)))
        ksp.destroy()


def run_scipy(A, b):
    import scipy
    import scipy.sparse.linalg as sla

    version = scipy.__version__
    sec = median_time(lambda: A @ b, ARGS.repeats)
    log(f"SciPy {version}: spmv median of {ARGS.repeats}: {sec * 1e3:.3f} ms")
    emit(tool="scipy", version=version, case="spmv", seconds=sec)
    if ARGS.skip_slow:
        log("pcg_jacobi skipped (--skip-slow)")
        return

    t = time.perf_counter()
    dinv = 1.0 / A.diagonal()
    M = sla.LinearOperator(A.shape, matvec=lambda r: dinv * r.ravel(), dtype=np.float64)
    setup = time.perf_counter() - t
    its = [0]

    def count(_xk):
        its[0] += 1

    t = time.perf_counter()
    x, info = sla.cg(A, b, rtol=RTOL, atol=0.0, maxiter=MAX_IT, M=M, callback=count)
    solve = time.perf_counter() - t
    res = rel_residual(A, b, x)
    reason = "converged" if info == 0 else (f"max_it({info})" if info > 0 else f"breakdown({info})")
    log(f"pcg_jacobi: {its[0]} its, setup {setup:.4f} s, solve {solve:.3f} s, "
        f"{solve / max(its[0], 1) * 1e3:.3f} ms/it, rel. residual {res:.3e}, info {info}")
    emit(tool="scipy", version=version, case="pcg_jacobi", setup_s=setup, solve_s=solve, iterations=its[0],
         per_iteration_s=solve / max(its[0], 1), rel_residual=res, reason=reason)


def main():
    n = ARGS.n
    t = time.perf_counter()
    A = poisson_csr(n)
    b = load_rhs(ARGS.rhs, n)
    log(f"N = {n}: matrix {A.shape[0]} x {A.shape[1]}, nnz {A.nnz}, built in {time.perf_counter() - t:.3f} s")
    (run_petsc if ARGS.tool == "petsc" else run_scipy)(A, b)


if __name__ == "__main__":
    main()
