"""SciPy's fast Poisson path for the 2D Dirichlet problem (the peer of `pdekit-bench spectral`).

u = idstn(dstn(b, type=1) / lambda, type=1) with lambda_jk = (4 sin^2(pi j/(2(N+1))) +
4 sin^2(pi k/(2(N+1)))) / h^2: the exact inverse of the 5-point matrix scaled by 1/h^2.
Prints one JSON object per line: median of --repeats timings, with scipy.fft's default single
worker and with all workers.
    python3 spectral_peers.py --rhs RHS.npy --n N [--repeats R]
"""
import argparse, json, os, time
import numpy as np
import scipy
import scipy.fft as sf

ap = argparse.ArgumentParser()
ap.add_argument("--rhs", required=True)
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--repeats", type=int, default=7)
args = ap.parse_args()
n = args.n
h = 1.0 / (n + 1)
b = np.load(args.rhs).reshape(n, n)
theta = np.pi * np.arange(1, n + 1) / (n + 1)
lam1 = 4 * np.sin(theta / 2) ** 2 / h**2
lam = lam1[:, None] + lam1[None, :]


def solve(workers):
    return sf.idstn(sf.dstn(b, type=1, workers=workers) / lam, type=1, workers=workers)


def residual(u):
    au = 4 * u
    au[1:, :] -= u[:-1, :]; au[:-1, :] -= u[1:, :]
    au[:, 1:] -= u[:, :-1]; au[:, :-1] -= u[:, 1:]
    return np.linalg.norm(au / h**2 - b) / np.linalg.norm(b)


for label, workers in [("1", 1), ("all", os.cpu_count())]:
    solve(workers)  # warm-up (scipy.fft caches its plans)
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter(); u = solve(workers); times.append(time.perf_counter() - t)
    print(json.dumps({"tool": "scipy", "version": scipy.__version__, "case": f"fft_solve_n{n}_workers_{label}",
                      "seconds": float(np.median(times)), "workers": workers, "rel_residual": residual(u)}), flush=True)
