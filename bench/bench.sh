#!/usr/bin/env bash
# `make bench`: pdekit and its peers on the same problems in one run; results in
# bench/results/*.csv and the README's performance table (bench/report.py).
# BENCH_N (default 1024) sets the Poisson size; BENCH_QUICK=1 skips SciPy's 70-second CG.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_N:-1024}
BIN=$(swift build -c release --show-bin-path)
export PETSC_DIR=$(ls -d /usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real 2>/dev/null || ls -d /usr/lib/petscdir/*/x86_64-linux-gnu-real | head -1)
mkdir -p bench/work bench/results
rm -f bench/work/*.jsonl
say() { echo "[bench] $*" >&2; }
for n in "$N" 1023 1000; do
  python3 -c "import numpy as np; np.save('bench/work/rhs$n.npy', np.random.default_rng(0).standard_normal($n*$n))"
done
python3 -c "import numpy as np; np.save('bench/work/ones$N.npy', np.ones($N*$N))"

say "core: pdekit (N = $N)"
"$BIN/pdekit-bench" core --rhs "bench/work/rhs$N.npy" --n "$N" > bench/work/core_pdekit.jsonl
say "core: pdekit on one thread (PETSc's sequential setting)"
PDEKIT_NUM_THREADS=1 "$BIN/pdekit-bench" core --rhs "bench/work/rhs$N.npy" --n "$N" --only copy,spmv,pcg_jacobi,pcg_ic0 --suffix _1thread > bench/work/core_pdekit_1thread.jsonl
say "core: PETSc (Debian's PETSc calls the threaded OpenBLAS for its vector operations)"
/usr/bin/python3 bench/peers/core.py --tool petsc --rhs "bench/work/rhs$N.npy" --n "$N" > bench/work/core_petsc.jsonl
say "core: PETSc on one thread (OPENBLAS_NUM_THREADS=1)"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/core.py --tool petsc --rhs "bench/work/rhs$N.npy" --n "$N" \
  --cases pcg_jacobi,pcg_icc --suffix _1thread > bench/work/core_petsc_1thread.jsonl
say "core: SciPy"
python3 bench/peers/core.py --tool scipy --rhs "bench/work/rhs$N.npy" --n "$N" ${BENCH_QUICK:+--skip-slow} > bench/work/core_scipy.jsonl

# Three alternating rounds: the solves take ~10–60 ms and the machine's noise is ±20 %.
for round in 1 2 3; do
  for n in 1023 1000; do
    say "spectral: N = $n, round $round"
    "$BIN/pdekit-bench" spectral --rhs "bench/work/rhs$n.npy" --n "$n" --repeats 11 >> bench/work/spectral_pdekit.jsonl
    python3 bench/peers/spectral.py --rhs "bench/work/rhs$n.npy" --n "$n" --repeats 11 >> bench/work/spectral_scipy.jsonl
  done
done
say "darcy: N = $N"
"$BIN/pdekit-bench" darcy --rhs "bench/work/ones$N.npy" --n "$N" > bench/work/darcy_pdekit.jsonl

# Multigrid (issue 9): pdekit GMG against PETSc PCMG / BoomerAMG / GAMG and PyAMG, the same
# systems and right-hand sides. PCMG needs a DMDA whose N+1 intervals halve: 1023² and 95³.
mg() {  # mg LABEL PROBLEM N DIM RHS [extra pdekit-bench args] -- peer cases
  local label=$1 problem=$2 n=$3 dim=$4 rhs=$5; shift 5
  say "multigrid: $label"
  "$BIN/pdekit-bench" multigrid --rhs "$rhs" --n "$n" --dim "$dim" --label "$label" "$@" >> bench/work/multigrid_pdekit.jsonl
}
mgpeers() {  # mgpeers LABEL PROBLEM-ARGS... (petsc cases) (pyamg yes|no)
  local label=$1 petsc_cases=$2 pyamg=$3; shift 3
  /usr/bin/python3 bench/peers/multigrid.py --tool petsc --label "$label" --cases "$petsc_cases" "$@" >> bench/work/multigrid_petsc.jsonl
  if [ "$pyamg" = yes ]; then python3 bench/peers/multigrid.py --tool pyamg --label "$label" "$@" >> bench/work/multigrid_pyamg.jsonl; fi
}
python3 -c "import numpy as np; np.save('bench/work/rhs100_3d.npy', np.random.default_rng(0).standard_normal(100**3)); np.save('bench/work/rhs95_3d.npy', np.random.default_rng(0).standard_normal(95**3))"
mg poisson2d_n1023 poisson2d 1023 2 bench/work/rhs1023.npy
mgpeers poisson2d_n1023 pcmg_sor,pcmg_chebyshev,boomeramg no --problem poisson2d --n 1023 --rhs bench/work/rhs1023.npy
mg poisson2d_n$N poisson2d "$N" 2 "bench/work/rhs$N.npy"
mgpeers "poisson2d_n$N" boomeramg,gamg yes --problem poisson2d --n "$N" --rhs "bench/work/rhs$N.npy"
mg poisson3d_n100 poisson3d 100 3 bench/work/rhs100_3d.npy
mgpeers poisson3d_n100 boomeramg,gamg yes --problem poisson3d --n 100 --rhs bench/work/rhs100_3d.npy
mg poisson3d_n95 poisson3d 95 3 bench/work/rhs95_3d.npy
mgpeers poisson3d_n95 pcmg_sor,pcmg_chebyshev,boomeramg no --problem poisson3d --n 95 --rhs bench/work/rhs95_3d.npy
mg "darcy2d_n$N" darcy "$N" 2 "bench/work/ones$N.npy" --coefficient grf --export-matrix bench/work/darcy.mtx --export-rhs bench/work/darcy_rhs.npy
mgpeers "darcy2d_n$N" boomeramg,gamg yes --problem matrix --matrix bench/work/darcy.mtx --rhs bench/work/darcy_rhs.npy
say "multigrid: finite-element matrices by scikit-fem"
python3 bench/peers/fem_matrices.py bench/work
"$BIN/pdekit-bench" multigrid --matrix bench/work/fem_poisson.mtx --rhs bench/work/fem_poisson_rhs.npy --label fem_poisson >> bench/work/multigrid_pdekit.jsonl
mgpeers fem_poisson boomeramg,gamg yes --problem matrix --matrix bench/work/fem_poisson.mtx --rhs bench/work/fem_poisson_rhs.npy
"$BIN/pdekit-bench" multigrid --matrix bench/work/fem_elasticity.mtx --rhs bench/work/fem_elasticity_rhs.npy \
  --nullspace bench/work/fem_elasticity_modes.npy --block-size 2 --label fem_elasticity >> bench/work/multigrid_pdekit.jsonl
/usr/bin/python3 bench/peers/multigrid.py --tool petsc --label fem_elasticity --cases boomeramg,gamg --problem matrix \
  --matrix bench/work/fem_elasticity.mtx --rhs bench/work/fem_elasticity_rhs.npy >> bench/work/multigrid_petsc.jsonl
python3 bench/peers/multigrid.py --tool pyamg --label fem_elasticity --cases pyamg_sa --problem matrix --matrix bench/work/fem_elasticity.mtx \
  --rhs bench/work/fem_elasticity_rhs.npy --nullspace bench/work/fem_elasticity_modes.npy --block-size 2 >> bench/work/multigrid_pyamg.jsonl

say "recycling: SKR Table 1 in shape (GCRO-DR vs GMRES(40)) and the strong baselines, five families of 100 systems"
python3 bench/recycling_bench.py "$BIN/pdekit" "$BIN/pdekit-bench" > bench/work/recycling_pdekit.jsonl
say "recycling: the cost of one GCRO-DR and one recycled-CG iteration against GMRES(m) and PCG, n = 10^4 and 10^6"
"$BIN/pdekit-bench" krylov-iteration > bench/work/recycling_iteration_pdekit.jsonl

say "tensor: Chebyshev–Tucker vs TensorLy's Tucker of 128³ and 256³ grid tensors"
mkdir -p bench/work/tensor
python3 bench/tensor_bench.py "$BIN/pdekit" > bench/work/tensor_pdekit.jsonl

say "gp: exact Kronecker GP log likelihood + gradient, 256² and 512², vs NumPy (same algorithm) and GPyTorch"
python3 -c "import numpy as np; rng = np.random.default_rng(0); [np.save(f'bench/work/gp{n}.npy', rng.standard_normal((n, n))) for n in (256, 512)]"
for N in 256 512; do
  for round in 1 2 3; do   # alternating rounds: the medians are taken across them
    "$BIN/pdekit-bench" gp --data "bench/work/gp$N.npy" --repeats 5 --label "gp_loglik_n$N" >> bench/work/gp_pdekit.jsonl
    python3 bench/peers/gp.py --tool numpy --data "bench/work/gp$N.npy" --repeats 5 --label "gp_loglik_n$N" >> bench/work/gp_numpy.jsonl
  done
  python3 bench/peers/gp.py --tool gpytorch --data "bench/work/gp$N.npy" --repeats 3 --label "gp_loglik_n$N" >> bench/work/gp_gpytorch.jsonl
done

say "gp-ski: scattered-point GP (KISS-GP) vs GPyTorch, likelihood + gradient at 10^4..10^6 points, training at 10^4"
python3 bench/gp_scattered_bench.py "$BIN/pdekit" "$BIN/pdekit-bench" > bench/work/gp_ski.jsonl

say "gp-pde: GP-HM's Poisson 1D / Allen-Cahn 1D / Poisson 2D rows (sin(100x), 400 points per axis)"
python3 bench/gp_pde_bench.py "$BIN/pdekit" > bench/work/gp_pde_pdekit.jsonl

say "rb: thermal block 2 x 2, weak greedy to 16 vectors over 4^4 parameters, vs pyMOR (same training and test parameters)"
python3 -c "import numpy as np; np.savetxt('bench/work/rb_test.csv', np.random.default_rng(20).uniform(0.1, 1, (20, 4)), delimiter=',', fmt='%.17g')"
"$BIN/pdekit-bench" rb --m 227 --size 16 --test bench/work/rb_test.csv > bench/work/rb_pdekit.jsonl
"$BIN/pdekit-bench" rb --m 319 --size 16 --test bench/work/rb_test.csv --suffix _n1e5 | grep '"rb_thermalblock_n1e5"' > bench/work/rb_pdekit_n1e5.jsonl
python3 bench/peers/rb.py --size 16 --test bench/work/rb_test.csv > bench/work/rb_pymor.jsonl 2> bench/work/rb_pymor.log
# pdekit's method on pyMOR's greedy path (the two greedies break ties between mirror-image
# parameters differently): errors per basis size on the same snapshots.
"$BIN/pdekit-bench" rb --m 227 --size 16 --test bench/work/rb_test.csv --path-from bench/work/rb_pymor.jsonl --suffix _pymorpath | grep '_N[0-9]*_pymorpath' > bench/work/rb_pdekit_pymorpath.jsonl
say "rb: many-query sweep over the saved reduced model (10^4 parameters, --jobs 2; with and without case folders)"
"$BIN/pdekit" run problems/thermal_block.toml -o bench/work/rb_model --quiet
python3 - "$BIN/pdekit" > bench/work/rb_sweep_pdekit.jsonl <<'PY'
import json, shutil, subprocess, sys, time
binary = sys.argv[1]
out = {"tool": "pdekit", "version": "pdekit 0.1.0", "case": "rb_online_sweep"}
for label, folders, samples in (("lean", "false", 10000), ("folders", "true", 2000)):
    shutil.rmtree(f"bench/work/rb_sweep_{label}", ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([binary, "sweep", "problems/thermal_block_online_sweep.toml", "-o", f"bench/work/rb_sweep_{label}", "--jobs", "2",
                    "--set", 'reduced_model.model="../bench/work/rb_model"', "--set", f"output.case_folders={folders}",
                    "--set", f"sweep.samples={samples}"], check=True, capture_output=True)
    out[f"cases_per_s_{label}"] = samples / (time.perf_counter() - t)
print(json.dumps(out))
PY
say "rb: nonintrusive EIM of inclusion families on 100 x 100 (PEERS.md's reference figures)"
"$BIN/pdekit-bench" rb-eim > bench/work/rb_eim_pdekit.jsonl

say "rb: pde families through nonintrusive EIM (inclusion 99 x 99, 1D boundary-value problem), online sweep"
python3 bench/rb_pde_bench.py "$BIN/pdekit" > bench/work/rb_pde_pdekit.jsonl

say "sweep: 200 Darcy cases, --jobs 1 and 2; 20 CHOLMOD cases carrying the analysis"
python3 bench/sweep_bench.py "$BIN/pdekit" > bench/work/sweep_pdekit.jsonl

say "dataset: FNO's Darcy set at 65, 241 and 421 nodes, pdekit vs SciPy, PyAMG and PETSc loops"
python3 bench/dataset_bench.py "$BIN/pdekit" > bench/work/dataset_pdekit.jsonl
say "petsc: method = petsc vs petsc4py, 4096² and 256³, one process and two ranks (about 40 minutes)"
python3 bench/petsc_bench.py "$BIN/pdekit" > bench/work/petsc_pdekit.jsonl

say "end to end: the wall time of whole runs against their setup + solve, and assembly against NumPy"
python3 bench/end_to_end_bench.py "$BIN/pdekit" > bench/work/end_to_end_pdekit.jsonl

python3 bench/report.py bench/work/*.jsonl
