"""SciPy's recycling Krylov method on the systems of a pdekit sweep, for the recycling benchmark.

    python3 bench/peers/recycling.py --dir DIR --tol 1e-8 --label L [--precond none|jacobi]

DIR holds case_NNNN_{indptr,indices,data,rhs}.npy written by `pdekit-bench export-sweep`, in
the order pdekit's sweep solves them. scipy.sparse.linalg.gcrotmk(m = 40, k = 20) (GCROT(m, k),
Hicken and Zingg 2010; de Sturler 1999) solves them in that order with the recycled vectors CU
carried from system to system and discard_C = True, so C is recomputed for each new matrix (a
stale C would break convergence). Jacobi is applied as right preconditioning through a scaled
operator A D^-1. "iterations" counts products with A (gcrotmk's callback runs once per outer cycle), including
the k products per system that recompute C: the pdekit side reports iterations plus its
recycle products for the same comparison. Prints one JSON line with totals.
"""
import argparse, json, os, time
import numpy as np
import scipy
import scipy.sparse as sp, scipy.sparse.linalg as spla

p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--tol", type=float, default=1e-8)
p.add_argument("--label", required=True)
p.add_argument("--precond", choices=["none", "jacobi"], default="none")
p.add_argument("--limit", type=int, default=0, help="solve only the first LIMIT systems")
a = p.parse_args()

names = sorted({f[:9] for f in os.listdir(a.dir) if f.startswith("case_")})
if a.limit:
    names = names[:a.limit]
CU = []
total_its = 0
total_s = 0.0
worst = 0.0
for name in names:
    load = lambda part: np.load(os.path.join(a.dir, f"{name}_{part}.npy"))
    A = sp.csr_matrix((load("data"), load("indices").astype(np.int64), load("indptr").astype(np.int64)))
    b = load("rhs")
    t = time.perf_counter()
    if a.precond == "jacobi":
        d = 1.0 / A.diagonal()
        M = A @ sp.diags(d)             # A D^-1 y = b, x = D^-1 y
    else:
        M = A
    # gcrotmk's callback runs once per outer cycle; products with A are the comparable count.
    its = [0]
    def matvec(v):
        its[0] += 1
        return M @ v
    op = spla.LinearOperator(A.shape, matvec=matvec, dtype=float)
    kwargs = dict(m=40, k=20, maxiter=100000, CU=CU, discard_C=True, atol=0)
    try:
        y, info = spla.gcrotmk(op, b, rtol=a.tol, **kwargs)
    except TypeError:                   # SciPy < 1.12 calls it tol
        y, info = spla.gcrotmk(op, b, tol=a.tol, **kwargs)
    x = y * d if a.precond == "jacobi" else y
    total_s += time.perf_counter() - t
    total_its += its[0]
    worst = max(worst, np.linalg.norm(b - A @ x) / np.linalg.norm(b))
print(json.dumps({"tool": "scipy", "version": f"scipy {scipy.__version__}", "case": f"{a.label}_gcrotmk_{a.precond}",
                  "cases": len(names), "iterations": total_its, "solver_s": total_s, "worst_rel_residual": worst}), flush=True)
