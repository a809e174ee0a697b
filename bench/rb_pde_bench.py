"""pdekit-only rows for `family = "pde"` reduced bases (nonintrusive EIM): the inclusion family
(99 x 99, contrast and width) and the 1D boundary-value problem (999 points), each built from its
example problem file; then online evaluation of the inclusion model through a reduced_model
sweep without case folders. Prints JSON lines (make bench's rb part). Usage: rb_pde_bench.py PDEKIT
"""
import json, os, re, shutil, subprocess, sys, time

binary = sys.argv[1]
work = "bench/work"


def record(folder):
    values = {}
    for line in open(os.path.join(folder, "run.toml")):
        m = re.match(r"^(\w+) = ([-+0-9.eE]+|true|false)$", line.strip())
        if m and m.group(1) not in values:
            values[m.group(1)] = m.group(2)
    return values


for case, problem in (("rb_pde_inclusion", "problems/rb_inclusion.toml"), ("rb_pde_bvp1d", "problems/rb_bvp1d.toml")):
    out = os.path.join(work, case)
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([binary, "run", problem, "-o", out, "--quiet"], check=True)
    r = record(out)
    online, truth = float(r["online_seconds_per_solve"]), float(r["truth_seconds_per_solve"])
    print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": case, "n": int(r["unknowns"]), "basis": int(r["basis_size"]),
                      "training": int(r["training_size"]), "eim_matrix_terms": int(r["eim_matrix_terms"]),
                      "eim_online_rows": int(r["eim_online_rows"]), "offline_s": float(r["offline_seconds"]), "online_s": online,
                      "full_solve_s": truth, "speedup": truth / online, "max_test_error": float(r["max_test_error"]),
                      "max_test_eim_error": float(r["max_test_eim_error"]), "min_effectivity": float(r["min_effectivity"])}))

# Online throughput: 2,000 random parameters over the inclusion model, one row each.
sweep = os.path.join(work, "rb_pde_inclusion_sweep")
shutil.rmtree(sweep, ignore_errors=True)
problem = os.path.join(work, "rb_pde_online_sweep.toml")
with open(problem, "w") as f:
    f.write('[problem]\nkind = "reduced_model"\nname = "o"\n[reduced_model]\nmodel = "rb_pde_inclusion"\n'
            'parameters = { contrast = 5, width = 0.1 }\n[output]\ncase_folders = false\n'
            '[sweep]\nmode = "random"\nsamples = 2000\nseed = 3\n[sweep.parameters]\n'
            '"reduced_model.parameters.contrast" = { uniform = [1, 10] }\n"reduced_model.parameters.width" = { uniform = [0.05, 0.2] }\n')
t = time.perf_counter()
subprocess.run([binary, "sweep", problem, "-o", sweep, "--jobs", "2"], check=True, capture_output=True)
print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": "rb_pde_inclusion_online_sweep",
                  "cases_per_s": 2000 / (time.perf_counter() - t)}))
