"""Scattered-point Gaussian processes ([gp-scattered]): pdekit's structured kernel
interpolation against GPyTorch's KISS-GP (bench/peers/gp_ski.py) on the same data, same grid
size, same kernel (squared exponential per axis), CPU, 2 threads, in one run.

Data: n points uniform in the unit square (cube), values sin(6x) cos(3y) + x/2 (times
cos(2z) in 3D) plus noise of standard deviation 0.1, and 2,000 held-out points (seeded). The
inducing grid has GPyTorch's own size rule, int(n^{1/d}) per axis, for both tools.

- evaluation: one log likelihood and its gradient at fixed hyperparameters (length scale 0.2,
  signal variance 1, noise 0.01): `pdekit-bench gp-ski` against the peer's forward + backward
  pass; n = 10⁴, 10⁵, 10⁶ in 2D and 10⁵ in 3D (BENCH_GP_SKI_SIZES="2:10000,..." to change);
- training: `pdekit run` of a generated problem file (L-BFGS from length scale 0.2, noise
  0.1) against 50 Adam steps (GPyTorch's tutorial), then the held-out RMSE; n = 10⁴ in 2D;
- crossover (pdekit only): data on a 100 × 100 grid with only n nodes observed, learned by the
  missing-point path (NaN in the grid, the exact dense likelihood of the observed points) and
  by the scattered path (the observed nodes as points); n = 500 … 4000 (BENCH_GP_SKI_CROSSOVER).

    python3 bench/gp_scattered_bench.py PDEKIT_BINARY PDEKIT_BENCH_BINARY > bench/work/gp_ski.jsonl

Prints JSON lines (bench/report.py files them under gp.csv).
"""
import json, os, re, subprocess, sys, time
import numpy as np

pdekit, bench = sys.argv[1], sys.argv[2]
sizes = [tuple(map(int, s.split(":"))) for s in os.environ.get("BENCH_GP_SKI_SIZES", "2:10000,2:100000,2:1000000,3:100000").split(",") if s]
train_sizes = [tuple(map(int, s.split(":"))) for s in os.environ.get("BENCH_GP_SKI_TRAIN", "2:10000").split(",") if s]
crossover = [int(s) for s in os.environ.get("BENCH_GP_SKI_CROSSOVER", "500,1000,2000,4000").split(",") if s]
work = "bench/work/gp_ski"
os.makedirs(work, exist_ok=True)
version = subprocess.run([pdekit, "--version"], capture_output=True, text=True).stdout.strip() or "pdekit"


def log(s):
    print(f"[gp_scattered_bench] {s}", file=sys.stderr, flush=True)


def data(d, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, d))
    f = np.sin(6 * x[:, 0]) * np.cos(3 * x[:, 1]) + x[:, 0] / 2
    if d == 3:
        f = f * np.cos(2 * x[:, 2])
    return x, f + 0.1 * rng.standard_normal(n)


def files(d, n):
    stem = f"{work}/d{d}_n{n}"
    if not os.path.exists(stem + "_x.npy"):
        x, y = data(d, n, 7 + n + d)
        xt, yt = data(d, 2000, 99 + d)
        for name, a in (("x", x), ("y", y), ("tx", xt), ("ty", yt)):
            np.save(f"{stem}_{name}.npy", a)
    return stem


def json_line(args, env=None, timeout=None):
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed: {r.stderr.strip()[-400:]}")
    return json.loads([l for l in r.stdout.splitlines() if l.startswith("{")][-1])


def run_pdekit(problem, out):
    """`pdekit run problem -o out`: (wall seconds, run.toml's text, a reader of its numbers). The
    reader takes a key's last occurrence: [result] and [hyperparameters] come after [gp], whose
    `iterations` is the optimiser's cap."""
    subprocess.run(["rm", "-rf", out])
    t = time.perf_counter()
    r = subprocess.run([pdekit, "run", problem, "-o", out, "--quiet"], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 4):
        raise RuntimeError(r.stderr)
    record = open(out + "/run.toml").read()
    return wall, record, lambda k: float(re.findall(rf'^"?{re.escape(k)}"? = (.+)$', record, re.M)[-1])


peer_env = dict(os.environ, OMP_NUM_THREADS="2")
PEER_TIMEOUT = int(os.environ.get("BENCH_GP_SKI_PEER_TIMEOUT", "600"))
for d, n in sizes:
    grid = int(n ** (1 / d))
    stem, label = files(d, n), f"gp_ski_eval_d{d}_n{n}"
    log(f"evaluation {d}D n = {n}, grid {grid}")
    ours = json_line([bench, "gp-ski", "--points", stem + "_x.npy", "--data", stem + "_y.npy", "--grid", str(grid), "--label", label,
                      "--repeats", "3" if n < 10**5 else "1"])
    print(json.dumps(ours), flush=True)
    # One timed evaluation after the warm-up from 10⁵ points on (GPyTorch's take minutes there),
    # at most PEER_TIMEOUT seconds for the peer's whole run: a peer that runs out of time or
    # memory is reported as such (a row with the reason), never as a number.
    try:
        peer = json_line([sys.executable, "bench/peers/gp_ski.py", "--mode", "evaluation", "--points", stem + "_x.npy", "--data", stem + "_y.npy",
                          "--grid", str(grid), "--label", label, "--repeats", "3" if n < 10**5 else "1"], env=peer_env, timeout=PEER_TIMEOUT)
        print(json.dumps(peer), flush=True)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        reason = f"no result within {PEER_TIMEOUT} s" if isinstance(e, subprocess.TimeoutExpired) else "failed (out of memory on 24 GB)"
        log(f"gpytorch {label}: {reason}")
        print(json.dumps(dict(tool="gpytorch", case=label, n=n, dim=d, grid=grid, failure=reason)), flush=True)

for d, n in train_sizes:
    grid = int(n ** (1 / d))
    stem, label = files(d, n), f"gp_ski_train_d{d}_n{n}"
    log(f"training {d}D n = {n}, grid {grid}")
    names = "xyz"[:d]
    problem = f"{stem}_train.toml"
    with open(problem, "w") as f:
        f.write(f'[problem]\nname = "ski"\nkind = "gp_regression"\n[gp]\npoints = "{os.path.basename(stem)}_x.npy"\n'
                f'data = "{os.path.basename(stem)}_y.npy"\ntest_points = "{os.path.basename(stem)}_tx.npy"\n'
                f'test_values = "{os.path.basename(stem)}_ty.npy"\ninducing_grid = [{", ".join([str(grid)] * d)}]\n'
                'mean = "sample"\nnoise = { value = 0.1, bounds = [1e-6, 10] }\n'
                + "".join('[[gp.kernel]]\nlengthscale = { value = 0.2, bounds = [0.01, 10] }\n' for _ in names))
    wall, record, value = run_pdekit(problem, f"{stem}_out")
    print(json.dumps(dict(tool="pdekit", version=version, case=label, n=n, dim=d, grid=grid, seconds=wall, test_rmse=value("test_rmse"),
                          iterations=int(value("iterations")), evaluations=int(value("evaluations")), noise=value("noise_variance"),
                          converged=int("converged = true" in record))), flush=True)
    peer = json_line([sys.executable, "bench/peers/gp_ski.py", "--mode", "train", "--points", stem + "_x.npy", "--data", stem + "_y.npy",
                      "--grid", str(grid), "--test-points", stem + "_tx.npy", "--test-data", stem + "_ty.npy", "--label", label], env=peer_env)
    print(json.dumps(peer), flush=True)

# Crossover: the same observed grid nodes through the missing-point and the scattered paths.
side = 100
rng = np.random.default_rng(5)
nodes = np.linspace(0, 1, side)
X, Y = np.meshgrid(nodes, nodes, indexing="ij")
field = np.sin(6 * X) * np.cos(3 * Y) + X / 2 + 0.1 * rng.standard_normal(X.shape)
order = rng.permutation(side * side)
kernels = "".join('[[gp.kernel]]\nlengthscale = { value = 0.2, bounds = [0.01, 10] }\n' for _ in range(2))
for n in crossover:
    observed = np.sort(order[:n])
    grid = np.full(side * side, np.nan)
    grid[observed] = field.reshape(-1)[observed]
    np.save(f"{work}/holes_{n}.npy", grid.reshape(side, side))
    np.save(f"{work}/holes_{n}_x.npy", np.stack([X.reshape(-1)[observed], Y.reshape(-1)[observed]], axis=1))
    np.save(f"{work}/holes_{n}_y.npy", field.reshape(-1)[observed])
    head = '[problem]\nname = "holes"\nkind = "gp_regression"\n[gp]\nbox = [[0, 1], [0, 1]]\nmean = "sample"\nnoise = { value = 0.1, bounds = [1e-6, 10] }\n'
    for path, body in (("missing", f'data = "holes_{n}.npy"\n'), ("scattered", f'points = "holes_{n}_x.npy"\ndata = "holes_{n}_y.npy"\n')):
        problem = f"{work}/holes_{n}_{path}.toml"
        with open(problem, "w") as f:
            f.write(head + body + kernels)
        wall, _, value = run_pdekit(problem, f"{work}/holes_{n}_{path}_out")
        print(json.dumps(dict(tool="pdekit", version=version, case=f"gp_crossover_{path}_n{n}", n=n, seconds=wall,
                              log_likelihood=value("log_likelihood"), noise=value("noise_variance"),
                              lengthscale_1=value("kernel_1.lengthscale"), lengthscale_2=value("kernel_2.lengthscale"))), flush=True)
