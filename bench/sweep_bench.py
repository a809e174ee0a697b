"""The sweep benchmark: bench/problems/darcy_sweep200.toml with --jobs 1 and --jobs 2.
Prints JSON lines: cases per second, and per case the solver's time (assemble + setup + solve)
next to the wall time pdekit spends per case in all (its overhead is the difference).

    python3 bench/sweep_bench.py PDEKIT_BINARY
"""
import csv, json, os, shutil, subprocess, sys, time

binary = sys.argv[1]
problem = "bench/problems/darcy_sweep200.toml"
for jobs in (1, 2):
    out = f"bench/work/sweep_jobs{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([binary, "sweep", problem, "--jobs", str(jobs), "-o", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
    ok = sum(r["status"] == "ok" for r in rows)
    solver = sum(float(r["assemble_seconds"]) + float(r["setup_seconds"]) + float(r["solve_seconds"]) for r in rows) / len(rows)
    wall = sum(float(r["wall_seconds"]) for r in rows) / len(rows)
    print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": f"sweep_jobs{jobs}", "cases": len(rows), "ok": ok,
                      "seconds": elapsed, "cases_per_s": len(rows) / elapsed, "solver_s_per_case": solver,
                      "case_wall_s": wall, "overhead_s_per_case": elapsed * jobs / len(rows) - solver}), flush=True)
