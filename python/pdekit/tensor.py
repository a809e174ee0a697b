"""Tensor outputs of ``kind = "tensor"`` runs (docs/tensor.md): the Chebyshev–Tucker format
(``method = "chebyshev_tucker"``) as a function you can evaluate and integrate, and the Tucker
decomposition of a uniform grid (``method = "tucker"``) as the grid tensor it compresses.

The Chebyshev–Tucker format, as pdekit writes it (``Sources/Tensor/ChebyshevTucker.swift``,
``Runner/TensorStudy.swift``) and as checked here against the exact function on asymmetric boxes:

* ``run.toml``'s ``[tensor] box = [[lo_1, hi_1], …, [lo_d, hi_d]]`` gives the d axes in order
  (1 ≤ d ≤ 4); axis k is the k-th coordinate of a point (x, y, z, w).
* ``core.npy`` is G, float64 of shape (r_1, …, r_d), C order: ``G[j_1, …, j_d]`` with index k
  along axis k.
* ``factor_k.npy`` (k = 1 … d, one-based in the file name) is C_k, shape (N_k + 1, r_k): row m,
  column j is the coefficient of T_m in the j-th factor function of axis k, so
  u_{k,j}(t) = Σ_{m=0}^{N_k} C_k[m, j] T_m(t), with T_m the Chebyshev polynomials of the first
  kind (T_0 = 1, T_1 = t, T_{m+1} = 2t T_m − T_{m−1}) and N_k the degree (``[result] degrees``).
* Each coordinate is mapped to [−1, 1] by t_k = (2 x_k − (lo_k + hi_k)) / (hi_k − lo_k).
* f(x) ≈ Σ_{j_1…j_d} G[j_1, …, j_d] Π_k u_{k, j_k}(t_k)   (no extra scaling or weights).
* ∫_box f = Σ_j G[j] Π_k w_{k, j_k} with w_{k,j} = (hi_k − lo_k)/2 · Σ_{m even} C_k[m, j] · 2/(1 − m²).
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
from numpy.polynomial import chebyshev

from .errors import PdekitFormatError
from .files import check_manifest, read_npy, read_record

#: Mapped coordinates may exceed ±1 by this much (a point on the box's face, after rounding).
_BOX_SLACK = 1e-10


def _tensor_table(folder: str, method: str) -> tuple[dict, dict, np.ndarray]:
    """The run record, its ``[tensor]`` table and the box (d × 2) of a tensor run folder."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise PdekitFormatError(folder, "is not a folder")
    record, record_path = read_record(folder)
    check_manifest(folder, "run")
    kind = record.get("problem", {}).get("kind")
    if kind != "tensor":
        raise PdekitFormatError(record_path, f"is the record of a kind = {kind!r} run, not of a kind = \"tensor\" run")
    table = record.get("tensor", {})
    if table.get("method") != method:
        other = {"chebyshev_tucker": "ChebyshevTucker", "tucker": "Tucker"}.get(table.get("method"), "neither class")
        raise PdekitFormatError(record_path, f"[tensor] method = {table.get('method')!r}, not {method!r}: read it with {other}")
    try:
        box = np.array(table["box"], dtype=np.float64)
    except (KeyError, ValueError, TypeError):
        raise PdekitFormatError(record_path, "has no [tensor] box of [lower, upper] pairs") from None
    if box.ndim != 2 or box.shape[1] != 2 or not 1 <= box.shape[0] <= 4 or not np.all(box[:, 0] < box[:, 1]):
        raise PdekitFormatError(record_path, f"[tensor] box = {table['box']!r} is not 1 to 4 intervals [lower, upper] with lower < upper")
    return record, table, box


def _read_core_and_factors(folder: str, d: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """core.npy and factor_1.npy … factor_d.npy, checked against each other."""
    core = read_npy(os.path.join(folder, "core.npy"))
    factors = [read_npy(os.path.join(folder, f"factor_{k}.npy")) for k in range(1, d + 1)]
    if core.ndim != d:
        raise PdekitFormatError(os.path.join(folder, "core.npy"), f"has {core.ndim} axes; the box has {d}")
    for k, factor in enumerate(factors):
        if factor.ndim != 2 or factor.shape[1] != core.shape[k]:
            raise PdekitFormatError(os.path.join(folder, f"factor_{k + 1}.npy"),
                                    f"has shape {factor.shape}; expected (rows, {core.shape[k]}) for core axis {k}")
    return core, factors


def _contract(core: np.ndarray, vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Σ_j G[j_1, …, j_d] Π_k V_k[p, j_k] for every p: the core contracted with one row per axis.

    ``vectors[k]`` is (m, r_k); the result has shape (m,). The first axis is folded into a
    matrix product (m × r_1 times r_1 × r_2⋯r_d), the others summed one at a time.
    """
    m = vectors[0].shape[0]
    partial = vectors[0] @ core.reshape(core.shape[0], -1)          # (m, r_2⋯r_d)
    for k in range(1, core.ndim):
        partial = partial.reshape(m, core.shape[k], -1)               # (m, r_k, r_{k+1}⋯r_d)
        partial = np.einsum("pjr,pj->pr", partial, vectors[k])
    return partial.reshape(m)


def _mode_products(core: np.ndarray, matrices: Sequence[np.ndarray]) -> np.ndarray:
    """G ×_1 M_1 ⋯ ×_d M_d with M_k of shape (n_k, r_k): the tensor of shape (n_1, …, n_d)."""
    result = core
    for k, matrix in enumerate(matrices):
        # tensordot puts the new axis last; moving it back keeps axis k at position k.
        result = np.moveaxis(np.tensordot(result, matrix, axes=([k], [1])), -1, k)
    return result


class ChebyshevTucker:
    """A function on a box in the Chebyshev–Tucker format (the module docstring gives the formula).

    Attributes: ``core`` (r_1, …, r_d); ``factors`` [C_1 … C_d], C_k of shape (N_k + 1, r_k);
    ``lower``, ``upper`` (d,) the box; ``record`` the run's ``run.toml`` (None when built directly).
    """

    def __init__(self, core: np.ndarray, factors: Sequence[np.ndarray], lower: Sequence[float], upper: Sequence[float],
                 record: dict | None = None):
        self.core = np.asarray(core, dtype=np.float64)
        self.factors = [np.asarray(f, dtype=np.float64) for f in factors]
        self.lower = np.asarray(lower, dtype=np.float64)
        self.upper = np.asarray(upper, dtype=np.float64)
        self.record = record
        d = self.core.ndim
        if len(self.factors) != d or self.lower.shape != (d,) or self.upper.shape != (d,):
            raise ValueError(f"a core of {d} axes needs {d} factors and a box of {d} intervals")
        for k, factor in enumerate(self.factors):
            if factor.ndim != 2 or factor.shape[1] != self.core.shape[k]:
                raise ValueError(f"factor {k + 1} has shape {factor.shape}; core axis {k} has rank {self.core.shape[k]}")

    @classmethod
    def from_folder(cls, path: str | os.PathLike) -> "ChebyshevTucker":
        """The format from a ``kind = "tensor"``, ``method = "chebyshev_tucker"`` run folder."""
        folder = os.fspath(path)
        record, _, box = _tensor_table(folder, "chebyshev_tucker")
        core, factors = _read_core_and_factors(folder, box.shape[0])
        return cls(core, factors, box[:, 0], box[:, 1], record=record)

    @property
    def dimension(self) -> int:
        return self.core.ndim

    @property
    def ranks(self) -> tuple[int, ...]:
        return self.core.shape

    @property
    def degrees(self) -> list[int]:
        """N_k per axis: the highest Chebyshev degree of each axis's factors."""
        return [f.shape[0] - 1 for f in self.factors]

    @property
    def storage(self) -> int:
        """Numbers stored (core and factors), as ``[result] storage``."""
        return self.core.size + sum(f.size for f in self.factors)

    def _factor_values(self, k: int, coordinates: np.ndarray) -> np.ndarray:
        """u_{k, j}(x) for every coordinate x along axis k and factor j: (len(coordinates), r_k)."""
        lo, hi = self.lower[k], self.upper[k]
        t = (2 * coordinates - (lo + hi)) / (hi - lo)
        if np.any(np.abs(t) > 1 + _BOX_SLACK):
            raise ValueError(f"a coordinate along axis {k} lies outside the box [{lo}, {hi}]: the Chebyshev series "
                             "only approximates the function inside it")
        # chebvander builds T_0(t) … T_N(t) by the three-term recurrence, as pdekit does.
        return chebyshev.chebvander(t, self.factors[k].shape[0] - 1) @ self.factors[k]

    def __call__(self, points) -> np.ndarray | float:
        """f at ``points``: an (m, d) array gives (m,) values, one point of d coordinates a float."""
        x = np.asarray(points, dtype=np.float64)
        single = x.ndim == 1
        if single:
            x = x[np.newaxis, :]
        if x.ndim != 2 or x.shape[1] != self.dimension:
            raise ValueError(f"points must be (m, {self.dimension}) or one point of {self.dimension} coordinates; got shape {np.shape(points)}")
        values = _contract(self.core, [self._factor_values(k, x[:, k]) for k in range(self.dimension)])
        return float(values[0]) if single else values

    def grid(self, *axes_points) -> np.ndarray:
        """f on the tensor grid of the given coordinates per axis: shape (n_1, …, n_d), ``[i, j, …] = f(x_i, y_j, …)``.

        Computed as G ×_1 (T(t_1) C_1) ⋯ ×_d (T(t_d) C_d), never point by point.
        """
        if len(axes_points) != self.dimension:
            raise ValueError(f"grid() takes {self.dimension} coordinate arrays, one per axis; got {len(axes_points)}")
        matrices = [self._factor_values(k, np.atleast_1d(np.asarray(a, dtype=np.float64)).ravel())
                    for k, a in enumerate(axes_points)]
        return _mode_products(self.core, matrices)

    def integral(self) -> float:
        """∫ f over the box: ∫_{−1}^{1} T_m = 2/(1 − m²) for even m, 0 for odd m, times (hi − lo)/2 per axis."""
        weights = []
        for k, factor in enumerate(self.factors):
            m = np.arange(factor.shape[0], dtype=np.float64)
            moments = np.zeros_like(m)
            even = m % 2 == 0
            moments[even] = 2.0 / (1.0 - m[even] ** 2)
            weights.append((moments @ factor * (self.upper[k] - self.lower[k]) / 2)[np.newaxis, :])
        return float(_contract(self.core, weights)[0])


class Tucker:
    """A ``method = "tucker"`` run: the function sampled on a uniform grid, compressed by ST-HOSVD.

    Attributes: ``core`` (r_1, …, r_d); ``factors`` [U_1 … U_d], U_k of shape (n, r_k) with
    orthonormal columns; ``axes`` the grid coordinates per axis, lo_k + (hi_k − lo_k)·i/(n − 1)
    for i = 0 … n − 1 (``[tensor] grid`` = n points per axis); ``record`` the run's ``run.toml``.
    Off the grid a Tucker tensor has no values (pdekit interpolates multilinearly for its error).
    """

    def __init__(self, core: np.ndarray, factors: Sequence[np.ndarray], axes: Sequence[np.ndarray], record: dict | None = None):
        self.core = np.asarray(core, dtype=np.float64)
        self.factors = [np.asarray(f, dtype=np.float64) for f in factors]
        self.axes = [np.asarray(a, dtype=np.float64) for a in axes]
        self.record = record
        if len(self.factors) != self.core.ndim or len(self.axes) != self.core.ndim:
            raise ValueError(f"a core of {self.core.ndim} axes needs as many factors and coordinate axes")
        for k, (factor, axis) in enumerate(zip(self.factors, self.axes)):
            if factor.shape != (axis.size, self.core.shape[k]):
                raise ValueError(f"factor {k + 1} has shape {factor.shape}; expected ({axis.size}, {self.core.shape[k]})")

    @classmethod
    def from_folder(cls, path: str | os.PathLike) -> "Tucker":
        """The decomposition from a ``kind = "tensor"``, ``method = "tucker"`` run folder."""
        folder = os.fspath(path)
        record, table, box = _tensor_table(folder, "tucker")
        core, factors = _read_core_and_factors(folder, box.shape[0])
        n = table.get("grid")
        if not isinstance(n, int) or n < 2:
            raise PdekitFormatError(os.path.join(folder, "run.toml"), f"[tensor] grid = {n!r} is not a point count of at least 2")
        # The same arithmetic as TensorStudy: lo + (hi − lo)·i/(n − 1).
        axes = [lo + (hi - lo) * np.arange(n, dtype=np.float64) / (n - 1) for lo, hi in box]
        for k, factor in enumerate(factors):
            if factor.shape[0] != n:
                raise PdekitFormatError(os.path.join(folder, f"factor_{k + 1}.npy"), f"has {factor.shape[0]} rows; [tensor] grid is {n}")
        return cls(core, factors, axes, record=record)

    @property
    def ranks(self) -> tuple[int, ...]:
        return self.core.shape

    def to_array(self) -> np.ndarray:
        """The grid tensor G ×_1 U_1 ⋯ ×_d U_d, shape (n, …, n), ``[i, j, …]`` at (axes[0][i], axes[1][j], …)."""
        return _mode_products(self.core, self.factors)
