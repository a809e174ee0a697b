#!/usr/bin/env python3
"""A run's wall time as a user sees it, against the solve pdekit reports (issue 28).

For each case, `pdekit run` is timed from process start to exit (the median of ROUNDS runs,
alternating between cases so that the machine's drift hits all alike), and its run.toml gives
the phases: assemble, setup, solve, write. The ratio wall / (setup + solve) is the figure the
targets name. NumPy evaluating the same right-hand side and exact solution on the same grid is
timed in the same run, the yardstick for assembly.

Usage: python3 bench/end_to_end_bench.py PDEKIT > bench/work/end_to_end_pdekit.jsonl
"""
import json
import os
import statistics
import subprocess
import sys
import time
import tomllib

import numpy as np

ROUNDS = int(os.environ.get("E2E_ROUNDS", "7"))
WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "end_to_end")
RHS = "(2 + pi^2*x*(1 - x))*sin(pi*y)"
EXACT = "x*(1 - x)*sin(pi*y)"
RHS3 = "3*pi^2*sin(pi*x)*sin(pi*y)*sin(pi*z)"
EXACT3 = "sin(pi*x)*sin(pi*y)*sin(pi*z)"


def problem(name, grid, solver, rhs=RHS, exact=EXACT):
    return f"""[problem]
name = "{name}"
kind = "pde"

[pde]
grid = {grid}
rhs = "{rhs}"
exact = "{exact}"

[pde.boundary]
all = {{ type = "dirichlet", value = 0 }}

[solver]
{solver}
"""


CASES = {
    # name: (grid, [solver] body, target of wall / (setup + solve))
    "cg_gmg_1023": ([1023, 1023], 'method = "cg"\npreconditioner = "gmg"\noperator = "stencil"\nrtol = 1e-8', 1.5),
    "cg_gmg_1023_assembled": ([1023, 1023], 'method = "cg"\npreconditioner = "gmg"\noperator = "assembled"\nrtol = 1e-8', 1.5),
    "fft_1023": ([1023, 1023], 'method = "fft"', 3.0),
    "cg_amg_1024": ([1024, 1024], 'method = "cg"\npreconditioner = "amg"\nrtol = 1e-8', 1.5),
    "cg_gmg_127cubed": ([127, 127, 127], 'method = "cg"\npreconditioner = "gmg"\noperator = "stencil"\nrtol = 1e-8', 1.5),
    # The first case again with the ParaView file: what a derived output adds to the run.
    "cg_gmg_1023_vtk": ([1023, 1023], 'method = "cg"\npreconditioner = "gmg"\noperator = "stencil"\nrtol = 1e-8', 1.5),
}
FLAGS = {"cg_gmg_1023_vtk": ["--vtk"]}


def numpy_seconds(grid, rhs, exact):
    """NumPy evaluating the right-hand side and the exact solution at the unknowns: the median of 5."""
    axes = [np.linspace(0, 1, n + 2)[1:-1] for n in grid]
    mesh = np.meshgrid(*axes, indexing="ij")
    pi, sin = np.pi, np.sin
    env = {"pi": pi, "sin": sin, "x": mesh[0], "y": mesh[1], "z": mesh[2] if len(mesh) > 2 else 0}
    f_src, u_src = rhs.replace("^", "**"), exact.replace("^", "**")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        eval(f_src, {}, env)
        eval(u_src, {}, env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    pdekit = sys.argv[1]
    os.makedirs(WORK, exist_ok=True)
    files = {}
    for name, (grid, solver, _) in CASES.items():
        three = len(grid) == 3
        path = os.path.join(WORK, f"{name}.toml")
        with open(path, "w") as f:
            f.write(problem(name, grid, solver, RHS3 if three else RHS, EXACT3 if three else EXACT))
        files[name] = path
    runs = {name: [] for name in CASES}
    for r in range(ROUNDS):
        for name, path in files.items():
            out = os.path.join(WORK, f"out_{name}_{r}")
            t0 = time.perf_counter()
            subprocess.run([pdekit, "run", path, "-o", out, "--quiet", *FLAGS.get(name, [])], check=True)
            wall = time.perf_counter() - t0
            with open(os.path.join(out, "run.toml"), "rb") as f:
                result = tomllib.load(f)["result"]
            runs[name].append({"wall": wall, **{k: result[f"{k}_seconds"] for k in ("assemble", "setup", "solve", "write")},
                               "iterations": result["iterations"]})
    version = subprocess.run([pdekit, "--version"], capture_output=True, text=True).stdout.strip()
    for name, (grid, _, target) in CASES.items():
        med = {k: statistics.median(run[k] for run in runs[name]) for k in ("wall", "assemble", "setup", "solve", "write")}
        ratios = [run["wall"] / (run["setup"] + run["solve"]) for run in runs[name]]
        three = len(grid) == 3
        print(json.dumps({
            "suite": "end_to_end", "case": name, "tool": "pdekit", "version": version, "grid": grid, "rounds": ROUNDS,
            "iterations": runs[name][0]["iterations"],
            **{f"{k}_seconds": v for k, v in med.items()},
            "wall_over_setup_solve": statistics.median(ratios), "target": target,
            "numpy_rhs_exact_seconds": numpy_seconds(grid, RHS3 if three else RHS, EXACT3 if three else EXACT),
            "numpy_version": np.__version__,
        }), flush=True)


if __name__ == "__main__":
    main()
