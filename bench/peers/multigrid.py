"""Multigrid peers for `make bench` (issue 9): PETSc 3.18 PCMG on a DMDA (Galerkin coarse
operators, SOR or Chebyshev/Jacobi smoothers, LU coarse solve), hypre BoomerAMG and GAMG
through petsc4py, and PyAMG's Ruge-Stueben and smoothed aggregation, all as CG
preconditioners, rtol 1e-8 on the unpreconditioned residual, x0 = 0.

    /usr/bin/python3 multigrid.py --tool petsc --problem poisson2d --n N --rhs RHS.npy
    python3 multigrid.py --tool pyamg --problem poisson3d --n N --rhs RHS.npy
    ... --problem matrix --matrix A.mtx --rhs RHS.npy --label darcy2d_n1024

Problems: poisson2d / poisson3d are the 5/7-point Laplacians on N^d interior unknowns of the
unit square/cube, h = 1/(N+1), scaled by 1/h^2 (the matrix pdekit assembles); `matrix` reads
a Matrix Market file (pdekit's Darcy matrix, or a finite-element matrix). PCMG needs the grid:
it runs on poisson2d/3d only, on a DMDA of N+2 vertices per axis whose boundary rows are the
identity (so the interior system is the same), with as many levels as (N+1) halves evenly.

Prints one JSON object per line (median of three runs by setup + solve).
"""
import argparse, json, sys, time
import numpy as np
import scipy.sparse as sp

ap = argparse.ArgumentParser()
ap.add_argument("--tool", choices=["petsc", "pyamg"], required=True)
ap.add_argument("--problem", choices=["poisson2d", "poisson3d", "matrix"], required=True)
ap.add_argument("--n", type=int, default=0)
ap.add_argument("--matrix", default="")
ap.add_argument("--rhs", required=True)
ap.add_argument("--label", default="")
ap.add_argument("--cases", default="", help="comma-separated subset")
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--nullspace", default="", help="near-nullspace vectors (n, k) for smoothed aggregation")
ap.add_argument("--block-size", type=int, default=1)
args = ap.parse_args()


def log(s):
    print(f"[multigrid.py {args.tool}] {s}", file=sys.stderr, flush=True)


def laplacian(n, d):
    h = 1.0 / (n + 1)
    T = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1])
    I = sp.identity(n)
    if d == 2:
        A = sp.kron(I, T) + sp.kron(T, I)
    else:
        A = sp.kron(sp.kron(I, I), T) + sp.kron(sp.kron(I, T), I) + sp.kron(sp.kron(T, I), I)
    return (A / h**2).tocsr()


if args.problem == "matrix":
    import scipy.io
    A = scipy.io.mmread(args.matrix).tocsr()
    label = args.label or args.matrix
else:
    dim = 2 if args.problem == "poisson2d" else 3
    A = laplacian(args.n, dim)
    label = args.label or f"{args.problem}_n{args.n}"
A.sort_indices()
A.indices = A.indices.astype(np.int32); A.indptr = A.indptr.astype(np.int32)
b = np.load(args.rhs).astype(np.float64).ravel()
assert b.size == A.shape[0], f"rhs has {b.size} entries, matrix has {A.shape[0]} rows"
bnorm = np.linalg.norm(b)


def rel_residual(x):
    return float(np.linalg.norm(b - A @ x) / bnorm)


def wanted(case):
    return not args.cases or case in args.cases.split(",")


def emit(runs, **fields):
    setup, solve, its, rel, reason, extra = sorted(runs, key=lambda r: r[0] + r[1])[len(runs) // 2]
    fields.update(setup_s=setup, solve_s=solve, total_s=setup + solve, iterations=its, rel_residual=rel, reason=reason)
    fields.update(extra)
    fields["case"] = f"{label}_{fields['case']}"
    print(json.dumps(fields), flush=True)


if args.tool == "petsc":
    import petsc4py
    petsc4py.init([])
    from petsc4py import PETSc
    version = "PETSc " + ".".join(map(str, PETSc.Sys.getVersion()))
    M = PETSc.Mat().createAIJ(size=A.shape, csr=(A.indptr, A.indices, A.data))
    M.assemble()

    def solve_with(case, configure, operator=M, rhs=None, extract=None):
        runs = []
        for _ in range(args.runs):
            opts = PETSc.Options()
            ksp = PETSc.KSP().create()
            ksp.setOperators(operator)
            ksp.setType("cg")
            configure(ksp, opts)
            ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
            ksp.setTolerances(rtol=1e-8, atol=0.0, max_it=10000)
            ksp.setFromOptions()
            bv = operator.createVecLeft(); bv.setArray(rhs if rhs is not None else b)
            x = operator.createVecRight(); x.set(0.0)
            t = time.perf_counter(); ksp.setUp(); setup = time.perf_counter() - t
            t = time.perf_counter(); ksp.solve(bv, x); solve = time.perf_counter() - t
            its = ksp.getIterationNumber()
            xs = x.getArray().copy()
            rel = rel_residual(extract(xs) if extract else xs)
            log(f"{label} {case}: {its} its, setup {setup:.3f} s, solve {solve:.3f} s, rel {rel:.2e}")
            runs.append((setup, solve, its, rel, str(ksp.getConvergedReason()), {}))
            for k in list(opts.getAll().keys()):
                opts.delValue(k)
            ksp.destroy()
        return runs

    def hypre(ksp, opts):
        ksp.getPC().setType("hypre")
        opts["pc_hypre_type"] = "boomeramg"

    def gamg(ksp, opts):
        ksp.getPC().setType("gamg")

    for case, configure in [("boomeramg", hypre), ("gamg", gamg)]:
        if wanted(case):
            emit(solve_with(case, configure), tool="petsc", version=version + (" + hypre" if case == "boomeramg" else ""), case=case)

    # PCMG on a DMDA of N+2 vertices per axis, boundary rows the identity.
    if args.problem != "matrix" and any(wanted(c) for c in ["pcmg_sor", "pcmg_chebyshev"]):
        n, dim = args.n, (2 if args.problem == "poisson2d" else 3)
        m = n + 2
        levels, intervals = 1, m - 1
        while intervals % 2 == 0 and intervals // 2 >= 2:
            intervals //= 2; levels += 1
        da = PETSc.DMDA().create([m] * dim, stencil_width=1, stencil_type=PETSc.DMDA.StencilType.STAR)
        da.setUniformCoordinates()
        D = da.createMatrix()
        # The interior operator embedded in the vertex grid (natural ordering, x fastest, equals
        # the DMDA's on one process; the Laplacian is symmetric under reversing the axes).
        inner = np.zeros([m] * dim, dtype=bool)
        inner[tuple(slice(1, m - 1) for _ in range(dim))] = True
        interior = np.flatnonzero(inner.ravel())
        C = A.tocoo()
        boundary = np.flatnonzero(~inner.ravel())
        B = sp.csr_matrix((np.concatenate([C.data, np.ones(boundary.size)]),
                           (np.concatenate([interior[C.row], boundary]), np.concatenate([interior[C.col], boundary]))),
                          shape=(m**dim, m**dim))
        B.sort_indices()
        D.setValuesCSR(B.indptr.astype(np.int32), B.indices.astype(np.int32), B.data)
        D.assemble()
        bb = np.zeros(m**dim); bb[interior] = b

        def pcmg(smoother):
            def configure(ksp, opts):
                ksp.setDM(da); ksp.setDMActive(False)
                ksp.getPC().setType("mg")
                opts["pc_mg_levels"] = levels
                opts["pc_mg_galerkin"] = "both"
                opts["mg_coarse_pc_type"] = "lu"
                if smoother == "sor":
                    opts["mg_levels_ksp_type"] = "richardson"
                    opts["mg_levels_pc_type"] = "sor"
                    opts["mg_levels_ksp_max_it"] = 1
            return configure

        for case, smoother in [("pcmg_sor", "sor"), ("pcmg_chebyshev", "chebyshev")]:
            if wanted(case):
                runs = solve_with(case, pcmg(smoother), operator=D, rhs=bb, extract=lambda xs: xs[interior])
                runs = [(s, v, i, r, reason, {"levels": levels}) for (s, v, i, r, reason, _) in runs]
                emit(runs, tool="petsc", version=version, case=case)
else:
    import pyamg
    version = "PyAMG " + pyamg.__version__
    B = np.load(args.nullspace) if args.nullspace else None
    As = A.tobsr(blocksize=(args.block_size, args.block_size)) if args.block_size > 1 else A
    for case, make in [("pyamg_rs", lambda: pyamg.ruge_stuben_solver(A)),
                       ("pyamg_sa", lambda: pyamg.smoothed_aggregation_solver(As, B=B))]:
        if not wanted(case):
            continue
        runs = []
        for _ in range(args.runs):
            t = time.perf_counter(); ml = make(); setup = time.perf_counter() - t
            residuals = []
            t = time.perf_counter()
            x = ml.solve(b, tol=1e-8, accel="cg", maxiter=1000, residuals=residuals)
            solve = time.perf_counter() - t
            its = len(residuals) - 1
            rel = rel_residual(x)
            log(f"{label} {case}: {its} its, setup {setup:.3f} s, solve {solve:.3f} s, rel {rel:.2e}")
            runs.append((setup, solve, its, rel, "converged" if rel <= 1.01e-8 else "not converged",
                         {"levels": len(ml.levels), "operator_complexity": float(ml.operator_complexity()),
                          "grid_complexity": float(ml.grid_complexity())}))
        emit(runs, tool="pyamg", version=version, case=case)
