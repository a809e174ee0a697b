"""The petsc4py peer of pdekit's distributed `method = "petsc"` (bench/petsc_bench.py): the same
2D / 3D Poisson system (the 5/7-point Laplacian on N^d interior unknowns of the unit square /
cube, h = 1/(N+1), scaled by 1/h^2; b = 1; x0 = 0), distributed as pdekit distributes it (rank r
holds the planes r*N/P ..< (r+1)*N/P of the slowest axis, built here with SciPy from slices of
the Kronecker factors, so no rank holds the whole matrix), solved by CG with BoomerAMG or GAMG
to rtol 1e-8 on the unpreconditioned residual on PETSC_COMM_WORLD.

    mpirun -n P /usr/bin/python3 bench/peers/petsc_mpi.py --problem poisson2d --n N --case boomeramg

Rank 0 prints one JSON object: KSPSetUp and KSPSolve seconds (after a barrier; both are
collective), iterations, the true relative residual.
"""
import argparse, json, sys, time
import numpy as np
import scipy.sparse as sp
import petsc4py
petsc4py.init([])
from petsc4py import PETSc

ap = argparse.ArgumentParser()
ap.add_argument("--problem", choices=["poisson2d", "poisson3d"], required=True)
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--case", choices=["boomeramg", "gamg"], required=True)
args = ap.parse_args()

comm = PETSc.COMM_WORLD
rank, size = comm.getRank(), comm.getSize()
n, d = args.n, (2 if args.problem == "poisson2d" else 3)
planes = slice(rank * n // size, (rank + 1) * n // size)
h = 1.0 / (n + 1)
T = sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], format="csr")
I = sp.identity(n, format="csr")
# This rank's rows of A: the slowest axis's factor restricted to its planes.
if d == 2:
    A = sp.kron(I[planes], T) + sp.kron(T[planes], I)
else:
    A = sp.kron(sp.kron(I[planes], I), T) + sp.kron(sp.kron(I[planes], T), I) + sp.kron(sp.kron(T[planes], I), I)
A = (A / h**2).tocsr()
A.sort_indices()
m, N = A.shape[0], n**d
M = PETSc.Mat().createAIJ(size=((m, N), (m, N)), csr=(A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data), comm=comm)
M.assemble()
del A

ksp = PETSc.KSP().create(comm)
ksp.setOperators(M)
ksp.setType("cg")
pc = ksp.getPC()
opts = PETSc.Options()
if args.case == "boomeramg":
    pc.setType("hypre")
    opts["pc_hypre_type"] = "boomeramg"
else:
    pc.setType("gamg")
ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
ksp.setTolerances(rtol=1e-8, atol=0.0, max_it=10000)
ksp.setFromOptions()
b = M.createVecLeft(); b.set(1.0)
x = M.createVecRight(); x.set(0.0)
comm.barrier()
t = time.perf_counter(); ksp.setUp(); setup = time.perf_counter() - t
t = time.perf_counter(); ksp.solve(b, x); solve = time.perf_counter() - t
r = b.duplicate(); M.mult(x, r); r.aypx(-1.0, b)
rel = r.norm() / b.norm()
version = "PETSc " + ".".join(map(str, PETSc.Sys.getVersion())) + (" + hypre" if args.case == "boomeramg" else "")
if rank == 0:
    print(json.dumps(dict(tool="petsc", version=version, ranks=size, setup_s=setup, solve_s=solve, total_s=setup + solve,
                          iterations=ksp.getIterationNumber(), rel_residual=rel, reason=str(ksp.getConvergedReason()))), flush=True)
    print(f"[petsc_mpi.py] {args.problem} n={n} {args.case} on {size} ranks: {ksp.getIterationNumber()} its, setup {setup:.2f} s, "
          f"solve {solve:.2f} s, rel {rel:.2e}", file=sys.stderr, flush=True)
