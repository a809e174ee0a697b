"""The recycling benchmark (issue 10): SKR's Table 1 in shape, and the strong baselines.

    python3 bench/recycling_bench.py PDEKIT PDEKIT_BENCH

Families (bench/problems/, 100 cases each): SKR's Darcy at n = 6400 and 10^4 (K = exp(GRF),
one independent field per case, tol 1e-8), SKR's Helmholtz at n = 10^4 (the Darcy operator
minus k^2, k in [0, 1], tol 1e-7) and a perturbed Darcy family (one field plus 0.1 times another
per case), and an indefinite Helmholtz family (-Δu - k^2 u = 1, k from 10 to 11, tol 1e-7).
Every pdekit run is `pdekit sweep --jobs 1` with `[sweep] chain_length = 100` (one chain, each
case after its neighbour, as SciPy's loop carries CU through all 100), with `[sweep] order =
"nearest"` (SKR's sorting).

GCRO-DR and recycling CG start by default from the projection on the chain's last four solutions
(`initial_guess = "projection"`, jointly with their recycled space); `_zero` runs turn that off
(the recycled space alone), and the strong baselines run with `initial_guess = "projection"` too
(`_projection`), since any Krylov method can have it. "products" counts products with A: the
iterations, the k that re-derive C = A U (or A W), and the start's projection.

SKR's comparison: GCRO-DR(40, 20) over the whole chain against independent GMRES(40), with no
preconditioner, Jacobi, SSOR and IC(0). Independent GMRES(40) needs thousands of iterations per
system without a preconditioner, so it runs on every tenth case (cases 0, 10, ..., 90; it carries
nothing, so a subset is a fair sample) and the ratios compare the two on exactly those cases.
Strong baselines on every case: CG + IC(0), recycling CG + IC(0), CG + AMG rebuilt per case and
with the first hierarchy reused, GCRO-DR + AMG, CHOLMOD with the analysis carried (UMFPACK and
GMRES + AMG for the indefinite family), the best of these started from the previous case's
solution (`initial_guess = "previous"`), and SciPy's gcrotmk(40, 20) with CU recycled and
discard_C = True on the same systems in the same order (exported by pdekit-bench export-sweep).
Prints JSON lines.
"""
import csv, json, os, re, shutil, subprocess, sys, time

binary, bench_binary = sys.argv[1], sys.argv[2]
only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
datasets = [("skr_darcy6400", 1e-8), ("skr_darcy10000", 1e-8), ("skr_helmholtz10000", 1e-7), ("darcy_perturbed10000", 1e-8),
            ("helmholtz_indefinite10000", 1e-7)]
subset = list(range(0, 100, 10))


def subset_settings(name):
    """--set overrides that restrict a family to `subset` (zip mode for Helmholtz's k)."""
    if name == "darcy_perturbed10000":
        return [f'sweep.parameters."pde.coefficient.grf.perturbation_seed"={[1 + i for i in subset]}']
    if name == "helmholtz_indefinite10000":
        return [f'sweep.parameters."pde.parameters.k"={[10 + i / 99 for i in subset]}']
    out = [f'sweep.parameters."pde.coefficient.grf.seed"={subset}']
    if "helmholtz" in name:
        out.append(f'sweep.parameters."pde.parameters.k"={[i / 99 for i in subset]}')
    return out


def case_key(name, row):
    """The family index of a sweep.csv row (its seed), to match cases across runs."""
    if name == "darcy_perturbed10000":
        return int(float(row["pde.coefficient.grf.perturbation_seed"])) - 1
    if name == "helmholtz_indefinite10000":
        return round((float(row["pde.parameters.k"]) - 10) * 99)
    return int(float(row["pde.coefficient.grf.seed"]))


def sweep(name, label, settings, restrict=False):
    out = f"bench/work/recycling/{name}_{label}"
    shutil.rmtree(out, ignore_errors=True)
    args = [binary, "sweep", f"bench/problems/{name}.toml", "--jobs", "1", "-o", out, "--set", "sweep.chain_length=100"]
    for s in settings + (subset_settings(name) + ["sweep.order=given"] if restrict else []):
        args += ["--set", s]
    t = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
    extra = 0
    for r in rows:  # the k products per case that re-derive C = A U (GCRO-DR) or A W (recycling CG), and the start's
        record = open(os.path.join(out, r["folder"], "run.toml")).read()
        extra += sum(int(v) for _, v in re.findall(r"(gcrodr_recycle_products|rcg_deflation_products|initial_guess_products) = (\d+)", record))
    per_case = {case_key(name, r): (int(r["iterations"]), float(r["setup_seconds"]) + float(r["solve_seconds"])) for r in rows}
    sub = [per_case[i] for i in subset if i in per_case]
    its = sum(v[0] for v in per_case.values())
    print(json.dumps({"tool": "pdekit", "version": "pdekit 0.1.0", "case": f"{name}_{label}", "cases": len(rows),
                      "ok": sum(r["status"] == "ok" for r in rows), "iterations": its, "products": its + extra,
                      "solver_s": sum(v[1] for v in per_case.values()), "subset_cases": len(sub),
                      "subset_iterations": sum(v[0] for v in sub), "subset_solver_s": sum(v[1] for v in sub),
                      "seconds": elapsed}), flush=True)


spd = ["skr_darcy6400", "skr_darcy10000", "skr_helmholtz10000", "darcy_perturbed10000"]
for name, tol in datasets:
    if only and name not in only:
        continue
    if name in spd:
        for pc in ["none", "jacobi", "ssor", "ic0"]:
            sweep(name, f"gmres40_{pc}", ["solver.method=gmres", "solver.gmres.restart=40", f"solver.preconditioner={pc}"], restrict=True)
            sweep(name, f"gcrodr_{pc}", ["solver.method=gcrodr", f"solver.preconditioner={pc}"])
        if name == "skr_darcy10000":  # SKR's sorting ablation: Darcy, SOR, n = 10^4
            sweep(name, "gcrodr_ssor_unsorted", ["solver.method=gcrodr", "solver.preconditioner=ssor", "sweep.order=given"])
        sweep(name, "gcrodr_amg", ["solver.method=gcrodr", "solver.preconditioner=amg", "solver.amg.reuse=none"])
        sweep(name, "cg_ic0", ["solver.method=cg", "solver.preconditioner=ic0"])
        sweep(name, "rcg_ic0", ["solver.method=rcg", "solver.preconditioner=ic0"])
        sweep(name, "cg_amg_rebuilt", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=none"])
        sweep(name, "cg_amg_reused", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=hierarchy"])
        sweep(name, "direct", ["solver.method=direct"])
        # Each case started from the previous case's solution (`initial_guess = "previous"`).
        sweep(name, "gcrodr_ic0_previous", ["solver.method=gcrodr", "solver.preconditioner=ic0", "solver.initial_guess=previous"])
        sweep(name, "cg_amg_rebuilt_previous", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=none",
                                                "solver.initial_guess=previous"])
        # The projection start: recycling without it, and the strong baselines with it.
        sweep(name, "gcrodr_ic0_zero", ["solver.method=gcrodr", "solver.preconditioner=ic0", "solver.initial_guess=zero"])
        sweep(name, "rcg_ic0_zero", ["solver.method=rcg", "solver.preconditioner=ic0", "solver.initial_guess=zero"])
        sweep(name, "rcg_amg_reused", ["solver.method=rcg", "solver.preconditioner=amg", "solver.amg.reuse=hierarchy"])
        sweep(name, "cg_ic0_projection", ["solver.method=cg", "solver.preconditioner=ic0", "solver.initial_guess=projection"])
        sweep(name, "cg_amg_rebuilt_projection", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=none",
                                                  "solver.initial_guess=projection"])
        sweep(name, "cg_amg_reused_projection", ["solver.method=cg", "solver.preconditioner=amg", "solver.amg.reuse=hierarchy",
                                                 "solver.initial_guess=projection"])
    else:
        # Indefinite: CG breaks down. GMRES(40) without a preconditioner does not reach 1e-7 in
        # 10^5 iterations (50 s) on case 0, so it runs on the first case only, capped at 2 10^4.
        sweep(name, "gmres40_none", ["solver.method=gmres", "solver.gmres.restart=40", "solver.preconditioner=none",
                                     "solver.max_iterations=20000", 'sweep.parameters."pde.parameters.k"=[10.0]'])
        sweep(name, "gmres40_ssor", ["solver.method=gmres", "solver.gmres.restart=40", "solver.preconditioner=ssor"], restrict=True)
        for pc in ["none", "jacobi", "ssor"]:
            sweep(name, f"gcrodr_{pc}", ["solver.method=gcrodr", f"solver.preconditioner={pc}"])
        sweep(name, "gmres40_amg_rebuilt", ["solver.method=gmres", "solver.gmres.restart=40", "solver.preconditioner=amg", "solver.amg.reuse=none"])
        sweep(name, "gcrodr_amg", ["solver.method=gcrodr", "solver.preconditioner=amg", "solver.amg.reuse=none"])
        sweep(name, "lu", ["solver.method=lu"])
        sweep(name, "gcrodr_none_previous", ["solver.method=gcrodr", "solver.preconditioner=none", "solver.initial_guess=previous"])
        sweep(name, "gcrodr_ssor_previous", ["solver.method=gcrodr", "solver.preconditioner=ssor", "solver.initial_guess=previous"])
        sweep(name, "gmres40_amg_rebuilt_previous", ["solver.method=gmres", "solver.gmres.restart=40", "solver.preconditioner=amg",
                                                     "solver.amg.reuse=none", "solver.initial_guess=previous"])
        sweep(name, "gcrodr_none_zero", ["solver.method=gcrodr", "solver.preconditioner=none", "solver.initial_guess=zero"])
        sweep(name, "gmres40_amg_rebuilt_projection", ["solver.method=gmres", "solver.gmres.restart=40", "solver.preconditioner=amg",
                                                       "solver.amg.reuse=none", "solver.initial_guess=projection"])
    # SciPy's recycling method on the same systems, in pdekit's order.
    export = f"bench/work/recycling/{name}_systems"
    shutil.rmtree(export, ignore_errors=True)
    subprocess.run([bench_binary, "export-sweep", "--problem", f"bench/problems/{name}.toml", "--out", export], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for pc in ["none", "jacobi"]:
        subprocess.run([sys.executable, "bench/peers/recycling.py", "--dir", export, "--tol", str(tol), "--label", name, "--precond", pc], check=True)
    shutil.rmtree(export, ignore_errors=True)
