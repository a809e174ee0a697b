"""The PETSc benchmark ([scale-out] 5): 2D Poisson 4096² and 3D Poisson 256³ (16.8M unknowns
each; the 5- and 7-point Laplacians scaled by 1/h², b = 1, rtol 1e-8 on the true residual,
x0 = 0), on one process and on two (mpirun -n 2), solved by

- pdekit's `method = "petsc"` with CG + hypre BoomerAMG and CG + GAMG (PETSc's defaults for
  each, as in the peer); on two ranks each rank assembles and writes its own slab;
- the same solves by petsc4py scripts: on one process bench/peers/multigrid.py --tool petsc
  (the matrix built with SciPy), on two bench/peers/petsc_mpi.py (each rank builds its rows, in
  pdekit's layout); KSPSetUp and KSPSolve timed;
- pdekit's native CG + GMG on the same problem (one process).

pdekit's overhead over PETSc is its setup + solve (PETSc's KSPSetUp + KSPSolve as pdekit's
bridge times them) against the script's; the whole run's wall time and the peak memory of
each process (`/usr/bin/time`'s maximum resident set; per rank under mpirun) are reported
beside it, and bench/report.py projects from the one- and two-rank peaks the largest grids
that fit on machines of 24 GiB.

    PETSC_DIR=... python3 bench/petsc_bench.py PDEKIT_BINARY > bench/work/petsc_pdekit.jsonl

BENCH_PETSC_SIZES="2:1024,3:64" runs smaller problems, BENCH_PETSC_ROUNDS="3" more rounds.
Prints JSON lines.
"""
import json, os, re, subprocess, sys, time
import numpy as np

binary = sys.argv[1]
sizes = [tuple(map(int, s.split(":"))) for s in os.environ.get("BENCH_PETSC_SIZES", "2:4096,3:256").split(",")]
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() or "pdekit"
os.makedirs("bench/work", exist_ok=True)


def log(s):
    print(f"[petsc_bench] {s}", file=sys.stderr, flush=True)


MPIRUN_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_btl="self,vader",
                  OMPI_MCA_btl_vader_single_copy_mechanism="none")


def timed(args, ranks=1):
    """Runs `args` under /usr/bin/time, under mpirun -n ranks when ranks > 1: (seconds, peak
    resident MB of the largest rank, every rank's peak, stdout)."""
    # Each rank's peak into its own file (the ranks' stderr can interleave within a line).
    peak_files = [f"bench/work/peak-rank-{k}.txt" for k in range(ranks)]
    for f in peak_files:
        if os.path.exists(f):
            os.remove(f)
    timer = ["sh", "-c", 'exec /usr/bin/time -o "bench/work/peak-rank-${OMPI_COMM_WORLD_RANK:-0}.txt" -f %M "$@"', "timer"]
    command = (["mpirun", "--oversubscribe", "-n", str(ranks)] + timer + args) if ranks > 1 else timer + args
    t = time.perf_counter()
    r = subprocess.run(command, capture_output=True, text=True, env=MPIRUN_ENV)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{command[:6]} failed: {r.stderr.strip()[-500:]}")
    peaks = [int(open(f).read().split()[-1]) / 1024 for f in peak_files]
    for f in peak_files:
        os.remove(f)
    return seconds, max(peaks), peaks, r.stdout


def record_value(text, key):
    m = re.search(rf"^{key} = (.+)$", text, re.M)
    return m.group(1).strip().strip('"') if m else None


def pdekit(d, n, case, settings, ranks=1):
    out = f"bench/work/petsc_{case}_d{d}_n{n}"
    problem = f"bench/work/petsc_poisson{d}d.toml"
    with open(problem, "w") as f:
        f.write(f'[problem]\nname = "poisson{d}d"\nkind = "pde"\n[pde]\ngrid = [{", ".join([str(n)] * d)}]\nrhs = 1\n'
                '[solver]\nrtol = 1e-8\n')
    args = [binary, "run", problem, "-o", out] + settings
    seconds, peak, peaks, _ = timed(args, ranks)
    record = open(os.path.join(out, "run.toml")).read()
    fields = dict(tool="pdekit", version=version, case=f"petsc_poisson{d}d_n{n}_{case}", n=n, dim=d, ranks=ranks, wall_s=seconds, peak_mb=peak,
                  rank_peaks_mb=peaks,
                  assemble_s=float(record_value(record, "assemble_seconds") or "nan"),
                  setup_s=float(record_value(record, "setup_seconds")), solve_s=float(record_value(record, "solve_seconds")),
                  iterations=int(record_value(record, "iterations")), rel_residual=float(record_value(record, "relative_residual")),
                  reason=record_value(record, "reason"))
    fields["total_s"] = fields["setup_s"] + fields["solve_s"]
    subprocess.run(["rm", "-rf", out])
    return fields


def peer(script_args, ranks, case, d, n):
    """One petsc4py run: its JSON record with the wall time and per-rank peaks added."""
    seconds, peak, peaks, stdout = timed(["/usr/bin/python3"] + script_args, ranks)
    for line in stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            r.update(wall_s=seconds, peak_mb=peak, rank_peaks_mb=peaks, n=n, dim=d, ranks=ranks, case=case)
            return r
    raise RuntimeError(f"{script_args[0]} printed no record")


# Each pdekit case runs right before its petsc4py twin, and the pairs repeat for
# BENCH_PETSC_ROUNDS rounds (default 2): a one-off slow run (the first 4096² BoomerAMG solve of
# a run once took twice its usual setup, pdekit's and the script's alike in later pairs) then
# shows as a disagreement between rounds, and bench/report.py takes the faster round of each.
rounds = int(os.environ.get("BENCH_PETSC_ROUNDS", "2"))
for d, n in sizes:
    log(f"{d}D n = {n}")
    rhs = f"bench/work/petsc_ones_d{d}_n{n}.npy"
    np.save(rhs, np.ones(n ** d))
    petsc = ["--set", "solver.method=petsc", "--set", "solver.preconditioner=none", "--set", "solver.petsc.ksp_type=\"cg\""]
    for round in range(rounds):
        for case, pc in (("boomeramg", "hypre"), ("gamg", "gamg")):
            settings = petsc + ["--set", f"solver.petsc.pc_type=\"{pc}\""]
            print(json.dumps(dict(pdekit(d, n, f"petsc_{case}", settings), round=round)), flush=True)
            print(json.dumps(dict(peer(["bench/peers/multigrid.py", "--tool", "petsc", "--problem", f"poisson{d}d", "--n", str(n),
                                        "--rhs", rhs, "--cases", case, "--runs", "1"], 1, f"petsc_poisson{d}d_n{n}_petsc4py_{case}", d, n),
                                   round=round)), flush=True)
            print(json.dumps(dict(pdekit(d, n, f"petsc_{case}_np2", settings, ranks=2), round=round)), flush=True)
            print(json.dumps(dict(peer(["bench/peers/petsc_mpi.py", "--problem", f"poisson{d}d", "--n", str(n), "--case", case], 2,
                                       f"petsc_poisson{d}d_n{n}_petsc4py_{case}_np2", d, n), round=round)), flush=True)
    print(json.dumps(pdekit(d, n, "cg_gmg", ["--set", "solver.method=cg", "--set", "solver.preconditioner=gmg"])), flush=True)
    os.remove(rhs)
