"""``load``: any pdekit output — a run folder, a sweep folder, a dataset.h5 file, an NPY file —
into NumPy arrays (plain dicts) or, with xarray, an ``xarray.Dataset``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any, Iterator

import numpy as np

from . import reduced, tensor
from .errors import PdekitFormatError
from .files import (check_manifest, parse_csv, parse_toml, read_csv, read_npy, read_npy_folder,
                    read_record)

AXES = ("x", "y", "z")
DATASET_LAYOUT = "pdekit-dataset-1"

#: Arrays a run folder of each problem kind always holds (docs/outputs.md, docs/reduced-basis.md,
#: docs/gaussian-processes.md, docs/tensor.md); a kind not listed requires nothing.
REQUIRED_ARRAYS = {
    "pde": ("solution",),
    "linear_system": ("solution",),
    "gp_pde": ("solution",),
    "gp_regression": ("mean",),
    "reduced_model": ("solution", "coefficients"),
    "tensor": ("core", "factor_1"),
    "reduced_basis": reduced.ARRAYS,
}

#: The NPY stacks of a sweep folder (docs/outputs.md, "Datasets for learning"), by the name
#: their field has in a run folder and in dataset.h5.
STACKS = {"stack_solutions": "solution", "stack_coefficients": "coefficient", "stack_rhs": "rhs",
          "stack_parameters": "parameters", "stack_cases": "cases"}


def _want_xarray(choice: bool | None):
    """The xarray module when the caller wants a Dataset, else None."""
    if choice is False:
        return None
    try:
        import xarray
    except ImportError:
        if choice:
            raise ImportError("load(..., xarray=True) needs the xarray package: pip install xarray "
                              "(or pass xarray=False for plain dicts of NumPy arrays)") from None
        return None
    return xarray


def load(path: str | os.PathLike, xarray: bool | None = None):
    """Load what pdekit wrote at ``path``; which kind of output it is is detected.

    ``xarray``: None (default) gives an ``xarray.Dataset`` when xarray is installed and a dict
    otherwise; True requires xarray; False always gives the dict. An NPY file is always an
    ndarray. Never writes to ``path``. Missing or damaged content raises ``PdekitFormatError``
    naming the file; a path that does not exist, ``FileNotFoundError``.

    **Run folder** (``run.toml`` or ``run.json``), dict keys:

    - ``"kind"``: ``"run"``; ``"problem_kind"``: ``[problem] kind`` (``"pde"``, ``"tensor"``, …);
      ``"path"``: the folder;
    - ``"record"``: run.toml (or run.json) as a nested dict;
    - ``"arrays"``: every ``*.npy`` of the folder by name without ``.npy`` (ndarray);
    - ``"solution"``, ``"coefficient"``, ``"rhs"``: those arrays, or None. The solution is
      shaped like the grid, ``solution[i, j, k] = u(x_i, y_j, z_k)``; the coefficient holds the
      nodes (one more per Dirichlet side along each axis);
    - ``"coords"``: ``{"x": (n_1,), "y": …}`` the unknowns' coordinates from x.npy …;
    - ``"node_coords"``: ``{"x": (m_1,), …}`` the coefficient's node coordinates, derived from
      run.toml's ``[pde] grid``, ``domain`` and ``[pde.boundary]`` by the rule of docs/outputs.md
      ("Re-assembling the operator": along an axis with n unknowns the nodes are lower + k·h,
      k = 0 … m − 1, m = n plus one per Dirichlet side, h = (upper − lower)/(m − 1); periodic:
      m = n, h = L/n). The derivation is accepted only when its non-Dirichlet nodes reproduce
      x.npy … and its lengths ``coefficient.npy``'s shape; otherwise (another boundary type, a
      record without ``[pde]``) the dict is empty and the node axes have no coordinates;
    - ``"history"``: history.csv as ``{column: (rows,) array}``, or None without one;
    - ``"model"``: for a tensor run the ``tensor.ChebyshevTucker`` or ``tensor.Tucker``, for a
      reduced_basis run the ``reduced.ReducedModel`` (checksums verified), else None.

    As a Dataset: ``solution`` (and ``rhs``, any array of the grid's shape) with dims
    ("x", "y"[, "z"]) and those coordinates; ``coefficient`` with dims ("x_node", …) and the node
    coordinates when derived; GP predictions on ("predict_x", …); a tensor's core on
    ("rank_1", …) and factor_k on ("row_k", "rank_k"); a reduced model's basis on ("basis", "x",
    "y"), its terms on ("operator_term", "basis", "basis_column") and ("load_term", "basis"); a
    reduced_model run's solution on ("x", "y") without coordinates (its record does not hold the
    grid) and coefficients on ("basis",); other arrays ``NAME_dim_i``; the history
    as ``history_COLUMN`` variables along its first column's dimension ("iteration" for solver
    histories); ``attrs`` the record flattened to dotted keys ("result.reason", …) plus
    ``pdekit_path``. The model is not part of the Dataset: use ``tensor``/``reduced``'s
    ``from_folder``.

    **Sweep folder** (``sweep.csv``), dict keys: ``"kind"`` (``"sweep"``), ``"path"``,
    ``"table"`` (sweep.csv's columns: ``case`` int64, numeric columns float64 with NaN for
    empty cells, ``status``/``reason``/``folder``/``error`` and other text columns str; rows
    in the file's order, which is the order cases finished), ``"parameter_names"`` (the
    parameter columns, between ``case`` and ``status``), ``"stacks"`` (``{"solution": (k, n_1, …),
    "coefficient", "rhs", "parameters" (k, p), "cases" (k,)}`` from stack_*.npy, the k converged
    cases; empty without stacks), ``"dataset"`` (the dataset.h5 dict below, or None), ``"cases"``
    (a lazy mapping case index → ``load`` of its case folder, in the same form as this call;
    ``load_case`` does the same for one case), ``"manifest"`` (``.pdekit-output`` parsed, or None). As a Dataset: every table column along a
    ``case`` dimension (sorted by case), and the fields of dataset.h5 — else of the stacks, NaN
    where a case is missing — as ``solution`` ("case", "x", "y"), ``coefficient``
    ("case", "x_node", …), ``rhs``, ``parameters`` ("case", "parameter").

    **Dataset file** (``dataset.h5``, layout ``pdekit-dataset-1``, needs h5py), dict keys:
    ``"kind"`` (``"dataset"``), ``"path"``, ``"arrays"`` (every dataset: numbers as stored,
    strings as str arrays), ``"attrs"`` (the root attributes), ``"parameter_names"`` (the
    ``names`` attribute of ``parameters``), ``"solution"``, ``"coefficient"``, ``"rhs"``,
    ``"parameters"``, ``"status"`` (or None), ``"coords"`` / ``"node_coords"`` (from
    ``x-coordinate`` / ``x-node-coordinate`` …), ``"record"`` (the ``run_record`` attribute
    parsed: case 0's run.toml) and ``"table"`` (the ``sweep_table`` attribute parsed as sweep.csv).
    As a Dataset: the per-case datasets along ``case``, fields on the axes above, ``attrs`` the
    root attributes.
    """
    path = os.fspath(path)
    xr = _want_xarray(xarray)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "no such file or folder", path)
    if os.path.isfile(path):
        name = os.path.basename(path)
        if name.endswith(".npy"):
            return read_npy(path)
        if name.endswith((".h5", ".hdf5")):
            return _finish(read_dataset(path), xr)
        if name in ("run.toml", "run.json", "sweep.csv"):
            return load(os.path.dirname(os.path.abspath(path)), xarray=xarray)
        raise PdekitFormatError(path, "is not a pdekit output: expected a run or sweep folder, an .npy file, a dataset.h5 file, "
                                      "run.toml, run.json or sweep.csv")
    entries = os.listdir(path)
    if "sweep.csv" in entries:
        return _finish(read_sweep(path, xarray=xr is not None), xr)
    if "run.toml" in entries or "run.json" in entries:
        return _finish(read_run(path), xr)
    if any(e.startswith("sweep-shard-") and e.endswith(".csv") for e in entries):
        raise PdekitFormatError(path, "holds the tables of a sharded sweep but no sweep.csv: join them with `pdekit merge` first")
    if ".tmp-" in os.path.basename(path):
        raise PdekitFormatError(path, "is pdekit's staging folder of a run or case that did not finish (no run.toml)")
    raise PdekitFormatError(path, "is not a pdekit output folder: it has neither run.toml/run.json (a run) nor sweep.csv (a sweep)")


def _finish(result: dict, xr):
    """The dict, or its Dataset when xarray is wanted."""
    if xr is None:
        return result
    from . import xarray_form
    return xarray_form.to_dataset(xr, result)


def node_coordinates(record: dict, coords: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The coefficient's node coordinates per axis of a ``pde`` run, or {} when they cannot be
    derived reliably (see ``load``'s docstring for the rule and the checks)."""
    pde = record.get("pde")
    if not isinstance(pde, dict):
        return {}
    grid, domain, boundary = pde.get("grid"), pde.get("domain"), pde.get("boundary", {})
    if (not isinstance(grid, list) or not 1 <= len(grid) <= 3 or not isinstance(domain, list)
            or len(domain) != len(grid) or not isinstance(boundary, dict)):
        return {}
    # The resolved record names every side; "all" and Dirichlet are the defaults of a problem file.
    default = boundary.get("all", {}).get("type", "dirichlet") if isinstance(boundary.get("all"), dict) else "dirichlet"
    nodes = {}
    for k, axis in enumerate(AXES[:len(grid)]):
        n, (lower, upper) = int(grid[k]), (float(domain[k][0]), float(domain[k][1]))
        sides = [boundary.get(f"{axis}_{side}", {}) for side in ("min", "max")]
        types = [side.get("type", default) if isinstance(side, dict) else None for side in sides]
        if types == ["periodic", "periodic"]:
            count, spacing, first = n, (upper - lower) / n, 0
        elif all(t in ("dirichlet", "neumann") for t in types):
            dirichlet = [t == "dirichlet" for t in types]
            count = n + sum(dirichlet)
            spacing, first = (upper - lower) / (count - 1), int(dirichlet[0])
        else:
            return {}
        axis_nodes = lower + spacing * np.arange(count, dtype=np.float64)
        unknowns = axis_nodes[first:first + n]
        if axis in coords:
            scale = max(abs(lower), abs(upper), upper - lower)
            if coords[axis].shape != unknowns.shape or not np.allclose(unknowns, coords[axis], rtol=0, atol=1e-12 * scale):
                return {}
        nodes[axis] = axis_nodes
    return nodes


def read_run(folder: str) -> dict[str, Any]:
    """A run folder as the dict ``load`` describes."""
    record, record_path = read_record(folder)
    check_manifest(folder, "run")
    problem = record.get("problem")
    problem_kind = problem.get("kind") if isinstance(problem, dict) else None
    arrays = read_npy_folder(folder)
    missing = [f"{name}.npy" for name in REQUIRED_ARRAYS.get(problem_kind, ()) if name not in arrays]
    if missing:
        raise PdekitFormatError(folder, f"misses {', '.join(missing)}, which every {problem_kind} run folder holds")
    coords = {axis: arrays[axis] for axis in AXES if axis in arrays and arrays[axis].ndim == 1}
    recorded = record.get("coordinates", {})
    for axis, values in coords.items():
        if axis in recorded and not np.allclose(np.asarray(recorded[axis], dtype=np.float64), values, rtol=1e-12, atol=0):
            raise PdekitFormatError(os.path.join(folder, f"{axis}.npy"), f"differs from [coordinates] {axis} in {os.path.basename(record_path)}")
    solution = arrays.get("solution")
    if problem_kind == "pde" and coords and solution is not None:
        expected = tuple(coords[a].size for a in AXES[:len(coords)])
        if solution.shape != expected:
            raise PdekitFormatError(os.path.join(folder, "solution.npy"), f"has shape {solution.shape}; the coordinate files give {expected}")
    coefficient = arrays.get("coefficient")
    nodes = node_coordinates(record, coords) if problem_kind == "pde" else {}
    if coefficient is not None and nodes and coefficient.shape != tuple(nodes[a].size for a in AXES[:len(nodes)]):
        nodes = {}
    history_path = os.path.join(folder, "history.csv")
    return {
        "kind": "run",
        "problem_kind": problem_kind,
        "path": folder,
        "record": record,
        "arrays": arrays,
        "solution": solution,
        "coefficient": coefficient,
        "rhs": arrays.get("rhs"),
        "coords": coords,
        "node_coords": nodes,
        "history": read_csv(history_path) if os.path.isfile(history_path) else None,
        "model": _model(folder, problem_kind, record),
    }


def _model(folder: str, problem_kind: str | None, record: dict):
    """The evaluable object of a tensor or reduced_basis run folder, else None."""
    if problem_kind == "tensor":
        method = record.get("tensor", {}).get("method")
        return tensor.Tucker.from_folder(folder) if method == "tucker" else tensor.ChebyshevTucker.from_folder(folder)
    if problem_kind == "reduced_basis":
        return reduced.ReducedModel.from_folder(folder)
    return None


class CaseFolders(Mapping):
    """The case folders of a sweep, loaded on access: ``cases[i]`` is ``load`` of case i's folder.

    Keys are the case indices whose row names a folder (cases of a sweep with
    ``case_folders = false``, and failed cases, have none).
    """

    def __init__(self, folder: str, table: Mapping[str, np.ndarray], xarray: bool = False):
        self._root = folder
        self._xarray = xarray
        names = table.get("folder", np.array([], dtype=str))
        self._folders = {int(case): str(name) for case, name in zip(table["case"], names) if str(name)}

    def __getitem__(self, case: int):
        return load(os.path.join(self._root, self._folders[int(case)]), xarray=self._xarray)

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._folders))

    def __len__(self) -> int:
        return len(self._folders)


def _read_sweep_table(folder: str) -> dict[str, np.ndarray]:
    table = read_csv(os.path.join(folder, "sweep.csv"))
    if "case" in table and table["case"].size == 0:
        table["case"] = table["case"].astype(np.int64)   # a sweep with no finished case yet
    if "case" not in table or table["case"].dtype.kind != "i":
        raise PdekitFormatError(os.path.join(folder, "sweep.csv"), "has no column 'case' of whole numbers")
    return table


def read_sweep(folder: str, xarray: bool = False) -> dict[str, Any]:
    """A sweep folder as the dict ``load`` describes; its cases load as Datasets when ``xarray``."""
    manifest = check_manifest(folder, "sweep")
    table = _read_sweep_table(folder)
    header = list(table)
    parameter_names = header[1:header.index("status")] if "status" in header and header[0] == "case" else []
    stacks = {STACKS[name]: array for name, array in read_npy_folder(folder).items() if name in STACKS}
    if stacks:
        if "cases" not in stacks:
            raise PdekitFormatError(folder, "has stack_*.npy files but no stack_cases.npy to say which cases they hold")
        count = stacks["cases"].shape[0]
        wrong = [name for name, array in stacks.items() if array.ndim == 0 or array.shape[0] != count]
        if wrong:
            raise PdekitFormatError(folder, f"stack_{wrong[0]}.npy does not hold {count} cases as stack_cases.npy does")
    dataset = None
    h5_path = os.path.join(folder, "dataset.h5")
    if os.path.isfile(h5_path):
        try:
            dataset = read_dataset(h5_path)
        except ModuleNotFoundError:
            warnings.warn(f"{h5_path} is not read: h5py is not installed (pip install h5py)", stacklevel=3)
    return {
        "kind": "sweep",
        "path": folder,
        "table": table,
        "parameter_names": parameter_names,
        "stacks": stacks,
        "dataset": dataset,
        "cases": CaseFolders(folder, table, xarray=xarray),
        "manifest": manifest,
    }


def load_case(sweep_path: str | os.PathLike, case: int, xarray: bool | None = None):
    """``load`` of case ``case``'s folder in the sweep folder ``sweep_path``.

    KeyError when sweep.csv has no row for that case; ``PdekitFormatError`` when the row names
    no folder (``case_folders = false``, or a case that failed before writing one).
    """
    folder = os.fspath(sweep_path)
    table = _read_sweep_table(folder)
    rows = np.flatnonzero(table["case"] == int(case))
    if rows.size == 0:
        raise KeyError(f"{folder}/sweep.csv has no row for case {case}")
    name = str(table["folder"][rows[-1]]) if "folder" in table else ""
    if not name:
        raise PdekitFormatError(folder, f"case {case} has no folder (a sweep with case_folders = false, or a failed case): "
                                        "its arrays are in the stacks or dataset.h5")
    return load(os.path.join(folder, name), xarray=xarray)


def _attribute(value):
    """An HDF5 attribute as a Python value: str for strings, lists of str for string arrays."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "OSU":
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_dataset(path: str) -> dict[str, Any]:
    """A dataset.h5 file (docs/datasets.md) as the dict ``load`` describes. Needs h5py."""
    try:
        import h5py
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"reading {path} needs h5py: pip install h5py", name=error.name) from None
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise PdekitFormatError(path, f"is not a readable HDF5 file ({error})") from None
    with handle:
        attrs = {key: _attribute(value) for key, value in handle.attrs.items()}
        if attrs.get("layout") != DATASET_LAYOUT:
            raise PdekitFormatError(path, f"has layout {attrs.get('layout')!r}, not {DATASET_LAYOUT!r}: not a pdekit dataset file")
        arrays = {}
        for name, item in handle.items():
            if not isinstance(item, h5py.Dataset):
                continue
            if h5py.check_string_dtype(item.dtype) is not None:
                arrays[name] = np.array(item.asstr()[()], dtype=str)
            else:
                arrays[name] = item[()]
        names = handle["parameters"].attrs.get("names") if "parameters" in handle else None
    missing = [name for name in ("solution", "case", "status") if name not in arrays]
    if missing:
        raise PdekitFormatError(path, f"misses the dataset(s) {', '.join(missing)} of layout {DATASET_LAYOUT}")
    count = arrays["case"].shape[0]
    per_case = ("solution", "coefficient", "rhs", "parameters", "status", "reason", "error", "iterations", "relative_residual")
    wrong = [name for name in per_case if name in arrays and (arrays[name].ndim == 0 or arrays[name].shape[0] != count)]
    if wrong:
        raise PdekitFormatError(path, f"dataset {wrong[0]} does not hold {count} cases as 'case' does")
    record_text, table_text = attrs.get("run_record"), attrs.get("sweep_table")
    return {
        "kind": "dataset",
        "path": path,
        "arrays": arrays,
        "attrs": attrs,
        "parameter_names": _attribute(names) if names is not None else [],
        "solution": arrays["solution"],
        "coefficient": arrays.get("coefficient"),
        "rhs": arrays.get("rhs"),
        "parameters": arrays.get("parameters"),
        "status": arrays["status"],
        "coords": {a: arrays[f"{a}-coordinate"] for a in AXES if f"{a}-coordinate" in arrays},
        "node_coords": {a: arrays[f"{a}-node-coordinate"] for a in AXES if f"{a}-node-coordinate" in arrays},
        "record": parse_toml(record_text, f"{path} (attribute run_record)") if isinstance(record_text, str) and record_text.strip() else None,
        "table": parse_csv(table_text, f"{path} (attribute sweep_table)") if isinstance(table_text, str) and table_text.strip() else None,
    }
