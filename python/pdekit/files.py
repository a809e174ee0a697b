"""Reading the files pdekit writes: NPY arrays, TOML/JSON run records, CSV tables and the
``.pdekit-output`` manifest. Every failure is a ``PdekitFormatError`` naming the file."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from typing import Any

import numpy as np

from .errors import PdekitFormatError

_INTEGER = re.compile(r"[+-]?[0-9]+")
#: Columns of sweep.csv that hold text even when every row leaves them empty (docs/sweeps.md).
TEXT_COLUMNS = frozenset({"status", "reason", "folder", "error", "ranks"})


def _toml_module():
    """tomllib (Python ≥ 3.11), else the tomli package it came from."""
    try:
        import tomllib
        return tomllib
    except ModuleNotFoundError:
        pass
    try:
        import tomli
        return tomli
    except ModuleNotFoundError:
        raise ImportError(
            "reading pdekit's run.toml needs tomllib (Python >= 3.11) or, on Python 3.9 and 3.10, "
            "the tomli package: pip install tomli (a dependency of pdekit on Python < 3.11)") from None


def parse_toml(text: str, path: str) -> dict:
    """A TOML document as a dict; ``path`` names it in the error."""
    toml = _toml_module()
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise PdekitFormatError(path, f"is not valid TOML ({error})") from None


def read_toml(path: str) -> dict:
    """A TOML file as a dict."""
    return parse_toml(read_text(path), path)


def read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise PdekitFormatError(path, f"is not UTF-8 text ({error})") from None


def read_record(folder: str) -> tuple[dict, str]:
    """The run record of a run folder, ``run.toml`` (or ``run.json``), and the file it came from."""
    toml_path = os.path.join(folder, "run.toml")
    json_path = os.path.join(folder, "run.json")
    if os.path.isfile(toml_path):
        return read_toml(toml_path), toml_path
    if os.path.isfile(json_path):
        try:
            record = json.loads(read_text(json_path))
        except json.JSONDecodeError as error:
            raise PdekitFormatError(json_path, f"is not valid JSON ({error})") from None
        if not isinstance(record, dict):
            raise PdekitFormatError(json_path, "is not a run record (a JSON object)")
        return record, json_path
    raise PdekitFormatError(folder, "has no run.toml or run.json (the run record every run folder holds)")


def read_npy(path: str) -> np.ndarray:
    """An NPY file as an ndarray (no pickled objects: pdekit writes plain numbers)."""
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise PdekitFormatError(path, "is missing") from None
    except (ValueError, OSError, EOFError) as error:
        raise PdekitFormatError(path, f"is not a readable NPY file ({error})") from None


def npy_from_bytes(data: bytes, path: str) -> np.ndarray:
    """An NPY array from bytes already read (and, for a reduced model, already checksummed)."""
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise PdekitFormatError(path, f"is not a readable NPY file ({error})") from None


def read_npy_folder(folder: str) -> dict[str, np.ndarray]:
    """Every ``*.npy`` file of a folder (not its subfolders), by file name without ``.npy``."""
    return {name[:-4]: read_npy(os.path.join(folder, name))
            for name in sorted(os.listdir(folder))
            if name.endswith(".npy") and os.path.isfile(os.path.join(folder, name))}


def _column(values: list[str], name: str) -> np.ndarray:
    """A CSV column: int64 when every cell is a whole-number literal (``case``, ``iteration``),
    float64 (empty cells NaN) when every non-empty cell is a number, else str."""
    if name in TEXT_COLUMNS:
        return np.array(values, dtype=str)
    if values and all(_INTEGER.fullmatch(v) for v in values):
        return np.array([int(v) for v in values], dtype=np.int64)
    try:
        return np.array([float(v) if v != "" else math.nan for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=str)


def parse_csv(text: str, path: str) -> dict[str, np.ndarray]:
    """A CSV table (header row, then data) as column arrays in header order.

    Columns of whole-number literals only (``case``, ``iteration``, a seed) become int64, other
    numeric columns float64 with NaN for empty cells; the text columns (``status``, ``reason``,
    ``folder``, ``error``, ``ranks``) and any column holding a non-number become str arrays. A
    header-only table gives empty float arrays.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        raise PdekitFormatError(path, "has no header row")
    header, data = rows[0], [row for row in rows[1:] if row]
    if len(set(header)) != len(header):
        raise PdekitFormatError(path, "repeats a column name in its header")
    for number, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise PdekitFormatError(path, f"line {number} has {len(row)} fields, the header {len(header)} (a damaged table)")
    return {name: _column([row[k] for row in data], name) for k, name in enumerate(header)}


def read_csv(path: str) -> dict[str, np.ndarray]:
    """``parse_csv`` of a file."""
    return parse_csv(read_text(path), path)


def read_manifest(folder: str) -> dict[str, Any] | None:
    """The ``.pdekit-output`` manifest: ``{"kind": ..., "files": [...], other keys}``; None without one.

    pdekit lists in it the files it put in the folder (docs/outputs.md, "Whose folder"); folders
    of pdekit 0.1.0 have none.
    """
    path = os.path.join(folder, ".pdekit-output")
    if not os.path.isfile(path):
        return None
    manifest: dict[str, Any] = {"files": []}
    for line in read_text(path).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise PdekitFormatError(path, f"line {line!r} is not 'key = value'")
        key, value = key.strip(), value.strip()
        if key == "file":
            manifest["files"].append(value)
        else:
            manifest[key] = value
    return manifest


def check_manifest(folder: str, kind: str) -> dict[str, Any] | None:
    """The manifest, after checking its kind and that every file it lists is there."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    if manifest.get("kind") not in (None, kind):
        raise PdekitFormatError(folder, f"is a pdekit {manifest['kind']} folder, not a {kind} folder (its .pdekit-output says so)")
    missing = [name for name in manifest["files"] if not os.path.exists(os.path.join(folder, name))]
    if missing:
        raise PdekitFormatError(folder, f"misses {', '.join(missing)}, listed in its .pdekit-output as written by pdekit")
    return manifest


def flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    """A nested dict as one level with dotted keys: ``{"result": {"reason": r}}`` → ``{"result.reason": r}``."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
