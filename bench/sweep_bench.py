"""The sweep benchmarks: bench/problems/darcy_sweep200.toml with --jobs 1 and --jobs 2, and
bench/problems/direct_sweep20.toml (CHOLMOD on one pattern, one chain) for carried state.
Prints JSON lines: cases per second, and per case the solver's time (assemble + setup + solve)
next to the wall time pdekit spends per case in all (its overhead is the difference); for the
direct sweep, the setup seconds of case 1 and the median of cases 2-20.

    python3 bench/sweep_bench.py PDEKIT_BINARY
"""
import csv, json, os, shutil, subprocess, sys, time

binary = sys.argv[1]
problem = "bench/problems/darcy_sweep200.toml"
# Three alternating rounds of --jobs 1 and --jobs 2: this machine's throughput drifts by tens
# of percent within minutes, so report.py takes each case's median round.
for jobs in (1, 2) * 3:
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

# Carried state: one worker (--jobs 1) takes every chain in order, so cases 2-20 follow case 1 and reuse
# its analysis.
out = "bench/work/sweep_direct20"
shutil.rmtree(out, ignore_errors=True)
t = time.perf_counter()
subprocess.run([binary, "sweep", "bench/problems/direct_sweep20.toml", "--jobs", "1", "-o", out], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.perf_counter() - t
rows = sorted(csv.DictReader(open(os.path.join(out, "sweep.csv"))), key=lambda r: int(r["case"]))
setups = [float(r["setup_seconds"]) for r in rows]
later = sorted(setups[1:])
median_later = later[len(later) // 2]
print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": "sweep_direct20", "cases": len(rows),
                  "ok": sum(r["status"] == "ok" for r in rows), "seconds": elapsed,
                  "first_setup_s": setups[0], "later_setup_median_s": median_later,
                  "later_over_first_setup": median_later / setups[0]}), flush=True)
