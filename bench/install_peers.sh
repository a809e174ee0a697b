#!/usr/bin/env bash
# Installs the benchmark peers when missing (idempotent; root or sudo):
#   PETSc 3.18 with hypre through Debian's python3-petsc4py (used with /usr/bin/python3),
#   PyAMG, TensorLy, pyMOR, scikit-fem and GPyTorch (with CPU torch) from PyPI for the project's python3.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=()
for p in python3-petsc4py python3-numpy python3-scipy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install_peers: apt-get install ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
pip_need=()
for m in pyamg:pyamg tensorly:tensorly pymor:pymor skfem:scikit-fem gpytorch:gpytorch; do
  python3 -c "import ${m%%:*}" 2>/dev/null || pip_need+=("${m##*:}")
done
if [ ${#pip_need[@]} -gt 0 ]; then
  echo "install_peers: pip install ${pip_need[*]}" >&2
  python3 -m pip install -q "${pip_need[@]}"
fi
