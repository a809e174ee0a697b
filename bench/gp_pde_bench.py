"""GP-HM's three rows (PAPERS.md §1) with pdekit's GP collocation solver, and the 2D Allen–Cahn
and advection cases: runs problems/gp_poisson1d.toml, gp_allen_cahn1d.toml, gp_poisson2d.toml,
gp_allen_cahn2d.toml and gp_advection.toml (best of 3 wall times
from the run records) and prints JSON lines with the relative L2 error on the test grid; then
gp_poisson1d_learned.toml (GP-HM's kernel learning from a wrong frequency: learned frequency,
objective evaluations, the error with and without learning).

    python3 bench/gp_pde_bench.py PDEKIT
"""
import json, re, shutil, subprocess, sys, tempfile

binary = sys.argv[1]
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() or "pdekit"
for name in ("gp_poisson1d", "gp_allen_cahn1d", "gp_poisson2d", "gp_allen_cahn2d", "gp_advection"):
    best, error = None, None
    for _ in range(3):
        out = tempfile.mkdtemp()
        shutil.rmtree(out)
        subprocess.run([binary, "run", f"problems/{name}.toml", "-o", out, "--quiet"], check=True)
        record = open(out + "/run.toml").read()
        seconds = float(re.search(r"^seconds = (\S+)", record, re.M).group(1))
        error = float(re.search(r"^relative_l2_error = (\S+)", record, re.M).group(1))
        best = seconds if best is None else min(best, seconds)
        shutil.rmtree(out)
    print(json.dumps({"tool": "pdekit", "version": version, "case": name, "relative_l2_error": error, "seconds": best}))

# Kernel learning from a frequency of 13 (u's is 100/2π = 15.92), and the same kernel unlearned.
row = {"tool": "pdekit", "version": version, "case": "gp_poisson1d_learned"}
for label, extra in (("learned", []), ("start", ["--set", "gp_pde.learn={ iterations = 0 }"])):
    out = tempfile.mkdtemp()
    shutil.rmtree(out)
    subprocess.run([binary, "run", "problems/gp_poisson1d_learned.toml", "-o", out, "--quiet"] + extra, check=True)
    record = open(out + "/run.toml").read()
    row[f"relative_l2_error_{label}"] = float(re.search(r"^relative_l2_error = (\S+)", record, re.M).group(1))
    row[f"seconds_{label}"] = float(re.search(r"^seconds = (\S+)", record, re.M).group(1))
    if label == "learned":
        row["learned_frequency"] = float(re.search(r"^axis_1_frequencies = \[(\S+)\]", record, re.M).group(1))
        row["evaluations"] = int(re.search(r"^evaluations = (\S+)", record, re.M).group(1))
    shutil.rmtree(out)
print(json.dumps(row))
