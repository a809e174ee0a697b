"""The ``xarray.Dataset`` forms of ``load``'s dicts (``loading.load`` documents the layout).

xarray is optional: this module only receives the module object ``load`` imported, and is
imported only when a Dataset is wanted.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .errors import PdekitFormatError
from .files import flatten
from .loading import AXES, load_case


#: Dimensions of a reduced model's arrays (docs/reduced-basis.md) and of a reduced_model run's
#: coefficients: one "basis" dimension of N, the terms, the test parameters.
_REDUCED_DIMENSIONS = {
    "rb_operators": ("operator_term", "basis", "basis_column"),
    "rb_loads": ("load_term", "basis"),
    "coefficients": ("basis",),
    "test_parameters": ("test", "parameter"),
    "test_errors": ("test",),
    "test_bounds": ("test",),
    "test_model_errors": ("test",),
    "test_eim_errors": ("test",),
}


class _Dimensions:
    """Dimension names with their sizes, so that no two variables give one name two sizes."""

    def __init__(self):
        self.sizes: dict[str, int] = {}

    def name(self, proposed: Sequence[str], shape: Sequence[int], fallback: str) -> tuple[str, ...]:
        """``proposed`` when its sizes fit ``shape`` and earlier variables, else ``fallback_dim_i``."""
        if len(proposed) == len(shape) and all(self.sizes.get(d, s) == s for d, s in zip(proposed, shape)):
            dims = tuple(proposed)
        else:
            dims = tuple(f"{fallback}_dim_{i}" for i in range(len(shape)))
        for d, s in zip(dims, shape):
            self.sizes[d] = s
        return dims


def _coordinates(axes: Mapping[str, np.ndarray], suffix: str, dimensions: _Dimensions) -> dict[str, tuple]:
    coords = {}
    for axis, values in axes.items():
        name = axis + suffix
        dimensions.sizes[name] = values.size
        coords[name] = ((name,), values)
    return coords


def _run_dataset(xr, run: Mapping[str, Any]):
    dimensions = _Dimensions()
    arrays = run["arrays"]
    coords = _coordinates(run["coords"], "", dimensions)
    coords.update(_coordinates(run["node_coords"], "_node", dimensions))
    predict = {a: arrays[f"predict_{a}"] for a in AXES if f"predict_{a}" in arrays and arrays[f"predict_{a}"].ndim == 1}
    coords.update(_coordinates({f"predict_{a}": v for a, v in predict.items()}, "", dimensions))
    coordinate_files = set(run["coords"]) | {f"predict_{a}" for a in predict}
    grid_axes = tuple(AXES[:len(run["coords"])])
    predict_axes = tuple(f"predict_{a}" for a in AXES[:len(predict)])
    data_vars = {}
    for name, array in arrays.items():
        if name in coordinate_files:
            continue
        if run["problem_kind"] == "tensor" and name == "core":
            proposed = tuple(f"rank_{k + 1}" for k in range(array.ndim))
        elif run["problem_kind"] == "tensor" and name.startswith("factor_"):
            k = name[len("factor_"):]
            proposed = (f"row_{k}", f"rank_{k}")
        elif name == "coefficient":
            proposed = tuple(f"{a}_node" for a in AXES[:array.ndim])
        elif name in _REDUCED_DIMENSIONS:
            proposed = _REDUCED_DIMENSIONS[name]
        elif name == "rb_basis":
            proposed = ("basis",) + AXES[:array.ndim - 1]
        elif name.startswith("predict_") and predict_axes:
            proposed = predict_axes
        elif grid_axes:
            proposed = grid_axes
        elif name in ("solution", "rhs") and run["problem_kind"] != "linear_system":
            proposed = AXES[:array.ndim]
        else:
            proposed = ()
        data_vars[name] = (dimensions.name(proposed, array.shape, name), array)
    history = run["history"]
    if history:
        first = next(iter(history))
        coords[first] = ((first,), history[first])
        for column, values in history.items():
            if column != first:
                data_vars[f"history_{column}"] = ((first,), values)
    attrs = flatten(run["record"])
    attrs["pdekit_path"] = run["path"]
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _case_fields(fields: Mapping[str, np.ndarray], field_cases: np.ndarray, cases: np.ndarray, path: str) -> dict[str, np.ndarray]:
    """Per-case arrays of the cases ``field_cases`` spread over all ``cases``, NaN where one is missing."""
    position = {int(c): i for i, c in enumerate(cases)}
    try:
        rows = [position[int(c)] for c in field_cases]
    except KeyError as error:
        raise PdekitFormatError(path, f"its arrays hold case {error.args[0]}, which sweep.csv has no row for") from None
    spread = {}
    for name, values in fields.items():
        full = np.full((cases.size,) + values.shape[1:], np.nan)
        full[rows] = values
        spread[name] = full
    return spread


def _field_variables(fields: Mapping[str, np.ndarray], parameter_names: Sequence[str], dimensions: _Dimensions) -> dict:
    variables = {}
    for name, values in fields.items():
        if name == "parameters":
            proposed = ("case", "parameter")
        elif name == "coefficient":
            proposed = ("case",) + tuple(f"{a}_node" for a in AXES[:values.ndim - 1])
        else:
            proposed = ("case",) + AXES[:values.ndim - 1]
        variables[name] = (dimensions.name(proposed, values.shape, name), values)
    if "parameters" in fields and len(parameter_names) == fields["parameters"].shape[1]:
        variables["parameter"] = (("parameter",), np.array(parameter_names, dtype=str))
    return variables


def _sweep_dataset(xr, sweep: Mapping[str, Any]):
    table = sweep["table"]
    order = np.argsort(table["case"], kind="stable")
    cases = table["case"][order]
    dimensions = _Dimensions()
    dimensions.sizes["case"] = cases.size
    data_vars = {name: (("case",), column[order]) for name, column in table.items() if name != "case"}
    coords: dict[str, tuple] = {"case": (("case",), cases)}
    dataset = sweep["dataset"]
    attrs: dict[str, Any] = {"pdekit_path": sweep["path"]}
    if dataset is not None:
        fields = {name: dataset[name] for name in ("solution", "coefficient", "rhs", "parameters") if dataset[name] is not None}
        field_cases, axes, nodes = dataset["arrays"]["case"], dataset["coords"], dataset["node_coords"]
        names = dataset["parameter_names"]
        attrs.update(dataset["attrs"])
    else:
        stacks = sweep["stacks"]
        fields = {name: values for name, values in stacks.items() if name != "cases"}
        field_cases = stacks.get("cases", np.array([], dtype=np.int64))
        names = sweep["parameter_names"]
        # The stacks carry no coordinates; a case folder does (every case has the same grid).
        first = next(iter(sweep["cases"]), None)
        case = load_case(sweep["path"], first, xarray=False) if first is not None else None
        axes = case["coords"] if case is not None and case["kind"] == "run" else {}
        nodes = case["node_coords"] if case is not None and case["kind"] == "run" else {}
    coords.update(_coordinates(axes, "", dimensions))
    coords.update(_coordinates(nodes, "_node", dimensions))
    variables = _field_variables(_case_fields(fields, field_cases, cases, sweep["path"]), names, dimensions)
    if "parameter" in variables:
        coords["parameter"] = variables.pop("parameter")
    data_vars.update(variables)
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _file_dataset(xr, dataset: Mapping[str, Any]):
    arrays = dataset["arrays"]
    cases = arrays["case"]
    dimensions = _Dimensions()
    dimensions.sizes["case"] = cases.size
    coords: dict[str, tuple] = {"case": (("case",), cases)}
    coords.update(_coordinates(dataset["coords"], "", dimensions))
    coords.update(_coordinates(dataset["node_coords"], "_node", dimensions))
    coordinate_sets = {f"{a}-coordinate" for a in AXES} | {f"{a}-node-coordinate" for a in AXES} | {"case"}
    fields = {name: values for name, values in arrays.items()
              if name in ("solution", "coefficient", "rhs", "parameters")}
    data_vars = _field_variables(fields, dataset["parameter_names"], dimensions)
    if "parameter" in data_vars:
        coords["parameter"] = data_vars.pop("parameter")
    for name, values in arrays.items():
        if name in coordinate_sets or name in fields:
            continue
        proposed = ("case",) if values.ndim == 1 and values.shape[0] == cases.size else ()
        data_vars[name] = (dimensions.name(proposed, values.shape, name), values)
    attrs = dict(dataset["attrs"])
    attrs["pdekit_path"] = dataset["path"]
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def to_dataset(xr, result: Mapping[str, Any]):
    """The Dataset of a dict from ``loading`` (its ``"kind"`` says which)."""
    builders = {"run": _run_dataset, "sweep": _sweep_dataset, "dataset": _file_dataset}
    return builders[result["kind"]](xr, result)

