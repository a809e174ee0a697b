"""pyMOR's thermal block (2 x 2 blocks, P1 finite elements, diameter 1/160: 51,521 unknowns),
the peer of `pdekit-bench rb`: weak greedy with the coercive RB reductor over the 4^4 uniform
training set in [0.1, 1]^4 to --size basis vectors (as `pymordemos.thermalblock 2 2 4 16`
does), then on the parameters of --test (CSV, one per line) the largest relative error for
every basis size (H1-seminorm, the energy norm at mu = 1, and L2) and the online time against
the full solve. Prints JSON lines.
"""
import argparse, json, statistics, time
import numpy as np
import pymor
from pymor.basic import (thermal_block_problem, discretize_stationary_cg, CoerciveRBReductor, rb_greedy,
                         ExpressionParameterFunctional)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--test", required=True)
    a = p.parse_args()
    problem = thermal_block_problem((2, 2))
    fom, _ = discretize_stationary_cg(problem, diameter=1 / 160)
    version = f"pyMOR {pymor.__version__}"
    training = problem.parameter_space.sample_uniformly(4)
    t = time.perf_counter()
    reductor = CoerciveRBReductor(fom, product=fom.h1_0_semi_product,
                                  coercivity_estimator=ExpressionParameterFunctional("min(diffusion)", fom.parameters))
    greedy = rb_greedy(fom, reductor, training, max_extensions=a.size)
    offline = time.perf_counter() - t
    tests = [fom.parameters.parse(list(map(float, line.split(",")))) for line in open(a.test) if line.strip()]
    truths, full = [], []
    for mu in tests:
        t = time.perf_counter(); truths.append(fom.solve(mu)); full.append(time.perf_counter() - t)
    h1, l2 = fom.h1_0_semi_norm, fom.l2_norm
    n_basis = len(reductor.bases["RB"])
    for n in range(1, n_basis + 1):
        rom = reductor.reduce(n)
        we, wl = 0.0, 0.0
        for mu, u in zip(tests, truths):
            e = u - reductor.reconstruct(rom.solve(mu))
            we = max(we, (h1(e) / h1(u))[0]); wl = max(wl, (l2(e) / l2(u))[0])
        print(json.dumps({"tool": "pymor", "version": version, "case": f"rb_thermalblock_N{n}", "n": fom.solution_space.dim,
                          "basis": n, "max_energy_error": we, "max_l2_error": wl}))
    rom = greedy["rom"]
    times = []
    for _ in range(5):
        t = time.perf_counter()
        for mu in tests:
            rom.solve(mu)
        times.append((time.perf_counter() - t) / len(tests))
    # The greedy's parameters in order (pdekit-bench rb --path-from rebuilds its basis from them).
    path = [[float(v) for v in mu["diffusion"]] for mu in greedy["max_err_mus"]]
    print(json.dumps({"tool": "pymor", "version": version, "case": "rb_thermalblock", "n": fom.solution_space.dim, "basis": n_basis,
                      "offline_s": offline, "online_s": statistics.median(times), "full_solve_s": statistics.median(full), "path": path}))


if __name__ == "__main__":
    main()
