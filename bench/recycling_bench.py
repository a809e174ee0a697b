"""The recycling benchmark (issue 10, first part): one family of 100 related Darcy systems
(bench/problems/darcy_family100.toml, n = 10⁴) solved by pdekit sweeps with --jobs 1 (one
chain, so every case follows its predecessor) under each strategy: independent CG with IC(0),
recycling CG with IC(0), CG + AMG rebuilt per case and with its hierarchy reused, and without
preconditioner independent CG and recycling CG. (GMRES(40) without preconditioner, SKR's
baseline, took 680,786 iterations and 330 s on this family: too slow for every run; it comes
back with GCRO-DR.) Prints JSON lines: total
iterations, total solver seconds (assemble + setup + solve) and elapsed seconds.

    python3 bench/recycling_bench.py PDEKIT_BINARY
"""
import csv, json, os, shutil, subprocess, sys, time

binary = sys.argv[1]
problem = "bench/problems/darcy_family100.toml"
strategies = [
    ("cg_ic0", ["solver.method=cg", "solver.preconditioner=ic0"]),
    ("rcg_ic0", ["solver.method=rcg", "solver.preconditioner=ic0"]),
    ("cg_amg_rebuilt", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=none"]),
    ("cg_amg_reused", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=hierarchy"]),
    ("cg_none", ["solver.method=cg", "solver.preconditioner=none"]),
    ("rcg_none", ["solver.method=rcg", "solver.preconditioner=none"]),
]
for name, settings in strategies:
    out = f"bench/work/recycling_{name}"
    shutil.rmtree(out, ignore_errors=True)
    args = [binary, "sweep", problem, "--jobs", "1", "-o", out]
    for s in settings:
        args += ["--set", s]
    t = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
    iterations = sum(int(r["iterations"]) for r in rows)
    solver = sum(float(r["assemble_seconds"]) + float(r["setup_seconds"]) + float(r["solve_seconds"]) for r in rows)
    print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": f"recycling_{name}", "cases": len(rows),
                      "ok": sum(r["status"] == "ok" for r in rows), "iterations": iterations,
                      "solver_s": solver, "seconds": elapsed}), flush=True)
