"""Fixtures made by the pdekit CLI itself, through ``pdekit.run``, once per test process in one
temporary folder (removed at exit). Every problem is shrunk so that a run takes well under a
second: the whole suite stays within about a minute of CPU on two cores.

The executable comes from the environment variable PDEKIT; without it the tests fail (they do
not skip): a suite that skipped everything would say nothing about the package.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import sys
import tempfile
import unittest
from typing import Mapping

import numpy as np

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPOSITORY = os.path.dirname(PACKAGE_ROOT)
PROBLEMS = os.path.join(REPOSITORY, "problems")

# The tests exercise this source tree, whatever else is installed.
if PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)

import pdekit  # noqa: E402  (after the path is set)

PDEKIT_MISSING = ("the environment variable PDEKIT is not set: these tests make their fixtures with the pdekit CLI; "
                  "run them as PDEKIT=/path/to/pdekit python3 -m unittest discover -s tests (e.g. PDEKIT=../.build/release/pdekit)")


def has_module(name: str) -> bool:
    """Whether an optional dependency (xarray, h5py) is importable."""
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def problem(name: str) -> str:
    return os.path.join(PROBLEMS, name)


@functools.lru_cache(maxsize=None)
def workdir() -> str:
    root = tempfile.mkdtemp(prefix="pdekit-python-tests-")
    atexit.register(shutil.rmtree, root, True)
    return root


def scratch(name: str) -> str:
    """A fresh folder path under the work folder (not created)."""
    return tempfile.mkdtemp(prefix=name + "-", dir=workdir())


class PdekitTestCase(unittest.TestCase):
    """A test that needs the pdekit executable: fails at once, with the reason, without PDEKIT."""

    def setUp(self):
        if not os.environ.get("PDEKIT"):
            self.fail(PDEKIT_MISSING)


def snapshot(folder: str) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` (hidden ones too) with its modification time and SHA-256."""
    state = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                state[os.path.relpath(path, folder)] = (os.stat(path).st_mtime_ns, hashlib.sha256(handle.read()).hexdigest())
    return state


def _output(name: str) -> str:
    return os.path.join(workdir(), name)


@functools.lru_cache(maxsize=None)
def poisson2d() -> str:
    """poisson2d.toml on 15 × 11 unknowns (CG + IC(0): a history of several rows)."""
    pdekit.run(problem("poisson2d.toml"), set={"pde.grid": [15, 11]}, output=_output("poisson2d"), xarray=False)
    return _output("poisson2d")


@functools.lru_cache(maxsize=None)
def darcy() -> str:
    """darcy2d.toml on 9 × 7 unknowns with a random right-hand side: coefficient.npy and rhs.npy."""
    pdekit.run(problem("darcy2d.toml"),
               set={"pde.grid": [9, 7], "pde.rhs": {"grf": {"alpha": 2, "tau": 3, "seed": 1}}},
               output=_output("darcy"), xarray=False)
    return _output("darcy")


#: Problems whose coefficient "1 + x + 2*y" is written at the nodes, one per boundary rule.
NODE_RULE_PROBLEMS = {"neumann2d.toml": [6, 5], "periodic2d.toml": [6, 5], "poisson3d.toml": [5, 4, 3], "poisson1d.toml": [7]}


@functools.lru_cache(maxsize=None)
def coefficient_run(name: str) -> str:
    """``name`` with a varying coefficient: checks the node-coordinate rule on its boundaries."""
    grid = NODE_RULE_PROBLEMS[name]
    coefficient = "1 + x + 2*y" if len(grid) > 1 else "1 + x"
    output = _output("coefficient-" + name[:-5])
    pdekit.run(problem(name), set={"pde.grid": grid, "pde.coefficient": coefficient, "solver.method": "cg",
                                   "solver.preconditioner": "none"}, output=output, xarray=False)
    return output


@functools.lru_cache(maxsize=None)
def darcy_sweep() -> str:
    """darcy_sweep.toml: 3 seeds × 2 scales on 15 × 15, with case folders, stacks and dataset.h5."""
    pdekit.run(problem("darcy_sweep.toml"), sweep=True,
               set={"pde.grid": [15, 15],
                    'sweep.parameters."pde.coefficient.grf.seed"': {"linear": [0, 2], "count": 3, "integer": True},
                    "output.stack": True, "output.hdf5": True},
               output=_output("darcy_sweep"), xarray=False)
    return _output("darcy_sweep")


@functools.lru_cache(maxsize=None)
def stacked_sweep() -> str:
    """darcy_sweep.toml: 2 seeds on 9 × 9 with case folders and stacks, without dataset.h5."""
    pdekit.run(problem("darcy_sweep.toml"), sweep=True,
               set={"pde.grid": [9, 9], "sweep.parameters": {"pde.coefficient.grf.seed": [4, 5]}, "output.stack": True},
               output=_output("stacked_sweep"), xarray=False)
    return _output("stacked_sweep")


@functools.lru_cache(maxsize=None)
def fno_dataset() -> str:
    """fno_darcy_dataset.toml: 4 samples on 15 × 15, no case folders (spool → stacks and dataset.h5)."""
    pdekit.run(problem("fno_darcy_dataset.toml"), sweep=True,
               set={"pde.grid": [15, 15],
                    'sweep.parameters."pde.coefficient.grf.seed"': {"linear": [0, 3], "count": 4, "integer": True}},
               output=_output("fno_dataset"), xarray=False)
    return _output("fno_dataset")


@functools.lru_cache(maxsize=None)
def runge3d() -> str:
    """tensor_runge3d.toml as it is: 1/(1 + 25|x|²) on [−1, 1]³ at ε = 1e-6 (0.1–0.3 s)."""
    pdekit.run(problem("tensor_runge3d.toml"), output=_output("runge3d"), xarray=False)
    return _output("runge3d")


#: Functions on boxes where every axis differs, in 1 to 4 variables (x, y, z, w): a wrong axis
#: order, box mapping or core index order cannot pass, as it could with the Runge function,
#: which is symmetric in its axes and its box. Each: pdekit's expression, the box, NumPy's f.
ASYMMETRIC_TENSORS = {
    1: ("1/(1.2 - x)", [[-1.0, 1.0]], lambda x: 1 / (1.2 - x[:, 0])),
    2: ("cos(3*x - y)/(2 + y)", [[-1.0, 2.0], [0.5, 1.5]], lambda x: np.cos(3 * x[:, 0] - x[:, 1]) / (2 + x[:, 1])),
    3: ("exp(x)*sin(2*y + 0.3) + z^3*x + x*y*z", [[0.0, 1.0], [-2.0, 3.0], [1.0, 1.5]],
        lambda x: np.exp(x[:, 0]) * np.sin(2 * x[:, 1] + 0.3) + x[:, 2] ** 3 * x[:, 0] + x[:, 0] * x[:, 1] * x[:, 2]),
    4: ("exp(0.5*x - w)*cos(y + 2*z*w) + x*y", [[0.0, 1.0], [-1.0, 0.5], [0.25, 1.25], [-0.5, 0.5]],
        lambda x: np.exp(0.5 * x[:, 0] - x[:, 3]) * np.cos(x[:, 1] + 2 * x[:, 2] * x[:, 3]) + x[:, 0] * x[:, 1]),
}


@functools.lru_cache(maxsize=None)
def asymmetric_tensor(dimension: int) -> str:
    function, box, _ = ASYMMETRIC_TENSORS[dimension]
    output = _output(f"tensor-{dimension}d")
    pdekit.run(problem("tensor_runge3d.toml"), set={"tensor.function": function, "tensor.box": box}, output=output, xarray=False)
    return output


@functools.lru_cache(maxsize=None)
def tucker() -> str:
    """The Runge function on a 24³ uniform grid, ST-HOSVD (``method = "tucker"``)."""
    pdekit.run(problem("tensor_runge3d.toml"), set={"tensor.method": "tucker", "tensor.grid": 24},
               output=_output("tucker"), xarray=False)
    return _output("tucker")


@functools.lru_cache(maxsize=None)
def thermal_block() -> str:
    """thermal_block.toml on 31 × 31 unknowns (grid + 1 divisible by 4), 3 test parameters."""
    pdekit.run(problem("thermal_block.toml"), set={"reduced_basis.grid": 31, "reduced_basis.test.samples": 3},
               output=_output("thermal_block"), xarray=False)
    return _output("thermal_block")


#: Online parameters for the thermal block: the example's, one near a corner of the box, one in
#: the middle. None is a training parameter: there the snapshot is in the basis and the bound is
#: rounding (1e-13), which two LAPACKs cannot agree on to 1e-10.
ONLINE_PARAMETERS = [[0.3, 0.9, 0.5, 0.15], [0.12, 0.95, 0.88, 0.105], [0.77, 0.23, 0.61, 0.42]]


@functools.lru_cache(maxsize=None)
def thermal_block_online() -> str:
    """pdekit's own online stage: a zip sweep of thermal_block_online.toml over ONLINE_PARAMETERS."""
    columns = list(zip(*ONLINE_PARAMETERS))
    # Inner keys are quoted by to_toml_literal (they hold dots): {"reduced_model.parameters.mu1" = [...], ...}.
    parameters = {f"reduced_model.parameters.mu{q + 1}": list(columns[q]) for q in range(4)}
    pdekit.run(problem("thermal_block_online.toml"), sweep=True,
               set={"reduced_model.model": thermal_block(), "sweep.mode": "zip", "sweep.parameters": parameters},
               output=_output("thermal_block_online"), xarray=False)
    return _output("thermal_block_online")


@functools.lru_cache(maxsize=None)
def bvp1d() -> str:
    """rb_bvp1d.toml (a pde family, affine through EIM) on 99 points with 20 training parameters."""
    pdekit.run(problem("rb_bvp1d.toml"), set={"reduced_basis.pde.grid": [99], "reduced_basis.training.samples": 20,
                                              "reduced_basis.test.samples": 3},
               output=_output("bvp1d"), xarray=False)
    return _output("bvp1d")


@functools.lru_cache(maxsize=None)
def rb_matrices() -> str:
    """rb_matrices.toml: a matrices family (SciPy-written members of a 99-unknown family)."""
    pdekit.run(problem("rb_matrices.toml"), output=_output("rb_matrices"), xarray=False)
    return _output("rb_matrices")


#: Members of that family's test listing (problems/data/rb_family/test.csv) for the online solve:
#: index, μ. The last, "perturbed", is test member 0 with every stored value scaled by
#: 1 + 0.2 sin(k): not a member of the family, so θ takes the affine model away from the
#: training members and the error bound is well above rounding (at a member it is ~1e-10, where
#: two BLAS do not agree on its digits).
MATRIX_MEMBERS = [(0, 0.5003818664186679), (1, 1.588855203878302), ("perturbed", 0.5003818664186679)]


def matrix_member_files(member) -> tuple[str, str]:
    """The matrix and rhs files of a MATRIX_MEMBERS entry (the perturbed one written once)."""
    data = os.path.join(PROBLEMS, "data", "rb_family")
    if member != "perturbed":
        return os.path.join(data, f"test_a{member}.mtx"), os.path.join(data, f"test_f{member}.npy")
    path = os.path.join(workdir(), "perturbed_a0.mtx")
    if not os.path.exists(path):
        with open(os.path.join(data, "test_a0.mtx")) as handle:
            lines = handle.read().splitlines()
        body = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("%")][1:]
        for k, i in enumerate(body):
            row, column, value = lines[i].split()
            lines[i] = f"{row} {column} {float(value) * (1 + 0.2 * np.sin(k)):.17e}"
        with open(path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
    return path, os.path.join(data, "test_f0.npy")


@functools.lru_cache(maxsize=None)
def rb_matrices_online(member) -> str:
    """pdekit's own online stage of that model at a MATRIX_MEMBERS entry (its matrix and rhs files)."""
    mu = dict(MATRIX_MEMBERS)[member]
    matrix, rhs = matrix_member_files(member)
    folder = scratch("rb_matrices_online")
    path = os.path.join(folder, "online.toml")
    with open(path, "w") as handle:
        handle.write('[problem]\nkind = "reduced_model"\nname = "online"\n[reduced_model]\n'
                     f'model = "{rb_matrices()}"\nparameters = {{ mu = {mu!r} }}\nmatrix = "{matrix}"\nrhs = "{rhs}"\n')
    pdekit.run(path, output=os.path.join(folder, "out"), xarray=False)
    return os.path.join(folder, "out")


#: A pde family that reaches every branch of the finite-volume rows: a domain other than the
#: unit square, a Dirichlet side with a nonzero value, a Neumann side with a nonzero flux, a
#: periodic axis, a reaction, and the parameters in every field.
MIXED_FAMILY = """[problem]
kind = "reduced_basis"
name = "mixed"
[reduced_basis]
family = "pde"
tolerance = 1e-3
max_size = 6
eim = { tolerance = 1e-10 }
test = { samples = 2, seed = 0 }
[reduced_basis.pde]
grid = [13, 10]
domain = [[0, 2], [-1, 1]]
coefficient = "exp(s*x*y) + 0.5"
rhs = "1 + k*x"
reaction = "k^2 + 0.1"
parameters = { s = 0.2, k = 1 }
[reduced_basis.pde.boundary]
x_min = { type = "dirichlet", value = "1 + y/2" }
x_max = { type = "neumann", value = "s*y" }
y_min = { type = "periodic" }
y_max = { type = "periodic" }
[reduced_basis.training]
mode = "random"
samples = 12
seed = 1
parameters = { s = { uniform = [0, 0.5] }, k = { uniform = [0.5, 2] } }
"""

#: Parameters of the online checks, none a training parameter (the bound is then not rounding).
PDE_ONLINE = {"bvp1d": [[0.37, 4.1], [-0.62, 13.3]], "mixed": [[0.11, 1.7], [0.43, 0.66]]}


@functools.lru_cache(maxsize=None)
def mixed_family() -> str:
    folder = scratch("mixed")
    path = os.path.join(folder, "mixed.toml")
    with open(path, "w") as handle:
        handle.write(MIXED_FAMILY)
    pdekit.run(path, output=_output("mixed"), xarray=False)
    return _output("mixed")


@functools.lru_cache(maxsize=None)
def pde_online(name: str) -> str:
    """pdekit's online stage of a pde-family model (bvp1d or mixed) over PDE_ONLINE[name]."""
    model = bvp1d() if name == "bvp1d" else mixed_family()
    names = ["s", "k"]
    folder = scratch(name + "_online")
    path = os.path.join(folder, "online.toml")
    with open(path, "w") as handle:
        handle.write('[problem]\nkind = "reduced_model"\nname = "online"\n[reduced_model]\n'
                     f'model = "{model}"\nparameters = {{ s = 0.1, k = 1 }}\n')
    columns = list(zip(*PDE_ONLINE[name]))
    pdekit.run(path, sweep=True, output=os.path.join(folder, "out"), xarray=False,
               set={"sweep.mode": "zip", "sweep.parameters": {f"reduced_model.parameters.{n}": list(columns[i]) for i, n in enumerate(names)}})
    return os.path.join(folder, "out")


def pde_truth(parameters: Mapping[str, float]) -> np.ndarray:
    """pdekit's own solution (kind = "pde", CHOLMOD) of MIXED_FAMILY's [reduced_basis.pde] table
    with ``parameters``: its system is the one FiniteVolumeRows rebuilds."""
    body = MIXED_FAMILY.split("[reduced_basis.pde]\n", 1)[1].split("[reduced_basis.training]", 1)[0]
    body = body.replace("[reduced_basis.pde.boundary]", "[pde.boundary]")
    values = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    body = "\n".join(f"parameters = {{ {values} }}" if line.startswith("parameters") else line for line in body.splitlines())
    folder = scratch("pde_truth")
    path = os.path.join(folder, "truth.toml")
    with open(path, "w") as handle:
        handle.write('[problem]\nkind = "pde"\nname = "truth"\n[pde]\n' + body + '\n[solver]\nmethod = "direct"\n')
    return pdekit.run(path, output=os.path.join(folder, "out"), xarray=False)["solution"]
