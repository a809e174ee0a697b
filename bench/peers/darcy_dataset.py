"""Darcy dataset-generation peers: samples per second for a whole dataset job, writing included.

The job is FNO's Darcy training set (Li et al., "Fourier neural operator", ICLR 2021):
-div(K grad u) = 1 on the unit square, u = 0 on the boundary, K from a Gaussian random field
with covariance (-Laplace + tau^2)^(-alpha), alpha = 2, tau = 3. Each peer loop does, per sample:
generate the field (seeded with the sample index), assemble the system, solve it, check the
residual; at the end it writes the coefficients and solutions as NPY stacks. All of it is timed.

    python3 darcy_dataset.py --tool scipy --n 63 --samples 1000 --field threshold --out DIR
    python3 darcy_dataset.py --tool pyamg --n 239 --samples 100 --field lognormal --out DIR
    /usr/bin/python3 darcy_dataset.py --tool petsc --n 63 --samples 1000 --field threshold --out DIR \
        [--cases petsc_cg_boomeramg,petsc_cg_gamg]

(PETSc runs under Debian's /usr/bin/python3 with python3-petsc4py.)

Cases: scipy_spsolve (SuperLU per sample), pyamg_rs_cg (Ruge-Stueben hierarchy built per
sample, CG, tol 1e-8), petsc_cg_boomeramg and petsc_cg_gamg (CG with hypre BoomerAMG or GAMG,
rtol 1e-8 on the unpreconditioned residual, x0 = 0).

Grid and discretisation are pdekit's (docs/outputs.md, "Re-assembling the operator"): N
unknowns per axis are the interior nodes of an (N+2) x (N+2) node grid, h = 1/(N+1), nodes at
k*h; vertex-centred finite volumes whose face transmissibility is the harmonic mean of the two
node values of K; every row divided by the cell volume h^2; C order (i slow, j fast).

The field is pdekit's (and FNO's GRF.m) spectrum: cosine (Neumann) modes k, l = 0..N+1,
    field(x, y) = sum_{(k,l) != (0,0)} xi_kl c_kl psi_k(x) psi_l(y),
    c_kl = tau^(alpha-1) (pi^2 (k^2 + l^2) + tau^2)^(-alpha/2),
psi_0 = 1, psi_k = sqrt(2) cos(k pi x), xi_kl ~ N(0, 1). c_kl is the mode's standard deviation
(the square root of the covariance eigenvalue tau^(2alpha-2)(...)^(-alpha)), as in GRF.m. The
random stream (numpy default_rng(sample index)) is not pdekit's, so the fields have the same
statistics, not the same samples. lognormal: K = exp(scale * field); threshold: K = 12 where
the field is >= 0, 3 elsewhere. At scale 1 the log-normal contrast max K / min K is small (about
3 at every N); pdekit's `scale` is --scale here.

Prints one JSON line per case: tool, version, case, n, samples, seconds, samples_per_s, and the
totals generate_s, assemble_s, solve_s (setup + solve), write_s, and max_relative_residual
(max over samples of ||b - A u|| / ||b||; above 1e-6 is an error, exit status 1).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import scipy.fft
import scipy.sparse as sp

ALPHA, TAU = 2.0, 3.0
THRESHOLD_LOW, THRESHOLD_HIGH = 3.0, 12.0
RTOL = 1e-8
MAX_RESIDUAL = 1e-6
CASES = {"scipy": ["scipy_spsolve"], "pyamg": ["pyamg_rs_cg"], "petsc": ["petsc_cg_boomeramg", "petsc_cg_gamg"]}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", choices=sorted(CASES), required=True)
    ap.add_argument("--n", type=int, required=True, help="unknowns per axis (interior nodes)")
    ap.add_argument("--samples", type=int, required=True)
    ap.add_argument("--field", choices=["lognormal", "threshold"], required=True)
    ap.add_argument("--out", required=True, help="folder for <case>_coefficients.npy and <case>_solutions.npy")
    ap.add_argument("--cases", default="", help="comma-separated subset of the tool's cases")
    ap.add_argument("--scale", type=float, default=1.0, help="the field is multiplied by this before the transform")
    return ap.parse_args()


def log(msg):
    print(f"[darcy_dataset.py] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Field generation


def mode_amplitudes(m):
    """Per mode (k, l), 0 <= k, l < m: c_kl times the sqrt(2) of each cosine basis function with
    a nonzero wavenumber, times the weights that make an unnormalised DCT-I (idctn type 1 with
    norm="forward") evaluate the plain cosine sum at the m nodes j/(m-1).

    The DCT-I computes y_j = x_0 + (-1)^j x_{m-1} + 2 sum_{0<k<m-1} x_k cos(pi k j/(m-1)), so an
    interior wavenumber's input is halved to give sum_k a_k cos(pi k j/(m-1)).
    """
    k = np.arange(m)
    wavenumber2 = np.pi ** 2 * (k[:, None] ** 2 + k[None, :] ** 2)
    c = TAU ** (ALPHA - 1) * (wavenumber2 + TAU ** 2) ** (-ALPHA / 2)
    c[0, 0] = 0.0  # the mean mode is left out
    basis = np.where(k == 0, 1.0, np.sqrt(2.0))
    dct_weight = np.full(m, 0.5)
    dct_weight[0] = dct_weight[-1] = 1.0
    per_axis = basis * dct_weight
    return c * per_axis[:, None] * per_axis[None, :]


def gaussian_field(amplitudes, seed):
    """One field sample at the (m, m) nodes, seeded with the sample index."""
    xi = np.random.default_rng(seed=seed).standard_normal(amplitudes.shape)
    return scipy.fft.idctn(xi * amplitudes, type=1, norm="forward")


def coefficient(field, kind, scale):
    if kind == "lognormal":
        return np.exp(scale * field)
    return np.where(scale * field >= 0, THRESHOLD_HIGH, THRESHOLD_LOW)


# ---------------------------------------------------------------------------------------------
# Assembly


def assemble(K):
    """The N^2 x N^2 CSR matrix of the vertex-centred finite-volume operator for node values K
    of shape (N+2, N+2), rows divided by h^2. Vectorised: the faces are slices of K."""
    m = K.shape[0]
    n = m - 2
    h = 1.0 / (n + 1)
    inv = 1.0 / K
    # Harmonic means on the faces between nodes (i, j) and (i+1, j) (axis 0, the slow index) and
    # between (i, j) and (i, j+1) (axis 1), at every node pair of the grid.
    t0 = 2.0 / (inv[:-1, :] + inv[1:, :]) / h ** 2   # (m-1, m)
    t1 = 2.0 / (inv[:, :-1] + inv[:, 1:]) / h ** 2   # (m, m-1)
    # An interior row (i, j) has faces to (i-1, j), (i+1, j), (i, j-1), (i, j+1); a boundary
    # neighbour (u = 0) adds only its T to the diagonal.
    diagonal = (t0[:-1, 1:-1] + t0[1:, 1:-1] + t1[1:-1, :-1] + t1[1:-1, 1:]).ravel()
    # Couplings (i, j)-(i+1, j) for interior i < N: offset n in C order.
    slow = -t0[1:-1, 1:-1].ravel()                   # ((n-1) n,)
    # Couplings (i, j)-(i, j+1) for j < N: offset 1; the last unknown of each row of the grid
    # has no interior right neighbour, so its entry is 0 (dropped by the DIA -> CSR conversion).
    fast = np.zeros((n, n))
    fast[:, :-1] = -t1[1:-1, 1:-1]
    fast = fast.ravel()[:-1]                         # (n^2 - 1,)
    if n == 1:   # a single unknown: no couplings (and offsets 1 and n would coincide)
        return sp.csr_matrix(diagonal.reshape(1, 1))
    A = sp.diags([slow, fast, diagonal, fast, slow], [-n, -1, 0, 1, n], shape=(n * n, n * n), format="csr")
    A.eliminate_zeros()
    return A


# ---------------------------------------------------------------------------------------------
# Solvers: each returns (version string, a function A, b -> u) for one case.


def scipy_spsolve():
    import scipy
    from scipy.sparse.linalg import spsolve

    # use_umfpack=False: SuperLU, SciPy's own direct solver, whatever else is installed.
    return f"scipy {scipy.__version__} (SuperLU)", lambda A, b: spsolve(A, b, use_umfpack=False)


def pyamg_rs_cg():
    import pyamg

    def solve(A, b):
        # K changes every sample, so the hierarchy is rebuilt every sample.
        ml = pyamg.ruge_stuben_solver(A)
        return ml.solve(b, tol=RTOL, accel="cg", maxiter=1000)

    return f"pyamg {pyamg.__version__}", solve


def init_petsc():
    # Debian's petsc4py lives under its PETSc's folder; a .pth file puts
    # $PETSC_DIR/lib/python3/dist-packages on sys.path at start-up (bench/bench.sh exports
    # PETSC_DIR). Without PETSC_DIR (and without the /usr/lib/petsc alternative) do the same
    # for the real-scalar 3.18 build here.
    debian = "/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real"
    if "PETSC_DIR" not in os.environ and os.path.isdir(debian):
        os.environ["PETSC_DIR"] = debian
    packages = os.path.join(os.environ.get("PETSC_DIR", ""), "lib", "python3", "dist-packages")
    if os.path.isdir(packages) and packages not in sys.path:
        sys.path.append(packages)
    import petsc4py
    petsc4py.init([])
    from petsc4py import PETSc
    return PETSc


def petsc_cg(pc_type):
    PETSc = init_petsc()
    version = "petsc " + ".".join(map(str, PETSc.Sys.getVersion())) + (" (hypre)" if pc_type == "hypre" else "")
    # One Mat for the whole job: every sample's matrix has the same pattern, so its values are
    # replaced in place (setValuesCSR + assemble). The changed values make the PC set up again
    # from scratch (a new BoomerAMG / GAMG hierarchy per sample, as for PyAMG).
    state = {}

    def solve(A, b):
        indptr, indices = A.indptr.astype(PETSc.IntType), A.indices.astype(PETSc.IntType)
        if "mat" not in state:
            M = PETSc.Mat().createAIJ(size=A.shape, csr=(indptr, indices, A.data))
            M.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, True)
            ksp = PETSc.KSP().create()
            ksp.setType("cg")
            pc = ksp.getPC()
            pc.setType(pc_type)
            if pc_type == "hypre":
                pc.setHYPREType("boomeramg")
            # pdekit's criterion: the true (unpreconditioned) residual relative to ||b||.
            ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
            ksp.setTolerances(rtol=RTOL, atol=0.0, max_it=10000)
            state.update(mat=M, ksp=ksp, b=M.createVecLeft(), x=M.createVecRight())
        else:
            M = state["mat"]
            M.setValuesCSR(indptr, indices, A.data)
        M.assemble()
        ksp, bv, x = state["ksp"], state["b"], state["x"]
        ksp.setOperators(M)
        bv.setArray(b)
        x.set(0.0)
        ksp.solve(bv, x)
        if ksp.getConvergedReason() <= 0:
            log(f"{pc_type}: KSP did not converge (reason {ksp.getConvergedReason()})")
        return x.getArray().copy()

    return version, solve


SOLVERS = {
    "scipy_spsolve": scipy_spsolve,
    "pyamg_rs_cg": pyamg_rs_cg,
    "petsc_cg_boomeramg": lambda: petsc_cg("hypre"),
    "petsc_cg_gamg": lambda: petsc_cg("gamg"),
}


# ---------------------------------------------------------------------------------------------
# One dataset job


def run_case(case, tool, args):
    version, solve = SOLVERS[case]()
    n, m, S = args.n, args.n + 2, args.samples
    coefficients = np.empty((S, m, m))
    solutions = np.empty((S, n, n))
    b = np.ones(n * n)   # f = 1 at every unknown; zero boundary data adds nothing
    bnorm = np.linalg.norm(b)
    times = dict(generate_s=0.0, assemble_s=0.0, solve_s=0.0, write_s=0.0)
    worst = 0.0

    start = time.perf_counter()
    t = start
    amplitudes = mode_amplitudes(m)   # shared by every sample: counted as generation
    times["generate_s"] += time.perf_counter() - t
    for s in range(S):
        t0 = time.perf_counter()
        K = coefficient(gaussian_field(amplitudes, s), args.field, args.scale)
        coefficients[s] = K
        t1 = time.perf_counter()
        A = assemble(K)
        t2 = time.perf_counter()
        u = solve(A, b)
        t3 = time.perf_counter()
        times["generate_s"] += t1 - t0
        times["assemble_s"] += t2 - t1
        times["solve_s"] += t3 - t2
        rel = float(np.linalg.norm(b - A @ u) / bnorm)
        if not rel <= MAX_RESIDUAL:   # also catches NaN
            print(f"error: {case} sample {s}: relative residual {rel:.3e} > {MAX_RESIDUAL:g}", file=sys.stderr)
            sys.exit(1)
        worst = max(worst, rel)
        solutions[s] = u.reshape(n, n)
    t = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, f"{case}_coefficients.npy"), coefficients)
    np.save(os.path.join(args.out, f"{case}_solutions.npy"), solutions)
    end = time.perf_counter()
    times["write_s"] = end - t
    seconds = end - start

    record = {"tool": tool, "version": version, "case": f"{case}_n{n}_{args.field}", "n": n, "samples": S,
              "seconds": seconds, "samples_per_s": S / seconds}
    record.update(times)
    record["max_relative_residual"] = worst
    print(json.dumps(record), flush=True)


def main():
    args = parse_args()
    if args.n < 1 or args.samples < 1:
        print("error: --n and --samples must be positive", file=sys.stderr)
        sys.exit(2)
    wanted = [c for c in args.cases.split(",") if c] if args.cases else CASES[args.tool]
    unknown = [c for c in wanted if c not in CASES[args.tool]]
    if unknown:
        print(f"error: {args.tool} has no case(s) {', '.join(unknown)}; its cases: {', '.join(CASES[args.tool])}",
              file=sys.stderr)
        sys.exit(2)
    for case in wanted:
        run_case(case, args.tool, args)


if __name__ == "__main__":
    main()
