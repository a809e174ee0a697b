#!/usr/bin/env bash
# `make test-slurm`: a sweep on a real (one-node) Slurm cluster. Brings the cluster up
# (slurm/local_cluster.sh), runs a 12-case Darcy sweep as `sbatch --array=0-3` of
# slurm/sweep_array.sbatch, and checks that the merged sweep.csv has the rows of the same sweep
# run locally, timings and the worker bookkeeping aside, and that the solutions are the same
# bits. Then `srun -n 1 pdekit run` of a method = "petsc" problem, and `srun -n 2` of it: one
# system over the two tasks, whose solution.npy must agree with the one-task solve to the
# solver's tolerance. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PDEKIT_BIN:-$(swift build --show-bin-path)}
WORK=$(mktemp -d /tmp/pdekit-slurm-test.XXXXXX)
trap 'slurm/local_cluster.sh stop; rm -rf "$WORK"' EXIT
slurm/local_cluster.sh start
export SLURM_CONF=${SLURM_HOME:-/tmp/pdekit-slurm}/slurm.conf

cat > "$WORK/darcy.toml" <<TOML
[problem]
name = "darcy"
kind = "pde"
[pde]
grid = [63, 63]
rhs = 1
coefficient = { grf = { alpha = 2, tau = 3, seed = 0, transform = "exp" } }
[solver]
method = "cg"
preconditioner = "gmg"
[output]
stack = true
[sweep.parameters]
"pde.coefficient.grf.seed" = { linear = [0, 11], count = 12, integer = true }
TOML
"$BIN/pdekit" sweep "$WORK/darcy.toml" -o "$WORK/local" --jobs 2 > /dev/null 2>&1
job=$(sbatch --parsable --wait --chdir="$WORK" --output="$WORK/slurm-%A_%a.out" \
  --export=ALL,PROBLEM="$WORK/darcy.toml",OUT="$WORK/cluster",PDEKIT="$BIN/pdekit" slurm/sweep_array.sbatch) || {
  echo "test-slurm: the array job failed"; cat "$WORK"/slurm-*.out; exit 1; }
echo "test-slurm: job array $job finished"
ls "$WORK/cluster"/sweep-shard-*-of-4.csv > /dev/null
python3 - "$WORK/local" "$WORK/cluster" <<'PY'
import csv, sys, numpy as np
local, cluster = sys.argv[1], sys.argv[2]
skip = {"assemble_seconds", "setup_seconds", "solve_seconds", "wall_seconds", "previous_case"}
def rows(d):
    r = list(csv.DictReader(open(d + "/sweep.csv")))
    return [{k: v for k, v in x.items() if k not in skip} for x in r]
a, b = rows(local), rows(cluster)
assert len(a) == len(b) == 12, (len(a), len(b))
# Chains are cut from the case order, but a shard boundary starts a new chain: iteration counts
# of cases after a boundary may differ within the tolerance; everything else must be equal.
for x, y in zip(a, b):
    for k in x:
        if k in ("iterations", "relative_residual"):
            continue
        assert x[k] == y[k], (x["case"], k, x[k], y[k])
    assert float(y["relative_residual"]) <= 1e-8, y
u, v = np.load(local + "/stack_solutions.npy"), np.load(cluster + "/stack_solutions.npy")
assert u.shape == v.shape == (12, 63, 63)
# Both solve to rtol 1e-8; κ of this operator is below 1e4 (contrast ~ 50 times 63² Poisson's ~1.7e3 / ...),
# so 1e-4 of the solution's size bounds any difference that the tolerance allows.
assert np.abs(u - v).max() <= 1e-4 * np.abs(u).max(), np.abs(u - v).max()
print("test-slurm: merged sweep.csv matches the local sweep; largest solution difference %.1e" % np.abs(u - v).max())
PY

cat > "$WORK/petsc.toml" <<TOML
[problem]
name = "petsc"
kind = "pde"
[pde]
grid = [63, 63]
rhs = 1
[solver]
method = "petsc"
[solver.petsc]
ksp_type = "cg"
pc_type = "gamg"
TOML
srun -n 1 --chdir="$WORK" "$BIN/pdekit" run petsc.toml -o one
grep -q 'reason = "converged_rtol"' "$WORK/one/run.toml"
srun -n 2 --chdir="$WORK" "$BIN/pdekit" run petsc.toml -o two
grep -q 'ranks = 2' "$WORK/two/run.toml"
grep -q 'reason = "converged_rtol"' "$WORK/two/run.toml"
# Each solve is within kappa * rtol of the discrete solution (kappa = (8/h^2)/(2 pi^2) ~ 1.7e3 for
# a 63^2 grid, h = 1/64; rtol 1e-8 by default), so the two within 2 kappa rtol of each other.
python3 - "$WORK" <<'PY'
import sys, numpy as np
one, two = (np.load(f"{sys.argv[1]}/{d}/solution.npy") for d in ("one", "two"))
assert one.shape == two.shape, (one.shape, two.shape)
error = np.linalg.norm(two - one) / np.linalg.norm(one)
assert error < 2 * 1.7e3 * 1e-8, error
print(f"test-slurm: srun -n 2 agrees with srun -n 1 to {error:.1e}")
PY
echo "test-slurm: srun -n 1 and srun -n 2 of method = petsc converged"
echo "test-slurm: passed"
