#!/usr/bin/env bash
# Installs the benchmark peers when missing (idempotent; runs as root or through sudo):
#   - PETSc 3.18 (with hypre) through Debian's python3-petsc4py, used with Debian's
#     /usr/bin/python3 (plus python3-numpy / python3-scipy for that interpreter);
#   - PyAMG, TensorLy, pyMOR and scikit-fem from PyPI for the project's `python3`.
# Prints what it installed (or that nothing was missing).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-peers: need root or sudo" >&2; exit 1; }
  SUDO=sudo
fi

installed=()

apt_need=()
for p in python3-petsc4py python3-numpy python3-scipy; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    apt_need+=("$p")
  fi
done
if [ ${#apt_need[@]} -gt 0 ]; then
  echo "install-peers: apt-get install ${apt_need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >&2
  installed+=("${apt_need[@]/#/apt:}")
fi

pip_need=()
for m in pyamg:pyamg tensorly:tensorly pymor:pymor skfem:scikit-fem; do
  if ! python3 -c "import ${m%%:*}" >/dev/null 2>&1; then
    pip_need+=("${m##*:}")
  fi
done
if [ ${#pip_need[@]} -gt 0 ]; then
  echo "install-peers: python3 -m pip install ${pip_need[*]}" >&2
  python3 -m pip install -q "${pip_need[@]}"
  installed+=("${pip_need[@]/#/pip:}")
fi

if [ ${#installed[@]} -gt 0 ]; then
  echo "install-peers: installed ${installed[*]}"
else
  echo "install-peers: nothing to install (all peers present)"
fi
