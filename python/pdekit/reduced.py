"""Reduced-basis models written by ``kind = "reduced_basis"`` runs (docs/reduced-basis.md), read
and evaluated online without pdekit.

The archive (format 2, ``Sources/ReducedBasis/ReducedModelArchive.swift``):

* ``rb_manifest.npy`` [2, family code, a, b, c, N, Q_a, Q_f]; family 1 ``thermal_block``
  (a, b, c = bx, by, grid), 2 ``pde`` (parameters, dimension, unknowns), 3 ``matrices``
  (parameters, 0, unknowns);
* ``rb_reference.npy`` μ̄; ``rb_basis.npy`` (N, *grid shape), vector j is ``rb_basis[j]``,
  X-orthonormal for X = A(μ̄);
* ``rb_operators.npy`` (Q_a, N, N) the reduced terms VᵀA_qV; ``rb_loads.npy`` (Q_f, N) Vᵀf_q;
* ``rb_residual.npy`` (R, Q_f + N·Q_a): the Riesz representers in an X-orthonormal basis of
  their span, column q < Q_f for X⁻¹f_q and column Q_f + n·Q_a + q for −X⁻¹A_q ζ_n;
* ``checksums.sha256``: the SHA-256 of every ``rb_*.npy`` (``sha256sum`` format). pdekit refuses
  a model whose arrays do not match it, and so does ``ReducedModel.from_folder``.

Online (``ReducedBasisModel.solveSerial``): A_N(μ) = Σ_q θ_q(μ) A_q, f_N(μ) = Σ_q φ_q(μ) f_q,
c = A_N⁻¹ f_N, u_N = Σ_n c_n ζ_n; the compliance s_N = f_Nᵀc; the residual's dual norm
‖r‖_X' = ‖R·[φ, w]‖₂ with w_(n·Q_a + q) = θ_q c_n (equal to φᵀFFφ + 2φᵀFLw + wᵀLLw, computed
without cancellation); the bound Δ = ‖r‖_X'/α_LB on ‖u − u_N‖_X and Δ_s = ‖r‖²_X'/α_LB on
s − s_N ≥ 0.

Which families can be solved from the files: the thermal block, θ(μ) = μ, one load with φ = 1,
and the min-θ bound α_LB(μ) = min_q θ_q(μ)/θ_q(μ̄); and a ``matrices`` family, given the new
member's matrix and right-hand-side files as pdekit's ``reduced_model`` takes them: θ and φ
solve Q_A θ = (the member's entries at the EIM entries) and Q_f φ = (its right-hand side at the
EIM points), both from ``rb_matrix_eim.npy`` / ``rb_load_eim.npy``, and α_LB(μ) is the
record's ``coercivity`` expression (evaluated here by ``expression``, pdekit's syntax); and a
``pde`` family: the same EIM coefficients from the rows of A(μ) and f(μ) at those entries,
which ``FiniteVolumeRows`` assembles from the record's [reduced_basis.pde] table as pdekit's
finite-volume scheme does (expression fields; an NPY field is refused), and α_LB(μ) the nodal
ratio of the coefficient (and reaction) at μ and μ̄. ``solve_affine`` takes θ, φ and α_LB
computed elsewhere, for any family.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from .errors import PdekitFormatError
from .files import npy_from_bytes, read_record, read_text

FAMILIES = {1: "thermal_block", 2: "pde", 3: "matrices"}
ARRAYS = ("rb_manifest", "rb_reference", "rb_basis", "rb_operators", "rb_loads", "rb_residual")
EIM_ARRAYS = ("rb_matrix_eim", "rb_load_eim")
CHECKSUMS = "checksums.sha256"

_EIM_ADVICE = ("use `pdekit run` on a kind = \"reduced_model\" problem file whose [reduced_model] model is this folder "
               "(docs/reduced-basis.md), or solve_affine(theta, phi, alpha) with coefficients computed elsewhere")


class ReducedSolution(NamedTuple):
    """One online solve. ``coefficients`` c (N,); ``compliance`` s_N = f_Nᵀc; ``bound`` Δ on
    ‖u − u_N‖_X (None without a coercivity bound, inf when α_LB ≤ 0); ``compliance_bound``
    Δ_s = ‖r‖²_X'/α_LB (None / inf likewise); ``residual_norm`` ‖r‖_X'."""

    coefficients: np.ndarray
    compliance: float
    bound: float | None
    compliance_bound: float | None
    residual_norm: float

    @property
    def relative_bound(self) -> float | None:
        """Δ/‖u_N‖_X, with ‖u_N‖_X = ‖c‖₂ (the basis is X-orthonormal), as pdekit's ``relative_bound``."""
        if self.bound is None:
            return None
        return self.bound / max(float(np.linalg.norm(self.coefficients)), 1e-300)


def _read_checksums(folder: str) -> dict[str, str]:
    path = os.path.join(folder, CHECKSUMS)
    if not os.path.isfile(path):
        raise PdekitFormatError(folder, f"has no {CHECKSUMS} (a model of an earlier pdekit, or files copied without it); "
                                        "without it a changed array cannot be detected, so the model is refused")
    digests = {}
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        # sha256sum's "HEX  NAME" (text mode) or "HEX *NAME" (binary mode).
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)", line)
        if match is None:
            raise PdekitFormatError(path, f"line {number} is not 'SHA256  NAME'")
        digests[match.group(2)] = match.group(1).lower()
    return digests


def _read_verified(folder: str, name: str, digests: Mapping[str, str]) -> np.ndarray:
    """``name``.npy, refused unless its bytes have the SHA-256 the checksums file lists."""
    file_name = name + ".npy"
    path = os.path.join(folder, file_name)
    if file_name not in digests:
        raise PdekitFormatError(path, f"is not listed in {CHECKSUMS}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise PdekitFormatError(path, "is missing") from None
    # Hash the bytes that are then parsed: the file cannot change between check and use.
    if hashlib.sha256(data).hexdigest() != digests[file_name]:
        raise PdekitFormatError(path, f"does not match its SHA-256 in {CHECKSUMS}: it was changed after pdekit wrote it; "
                                      "build the model again with pdekit run on its problem file")
    return npy_from_bytes(data, path)


class ReducedModel:
    """A reduced-basis model (the module docstring describes the arrays and the online solve).

    Attributes: ``family`` ("thermal_block", "pde" or "matrices"); ``numbers`` the manifest's
    (a, b, c); ``reference`` μ̄ (P,); ``basis`` (N, *shape); ``operators`` (Q_a, N, N);
    ``loads`` (Q_f, N); ``residual`` (R, Q_f + N·Q_a); ``shape`` the solution's grid shape;
    ``matrix_eim`` (M_A, 2 + M_A) and ``load_eim`` (M_f, 1 + M_f) for EIM families, else None;
    ``record`` the offline run's run.toml (None without one); ``path`` the folder.
    """

    def __init__(self, family: str, numbers: Sequence[int], reference: np.ndarray, basis: np.ndarray,
                 operators: np.ndarray, loads: np.ndarray, residual: np.ndarray,
                 matrix_eim: np.ndarray | None = None, load_eim: np.ndarray | None = None,
                 record: dict | None = None, path: str | None = None):
        self.family = family
        self.numbers = tuple(int(n) for n in numbers)
        self.reference = reference
        self.basis = basis
        self.operators = operators
        self.loads = loads
        self.residual = residual
        self.matrix_eim = matrix_eim
        self.load_eim = load_eim
        self.record = record
        self.path = path
        self._reference_fields = None  # a pde family's coefficient and reaction at μ̄ (pde_coefficients)

    @classmethod
    def from_folder(cls, path: str | os.PathLike) -> "ReducedModel":
        """The model of a ``kind = "reduced_basis"`` run folder, every array verified against
        ``checksums.sha256`` and checked against the manifest (``PdekitFormatError`` otherwise)."""
        folder = os.fspath(path)
        if not os.path.isdir(folder):
            raise PdekitFormatError(folder, "is not a folder")
        digests = _read_checksums(folder)
        arrays = {name: _read_verified(folder, name, digests) for name in ARRAYS}

        def damaged(problem: str) -> PdekitFormatError:
            return PdekitFormatError(folder, f"{problem}: a damaged model; build it again with pdekit run on its problem file")

        manifest = arrays["rb_manifest"]
        if manifest.shape == (8,) and manifest[0] == 1:
            raise PdekitFormatError(folder, "is a model of an earlier pdekit (format 1, Gram matrices of the residual); "
                                            "build it again with pdekit run on its problem file")
        if (manifest.shape != (8,) or not np.all(np.isfinite(manifest)) or not np.all(manifest == np.round(manifest))
                or manifest[0] != 2 or int(manifest[1]) not in FAMILIES or np.any(manifest[2:] < 0)):
            raise damaged("rb_manifest.npy is not a format-2 manifest of 8 whole numbers [2, family 1–3, a, b, c, N, Q_a, Q_f]")
        family = FAMILIES[int(manifest[1])]
        numbers = [int(v) for v in manifest[2:5]]
        n, qa, qf = (int(v) for v in manifest[5:8])

        for name in ARRAYS[1:]:
            if not np.issubdtype(arrays[name].dtype, np.floating) or not np.all(np.isfinite(arrays[name])):
                raise damaged(f"{name}.npy is not an array of finite floats")
        basis, operators, loads = arrays["rb_basis"], arrays["rb_operators"], arrays["rb_loads"]
        residual, reference = arrays["rb_residual"], arrays["rb_reference"]
        unknowns = numbers[2] ** 2 if family == "thermal_block" else numbers[2]
        parameters = numbers[0] * numbers[1] if family == "thermal_block" else numbers[0]
        if (basis.ndim < 2 or basis.shape[0] != n or int(np.prod(basis.shape[1:])) != unknowns
                or operators.shape != (qa, n, n) or loads.shape != (qf, n) or reference.shape != (parameters,)
                or residual.ndim != 2 or residual.shape[1] != qf + n * qa or residual.shape[0] > qf + n * qa):
            raise damaged(f"the arrays do not match rb_manifest.npy ({n} basis vectors of {unknowns} unknowns, "
                          f"{qa} operator and {qf} load terms, {parameters} parameters)")
        if family == "thermal_block":
            if qa != parameters or qf != 1:
                raise damaged(f"a {numbers[0]}×{numbers[1]} thermal block has {parameters} operator terms and 1 load, "
                              f"the manifest says {qa} and {qf}")
            # Each A_q is positive semidefinite, so VᵀA_qV has a nonnegative diagonal (pdekit's own check).
            negative = [q + 1 for q in range(qa) if np.any(np.diag(operators[q]) < 0)]
            if negative:
                raise damaged(f"rb_operators.npy term {negative[0]} has a negative diagonal entry, impossible for the thermal block")

        matrix_eim = load_eim = None
        if family != "thermal_block":
            matrix_eim = _read_verified(folder, "rb_matrix_eim", digests)
            load_eim = _read_verified(folder, "rb_load_eim", digests)
            if matrix_eim.shape != (qa, 2 + qa) or load_eim.shape != (qf, 1 + qf):
                raise damaged(f"rb_matrix_eim.npy / rb_load_eim.npy do not match the model's {qa} and {qf} terms")

        record = read_record(folder)[0] if any(os.path.isfile(os.path.join(folder, r)) for r in ("run.toml", "run.json")) else None
        return cls(family, numbers, reference, basis, operators, loads, residual, matrix_eim, load_eim, record, folder)

    @property
    def size(self) -> int:
        """N, the number of basis vectors."""
        return self.basis.shape[0]

    @property
    def shape(self) -> tuple[int, ...]:
        """The solution's shape on the grid (``solution.npy`` of a reduced_model run)."""
        return self.basis.shape[1:]

    @property
    def parameter_names(self) -> list[str] | None:
        """The parameters' names in the order ``solve`` takes them: mu1 … mu_{bx·by} for the thermal
        block (block q = column + bx·row from the lower left); for EIM families the training
        parameters of the record (None without a record that names them)."""
        if self.family == "thermal_block":
            return [f"mu{q}" for q in range(1, self.operators.shape[0] + 1)]
        if self.family == "matrices":
            return self._listing_names()
        table = (self.record or {}).get("reduced_basis", {}).get("training", {}).get("parameters")
        return list(table) if isinstance(table, dict) else None

    def _listing_names(self) -> list[str] | None:
        """A matrices family's parameters: the header of its training listing (the parameters,
        then matrix and rhs), found where the record says the problem file was."""
        record = self.record or {}
        listing = record.get("reduced_basis", {}).get("matrices", {}).get("training")
        directory = record.get("provenance", {}).get("problem_directory", "")
        if not isinstance(listing, str):
            return None
        path = listing if os.path.isabs(listing) else os.path.join(directory, listing)
        try:
            header = read_text(path).splitlines()[0]
        except (OSError, IndexError):
            return None
        names = [name.strip() for name in header.split(",")]
        return names[:-2] if len(names) >= 3 and names[-2:] == ["matrix", "rhs"] else None

    def _parameter_vector(self, mu) -> np.ndarray:
        names = self.parameter_names
        if isinstance(mu, Mapping):
            unknown = sorted(set(mu) - set(names))
            if unknown:
                raise ValueError(f"{unknown[0]} is not a parameter of this model ({', '.join(names)})")
            missing = [name for name in names if name not in mu]
            if missing:
                raise ValueError(f"missing {missing[0]}: this model has parameters {', '.join(names)}")
            mu = [mu[name] for name in names]
        vector = np.asarray(mu, dtype=np.float64)
        if vector.shape != (len(names),):
            raise ValueError(f"this model takes {len(names)} parameters ({', '.join(names)}); got shape {vector.shape}")
        if not np.all(np.isfinite(vector)):
            raise ValueError(f"the parameters must be finite; got {dict(zip(names, vector.tolist()))}")
        return vector

    def solve(self, mu, matrix: str | os.PathLike | None = None, rhs: str | os.PathLike | None = None) -> ReducedSolution:
        """The online solve at μ (a sequence in ``parameter_names`` order, or a dict by name).

        Thermal block: θ(μ) = μ, φ = [1], α_LB = min_q μ_q/μ̄_q. A ``pde`` family: θ, φ and
        α_LB from its record (``pde_coefficients``). A ``matrices`` family needs the new member's
        ``matrix`` (Matrix Market, coordinate) and ``rhs`` (NPY or Matrix Market) files, as a
        reduced_model problem names them.
        """
        if self.family == "matrices":
            if matrix is None or rhs is None:
                raise ValueError("a matrices family's coefficients come from the new member's files: "
                                 "give solve(mu, matrix='A.mtx', rhs='b.npy')")
            return self._solve_member(mu, os.fspath(matrix), os.fspath(rhs))
        if matrix is not None or rhs is not None:
            raise ValueError(f"matrix and rhs are for a model of a matrices family; this one is {self.family!r}")
        if self.family == "pde":
            return self.solve_affine(*self.pde_coefficients(mu))
        theta = self._parameter_vector(mu)
        if not np.all(np.isfinite(theta)) or np.any(theta <= 0):
            raise ValueError(f"the thermal block's conductivities must be positive and finite; got {theta.tolist()}")
        alpha = float(np.min(theta / self.reference))
        return self.solve_affine(theta, [1.0], alpha)

    def _solve_member(self, mu, matrix: str, rhs: str) -> ReducedSolution:
        return self.solve_affine(*self.member_coefficients(mu, matrix, rhs))

    def member_coefficients(self, mu, matrix: str | os.PathLike, rhs: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, float]:
        """A matrices family at μ with the member's files: θ and φ from its entries at the EIM
        entries and points, α_LB from the record's coercivity expression (pdekit's
        ``reduced_model`` does the same); what ``solve_affine`` takes."""
        matrix, rhs = os.fspath(matrix), os.fspath(rhs)
        names = self.parameter_names
        if names is None:
            raise PdekitFormatError(self.path or "model", "its run.toml's training listing cannot be read, so the "
                                                          "parameters' names (the coercivity expression's variables) are unknown")
        mu_vector = self._parameter_vector(mu)
        source = ((self.record or {}).get("reduced_basis", {}).get("matrices", {}) or {}).get("coercivity")
        if not isinstance(source, str):
            raise PdekitFormatError(self.path or "model", "run.toml has no [reduced_basis.matrices] coercivity")
        entries, points = self._eim_entries()
        values = read_matrix_entries(matrix, entries)
        load = read_vector(rhs)
        if points and max(points) >= load.size:
            raise ValueError(f"{rhs} has {load.size} entries, fewer than the interpolation points need")
        theta, phi = self._interpolate(values, load[points])
        alpha = expression(source, names)(dict(zip(names, mu_vector.tolist())))
        return theta, phi, alpha

    def _eim_entries(self) -> tuple[list[tuple[int, int]], list[int]]:
        """The EIM's matrix entries (row, column) and right-hand-side points, 0-based."""
        return [(int(r), int(c)) for r, c in self.matrix_eim[:, :2]], [int(p) for p in self.load_eim[:, 0]]

    def _interpolate(self, values, load) -> tuple[np.ndarray, np.ndarray]:
        """θ and φ from A(μ) at the EIM entries and f(μ) at its points: Q_A θ = values, Q_f φ = load."""
        theta = np.linalg.solve(self.matrix_eim[:, 2:], values) if len(values) else np.zeros(0)
        phi = np.linalg.solve(self.load_eim[:, 1:], load) if len(load) else np.zeros(0)
        return theta, phi

    def pde_coefficients(self, mu) -> tuple[np.ndarray, np.ndarray, float]:
        """A ``pde`` family at μ: θ and φ from the rows of A(μ) and f(μ) at the EIM entries and
        points, assembled here as pdekit's finite-volume scheme does (``FiniteVolumeRows``,
        from the record's [reduced_basis.pde] with μ in its parameters), and α_LB(μ) the
        nodal ratio min over nodes of a(x; μ)/a(x; μ̄) and, where c(x; μ̄) > 0, of the reaction
        c(x; μ)/c(x; μ̄) (0 where c(x; μ) < 0): pdekit's ``reduced_model`` computes the same."""
        pde = ((self.record or {}).get("reduced_basis", {}) or {}).get("pde")
        names = self.parameter_names
        if not isinstance(pde, dict) or names is None:
            raise PdekitFormatError(self.path or "model", "run.toml has no [reduced_basis.pde] table with the family's parameters")
        mu_vector = self._parameter_vector(mu)
        at = FiniteVolumeRows(pde, dict(zip(names, mu_vector.tolist())))
        entries, points = self._eim_entries()
        rows = at.rows(sorted({r for r, _ in entries} | set(points)))
        theta, phi = self._interpolate(np.array([rows[r][0].get(c, 0.0) for r, c in entries]), np.array([rows[p][1] for p in points]))
        a, c = at.nodal_fields()
        # μ̄'s fields, once per model (pdekit computes them once when it loads the model).
        if self._reference_fields is None:
            self._reference_fields = FiniteVolumeRows(pde, dict(zip(names, self.reference.tolist()))).nodal_fields()
        a0, c0 = self._reference_fields
        ratio = float(np.min(a / a0))
        if c is not None:
            if np.any(c < 0):
                ratio = 0.0
            elif c0 is not None and np.any(c0 > 0):
                ratio = min(ratio, float(np.min(c[c0 > 0] / c0[c0 > 0])))
        alpha = max(ratio, 0.0) if math.isfinite(ratio) else 0.0
        return theta, phi, alpha

    def solve_affine(self, theta: Sequence[float], phi: Sequence[float], alpha: float | None = None) -> ReducedSolution:
        """The online solve for given coefficients: θ (Q_a,), φ (Q_f,), and α_LB(μ) relative to
        X = A(μ̄) (None: no bound). For any family, with θ, φ, α_LB computed outside pdekit."""
        theta = np.asarray(theta, dtype=np.float64)
        phi = np.asarray(phi, dtype=np.float64)
        qa, qf = self.operators.shape[0], self.loads.shape[0]
        if theta.shape != (qa,) or phi.shape != (qf,):
            raise ValueError(f"this model has {qa} operator and {qf} load terms; got θ of shape {theta.shape}, φ of shape {phi.shape}")
        reduced_matrix = np.tensordot(theta, self.operators, axes=1)
        reduced_load = phi @ self.loads
        c = np.linalg.solve(reduced_matrix, reduced_load)
        compliance = float(reduced_load @ c)
        # The residual's representer in the orthonormal basis: φ then w_(n·Q_a + q) = θ_q c_n.
        w = np.outer(c, theta).ravel()
        representer = self.residual @ np.concatenate([phi, w])
        squared = max(float(representer @ representer), 0.0)
        if alpha is None:
            bound = compliance_bound = None
        elif alpha > 0:
            bound, compliance_bound = math.sqrt(squared) / alpha, squared / alpha
        else:
            bound = compliance_bound = math.inf
        return ReducedSolution(c, compliance, bound, compliance_bound, math.sqrt(squared))

    def reconstruct(self, coefficients: Sequence[float]) -> np.ndarray:
        """u_N = Σ_n c_n ζ_n on the grid: shape ``self.shape``."""
        c = np.asarray(coefficients, dtype=np.float64)
        if c.shape != (self.size,):
            raise ValueError(f"{self.size} coefficients expected; got shape {c.shape}")
        return np.tensordot(c, self.basis, axes=1)

    def field(self, mu) -> np.ndarray:
        """The reduced solution u_N(μ) on the grid (what a reduced_model run writes as solution.npy)."""
        return self.reconstruct(self.solve(mu).coefficients)


# pdekit's expression syntax (Sources/Discretisation/Expression.swift): numbers, + − * / and ^ or
# ** (right-associative; unary minus binds looser: -x^2 = −(x²), as in Python), parentheses, the
# constants pi and e, and these functions. Translated to a Python expression over NumPy's
# functions after every token is checked, so nothing else can be evaluated.
_CONSTANTS = {"pi": math.pi, "e": math.e}
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_]\w*)|(\*\*|[-+*/^(),]))")
_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp, "log": np.log, "log10": np.log10,
    "sqrt": np.sqrt, "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "sign": np.sign, "atan2": np.arctan2,
    "pow": np.power, "min": lambda *v: functools.reduce(np.minimum, v), "max": lambda *v: functools.reduce(np.maximum, v),
}


def expression(source: str, variables: Sequence[str]):
    """A pdekit expression of ``variables`` as a Python function of a dict of their values: a
    float when every value is a number, else an array of their broadcast shape; in float64
    with IEEE results where pdekit has them (1/0 = inf, sqrt(−1) = NaN). ``ValueError`` names
    the first token that is not pdekit syntax or an unknown name."""
    source = str(source)
    parts, position = [], 0
    while position < len(source.rstrip()):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ValueError(f"expression {source!r}: unexpected {source[position:].strip()[:10]!r} at column {position + 1}")
        number, name, operator = match.groups()
        if name is not None and name not in _FUNCTIONS and name not in _CONSTANTS and name not in variables:
            raise ValueError(f"expression {source!r}: unknown name {name!r} (the variables are {', '.join(variables)})")
        parts.append(f"_n({number})" if number else name or ("**" if operator == "^" else operator))
        position = match.end()
    code = compile(" ".join(parts), "<pdekit expression>", "eval")
    namespace = {"__builtins__": {}, "_n": np.float64, **_FUNCTIONS, **_CONSTANTS}

    def evaluate(values: Mapping[str, float]):
        # IEEE arithmetic as pdekit's: 1/0 is inf and sqrt(−1) NaN, not a Python exception.
        with np.errstate(all="ignore"):
            value = eval(code, namespace, {k: np.float64(v) if np.isscalar(v) else v for k, v in values.items()})  # noqa: S307
        shape = np.broadcast(*values.values()).shape if values else ()
        return float(value) if shape == () else np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    return evaluate


def read_matrix_entries(path: str, entries: Sequence[tuple[int, int]]) -> np.ndarray:
    """The values at 0-based (row, column) ``entries`` of a Matrix Market coordinate matrix (real
    or integer; general, symmetric or skew-symmetric; duplicates summed), as pdekit reads a
    family member. An entry the file does not store is an error, as in pdekit."""
    lines = read_text(path).splitlines()
    header = lines[0].split() if lines else []
    if len(header) != 5 or header[0].lower() != "%%matrixmarket" or header[1].lower() != "matrix":
        raise PdekitFormatError(path, "is not a Matrix Market matrix ('%%MatrixMarket matrix …' header)")
    layout, field, symmetry = (h.lower() for h in header[2:])
    if layout != "coordinate":
        raise PdekitFormatError(path, "is a dense (array) Matrix Market file; give the matrix in coordinate format")
    if field not in ("real", "integer", "double") or symmetry not in ("general", "symmetric", "skew-symmetric"):
        raise PdekitFormatError(path, f"holds a {field} {symmetry} matrix; a real general, symmetric or skew-symmetric one is needed")
    body = [line for line in lines[1:] if line.strip() and not line.lstrip().startswith("%")]
    size = body[0].split() if body else []
    if len(size) != 3 or not all(v.isdigit() for v in size):
        raise PdekitFormatError(path, "has no 'rows columns entries' line after its header")
    rows, columns = int(size[0]), int(size[1])
    if rows != columns:
        raise PdekitFormatError(path, f"is {rows}×{columns}; a square matrix is needed")
    wanted = {entry: 0.0 for entry in entries}
    stored = set()
    for number, line in enumerate(body[1:], start=1):
        try:
            i, j, value = line.split()[:3]
            i, j, value = int(i) - 1, int(j) - 1, float(value)
        except ValueError:
            raise PdekitFormatError(path, f"entry {number} is not 'row column value': {line.strip()[:40]!r}") from None
        if not (0 <= i < rows and 0 <= j < columns):
            raise PdekitFormatError(path, f"entry {number} ({i + 1}, {j + 1}) is outside the {rows}×{columns} matrix")
        if not math.isfinite(value):
            raise PdekitFormatError(path, "holds a value that is not finite")
        mirrored = [] if symmetry == "general" or i == j else [((j, i), value if symmetry == "symmetric" else -value)]
        for key, v in [((i, j), value)] + mirrored:
            stored.add(key)
            if key in wanted:
                wanted[key] += v
    missing = [e for e in entries if e not in stored]
    if missing:
        raise PdekitFormatError(path, f"has no stored entry ({missing[0][0] + 1}, {missing[0][1] + 1}), "
                                      "an interpolation entry of the training matrices")
    return np.array([wanted[e] for e in entries])


def read_vector(path: str) -> np.ndarray:
    """A member's right-hand side: NPY, or a Matrix Market vector (array, or coordinate n × 1)."""
    if not path.lower().endswith(".mtx"):
        with open(path, "rb") as handle:
            return np.asarray(npy_from_bytes(handle.read(), path), dtype=np.float64).ravel()
    lines = [line for line in read_text(path).splitlines() if line.strip()]
    header = lines[0].split() if lines else []
    body = [line for line in lines[1:] if not line.lstrip().startswith("%")]
    if len(header) < 3 or header[2].lower() not in ("array", "coordinate") or not body \
            or not all(v.isdigit() for v in body[0].split()) or len(body[0].split()) < 2:
        raise PdekitFormatError(path, "is not a Matrix Market vector (header, then its size line)")
    size = [int(v) for v in body[0].split()]
    if (min(size[:2]) if header[2].lower() == "array" else size[1]) != 1:
        raise PdekitFormatError(path, f"is {size[0]}×{size[1]}; a vector is needed")
    try:
        if header[2].lower() == "array":
            return np.array([float(line.split()[0]) for line in body[1:]])
        vector = np.zeros(size[0])
        for line in body[1:]:
            i, _, value = line.split()[:3]
            if not 1 <= int(i) <= size[0]:
                raise ValueError(line)
            vector[int(i) - 1] += float(value)
        return vector
    except ValueError:
        raise PdekitFormatError(path, "holds an entry that is not a number in range") from None


class FiniteVolumeRows:
    """Rows of pdekit's vertex-centred finite-volume system for −div(a∇u) + c u = f
    (``Sources/Discretisation/DiffusionAssembly.swift``), from a resolved [pde] table (as a run
    record holds it) with the given parameter values: each unknown owns the box of its node (a
    half box at a Neumann side); the flux between neighbouring nodes is T = 2/(1/a_i + 1/a_j) ·
    (face area)/h; a Dirichlet neighbour's value moves to the right-hand side as T·g, a Neumann
    side adds a·g·(face area); the reaction adds volume·c to the diagonal; every row is divided
    by the full cell volume Πh. Expression fields only (an NPY coefficient or right-hand side is
    refused)."""

    SIDES = (("x_min", "x_max"), ("y_min", "y_max"), ("z_min", "z_max"))

    def __init__(self, pde: Mapping, parameters: Mapping[str, float]):
        grid = [int(n) for n in pde["grid"]]
        self.dimension = len(grid)
        domain = pde.get("domain") or [[0.0, 1.0]] * self.dimension
        values = dict(pde.get("parameters", {}) or {})
        values.update(parameters)
        names = ["x", "y", "z"] + sorted(values)
        self.values = values

        def field(key: str, default=None):
            given = pde.get(key, default)
            if given is None:
                return None
            if isinstance(given, dict):
                raise NotImplementedError(f"[reduced_basis.pde] {key} is a file or random field; only expressions are evaluated here")
            return expression(str(given), names)
        self.coefficient = field("coefficient", "1")
        self.rhs = field("rhs")
        self.reaction = field("reaction")
        boundary = pde.get("boundary", {}) or {}
        self.axes, self.boundary = [], []
        for d in range(self.dimension):
            kinds, functions = [], []
            for name in self.SIDES[d]:
                side = boundary.get(name) or boundary.get("all") or {"type": "dirichlet", "value": "0"}
                kinds.append(side.get("type", "dirichlet"))
                functions.append(expression(str(side.get("value", "0")), names))
            periodic = kinds[0] == "periodic"
            self.axes.append(_Axis(grid[d], float(domain[d][0]), float(domain[d][1]),
                                   kinds[0] == "dirichlet", kinds[1] == "dirichlet", periodic))
            self.boundary.append(functions)
        self.shape = tuple(grid)
        self.strides = [int(np.prod(grid[d + 1:])) for d in range(self.dimension)]

    def _at(self, function, point) -> float:
        x = list(point) + [0.0] * (3 - len(point))
        return function({**self.values, "x": x[0], "y": x[1], "z": x[2]})

    def rows(self, rows: Sequence[int]) -> dict[int, tuple[dict[int, float], float]]:
        """Row r of A as {column: value} and of the right-hand side, for each r in ``rows``."""
        h = [axis.spacing for axis in self.axes]
        cell_volume = math.prod(h)
        out = {}
        for row in rows:
            index = list(np.unravel_index(row, self.shape))
            node = [axis.node(int(k)) for axis, k in zip(self.axes, index)]
            widths = [axis.cell_width(int(k)) for axis, k in zip(self.axes, index)]
            volume = math.prod(widths)
            point = [axis.coordinate(n) for axis, n in zip(self.axes, node)]
            here = self._at(self.coefficient, point)
            b = volume * self._at(self.rhs, point)
            diagonal, entries = 0.0, {}
            for d, axis in enumerate(self.axes):
                area = volume / widths[d]
                for side, step in ((0, -1), (1, 1)):
                    k = index[d] + step
                    if not axis.periodic and ((side == 0 and index[d] == 0 and not axis.dirichlet_low)
                                              or (side == 1 and index[d] == axis.unknowns - 1 and not axis.dirichlet_high)):
                        b += here * self._at(self.boundary[d][side], point) * area  # Neumann: a·g·(face area)
                        continue
                    wrapped = (k + axis.unknowns) % axis.unknowns if axis.periodic else k
                    neighbour = list(node)
                    neighbour[d] = wrapped if axis.periodic else node[d] + step
                    there = self._at(self.coefficient, [a.coordinate(n) for a, n in zip(self.axes, neighbour)])
                    t = 2 / (1 / here + 1 / there) * area / h[d]
                    diagonal += t
                    if 0 <= wrapped < axis.unknowns:
                        column = row + (wrapped - index[d]) * self.strides[d]
                        entries[column] = entries.get(column, 0.0) - t / cell_volume
                    else:  # a Dirichlet neighbour: its value moves to the right-hand side
                        boundary_point = list(point)
                        boundary_point[d] = axis.coordinate(node[d] + step)
                        b += t * self._at(self.boundary[d][side], boundary_point)
            if self.reaction is not None:
                diagonal += volume * self._at(self.reaction, point)
            entries[row] = entries.get(row, 0.0) + diagonal / cell_volume
            out[row] = (entries, b / cell_volume)
        return out

    def nodal_fields(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The coefficient at every node (Dirichlet boundary nodes included) and the reaction at
        every unknown (None without one): what the nodal-ratio bound compares."""
        def evaluate(function, coordinates):
            mesh = list(np.meshgrid(*coordinates, indexing="ij"))
            mesh += [np.zeros_like(mesh[0])] * (3 - len(mesh))
            return function({**{k: np.float64(v) for k, v in self.values.items()}, "x": mesh[0], "y": mesh[1], "z": mesh[2]}).ravel()
        nodes = [np.array([axis.coordinate(n) for n in range(axis.nodes)]) for axis in self.axes]
        unknowns = [np.array([axis.coordinate(axis.node(k)) for k in range(axis.unknowns)]) for axis in self.axes]
        a = evaluate(self.coefficient, nodes)
        if not np.all(a > 0) or not np.all(np.isfinite(a)):
            i = int(np.argmin(np.where(np.isfinite(a), a, -np.inf)))
            raise ValueError(f"the coefficient must be positive and finite on the grid; it is {a[i]} at node {i} (C order) "
                             f"with {self.values}")
        c = evaluate(self.reaction, unknowns) if self.reaction is not None else None
        return a, c


class _Axis(NamedTuple):
    """One axis of pdekit's grid (``Sources/Discretisation/Grid.swift``): a Dirichlet side's
    node is not an unknown; a Neumann side's is, with a half box."""

    unknowns: int
    lower: float
    upper: float
    dirichlet_low: bool
    dirichlet_high: bool
    periodic: bool

    @property
    def nodes(self) -> int:
        return self.unknowns + (0 if self.periodic else int(self.dirichlet_low) + int(self.dirichlet_high))

    @property
    def spacing(self) -> float:
        return (self.upper - self.lower) / (self.unknowns if self.periodic else self.nodes - 1)

    def node(self, k: int) -> int:
        return k + (1 if self.dirichlet_low and not self.periodic else 0)

    def coordinate(self, node: int) -> float:
        return self.upper if node == self.nodes - 1 and not self.periodic else self.lower + node * self.spacing

    def cell_width(self, k: int) -> float:
        h = self.spacing
        if self.periodic:
            return h
        if (k == 0 and not self.dirichlet_low) or (k == self.unknowns - 1 and not self.dirichlet_high):
            return h if self.unknowns == 1 and not self.dirichlet_low and not self.dirichlet_high else h / 2
        return h
