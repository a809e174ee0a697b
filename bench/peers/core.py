"""Peers for `pdekit-bench core`: 2D Poisson, 5-point, N x N interior unknowns, homogeneous
Dirichlet, matrix (4, -1, -1, -1, -1)/h^2 with h = 1/(N+1), right-hand side from an NPY file,
CG stopping at ||b - A x|| <= 1e-8 ||b|| (unpreconditioned true-residual norm), x0 = 0.

    /usr/bin/python3 core.py --tool petsc --rhs RHS.npy --n N     (Debian's petsc4py; PETSC_DIR set)
    python3 core.py --tool scipy --rhs RHS.npy --n N [--skip-slow]

Prints one JSON object per line, with the field names bench/report.py reads.
"""
import argparse, json, sys, time
import numpy as np
import scipy.sparse as sp

ap = argparse.ArgumentParser()
ap.add_argument("--tool", choices=["petsc", "scipy"], required=True)
ap.add_argument("--rhs", required=True)
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--repeats", type=int, default=10)
ap.add_argument("--skip-slow", action="store_true")
ap.add_argument("--suffix", default="", help="appended to case names (e.g. _1thread)")
ap.add_argument("--cases", default="", help="comma-separated subset of cases to run")
args = ap.parse_args()

n = args.n
h = 1.0 / (n + 1)
T = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
A = ((sp.kron(sp.identity(n), T) + sp.kron(T, sp.identity(n))) / h**2).tocsr()
A.indices = A.indices.astype(np.int32); A.indptr = A.indptr.astype(np.int32)
b = np.load(args.rhs).astype(np.float64).ravel()
assert b.size == n * n, f"rhs has {b.size} entries, need {n*n}"


def emit(**fields):
    fields["case"] += args.suffix
    print(json.dumps(fields), flush=True)


def wanted(case):
    return not args.cases or case in args.cases.split(",")


def log(s):
    print(f"[core.py {args.tool}] {s}", file=sys.stderr, flush=True)


def rel_residual(x):
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


if args.tool == "petsc":
    import petsc4py
    petsc4py.init([])
    from petsc4py import PETSc
    version = ".".join(map(str, PETSc.Sys.getVersion()))
    M = PETSc.Mat().createAIJ(size=A.shape, csr=(A.indptr, A.indices, A.data))
    M.assemble()
    x, y = M.createVecs()
    bv = M.createVecLeft(); bv.setArray(b)
    xs = []
    for _ in range(args.repeats):
        t = time.perf_counter(); M.mult(bv, y); xs.append(time.perf_counter() - t)
    if wanted("spmv"):
        emit(tool="petsc", version=version, case="spmv", seconds=float(np.median(xs)))
    for case, pc in [("pcg_jacobi", "jacobi"), ("pcg_icc", "icc")]:
        if not wanted(case):
            continue
        ksp = PETSc.KSP().create()
        ksp.setOperators(M)
        ksp.setType("cg")
        ksp.getPC().setType(pc)
        ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
        ksp.setTolerances(rtol=1e-8, atol=0.0, max_it=100000)
        x.set(0.0)
        t = time.perf_counter(); ksp.setUp(); setup = time.perf_counter() - t
        t = time.perf_counter(); ksp.solve(bv, x); solve = time.perf_counter() - t
        its = ksp.getIterationNumber()
        log(f"{case}: {its} its, setup {setup:.3f} s, solve {solve:.3f} s")
        emit(tool="petsc", version=version, case=case, setup_s=setup, solve_s=solve, iterations=its,
             per_iteration_s=solve / max(its, 1), rel_residual=rel_residual(x.getArray().copy()),
             reason=str(ksp.getConvergedReason()))
else:
    import scipy
    import scipy.sparse.linalg as sla
    xs = []
    for _ in range(args.repeats):
        t = time.perf_counter(); A @ b; xs.append(time.perf_counter() - t)
    emit(tool="scipy", version=scipy.__version__, case="spmv", seconds=float(np.median(xs)))
    if not args.skip_slow:
        t = time.perf_counter()
        dinv = 1.0 / A.diagonal()
        Minv = sla.LinearOperator(A.shape, matvec=lambda r: dinv * r)
        setup = time.perf_counter() - t
        count = [0]
        def callback(_):
            count[0] += 1
        t = time.perf_counter()
        x, info = sla.cg(A, b, rtol=1e-8, atol=0.0, maxiter=100000, M=Minv, callback=callback)
        solve = time.perf_counter() - t
        log(f"pcg_jacobi: {count[0]} its, solve {solve:.3f} s")
        emit(tool="scipy", version=scipy.__version__, case="pcg_jacobi", setup_s=setup, solve_s=solve,
             iterations=count[0], per_iteration_s=solve / max(count[0], 1), rel_residual=rel_residual(x), reason=str(info))
