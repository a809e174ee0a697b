"""Running the ``pdekit`` executable: ``--set`` values from Python objects, the output folder
from its summary line, failures as ``PdekitRunError``."""

from __future__ import annotations

import math
import numbers
import os
import re
import shutil
import subprocess
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import PdekitRunError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# TOML basic strings must escape these; other control characters become \uXXXX.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# The summary line's destination, "  → DIR" (a sweep prints DIR/sweep.csv).
_DESTINATION = re.compile(r"^\s*→\s+(.+?)\s*$")


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def to_toml_literal(value: Any) -> str:
    """A Python value as the TOML literal ``--set key=LITERAL`` takes.

    str → basic string with escapes (``"a\\"b"``); bool → ``true``/``false``; int → decimal;
    float → shortest round-trip repr, ``nan``, ``inf``, ``-inf``; list, tuple or ndarray →
    array (nested lists → nested arrays); dict → inline table ``{ key = value, … }`` (keys
    quoted unless bare). NumPy scalars count as their Python kinds. None and other types raise
    TypeError (TOML has no null).
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, np.ndarray):
        return to_toml_literal(value.tolist())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_toml_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {to_toml_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML literal for {type(value).__name__} value {value!r}")


def set_arguments(overrides: Mapping[str, Any] | None) -> list[str]:
    """``["--set", "key=LITERAL", …]`` for a dict of dotted keys (used verbatim) to values."""
    arguments: list[str] = []
    for key, value in (overrides or {}).items():
        arguments += ["--set", f"{key}={to_toml_literal(value)}"]
    return arguments


def find_binary(binary: str | os.PathLike | None = None) -> str:
    """The executable: ``binary``, else the environment variable ``PDEKIT``, else ``pdekit`` on PATH."""
    if binary is not None:
        return os.fspath(binary)
    from_environment = os.environ.get("PDEKIT")
    if from_environment:
        return from_environment
    on_path = shutil.which("pdekit")
    if on_path is None:
        raise FileNotFoundError("no pdekit executable: pass binary=..., set the environment variable PDEKIT, or put pdekit on PATH")
    return on_path


def run(problem: str | os.PathLike, set: Mapping[str, Any] | None = None, output: str | os.PathLike | None = None,
        binary: str | os.PathLike | None = None, sweep: bool = False, extra_args: Sequence[str] = (),
        xarray: bool | None = None):
    """Run ``pdekit run PROBLEM`` (or ``pdekit sweep`` with ``sweep=True``) and ``load`` the result.

    ``set``: dotted keys → Python values, passed as ``--set key=LITERAL`` (``to_toml_literal``),
    e.g. ``{"pde.grid": [15, 15], "solver.method": "cg"}``. ``output``: the folder (``-o``); by
    default pdekit chooses (``[output] directory``, else ``outputs/<name>`` under the current
    folder) and the folder is read from its summary line ``  → DIR`` (which is why ``--quiet``
    needs ``output``). ``binary``: see ``find_binary``. ``extra_args`` go after the others
    (e.g. ``["--jobs", "2"]``, ``["--vtk"]``). ``xarray`` is passed to ``load``.

    Raises ``PdekitRunError`` on a non-zero exit status (2 bad input, 3 not converged with
    ``--error-if-not-converged``: its folder is written but not loaded, ``.stdout`` has the line).
    """
    extra = [str(a) for a in extra_args]
    if output is None and ("--quiet" in extra or "-q" in extra):
        raise ValueError("with --quiet pdekit prints no summary line to read the output folder from: pass output=...")
    command = [find_binary(binary), "sweep" if sweep else "run", os.fspath(problem), *set_arguments(set)]
    if output is not None:
        command += ["--output", os.fspath(output)]
    command += extra
    completed = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        raise PdekitRunError(completed.returncode, completed.stderr, command, completed.stdout)
    destination = os.fspath(output) if output is not None else _destination(completed.stdout, command)
    from .loading import load
    return load(destination, xarray=xarray)


def _destination(stdout: str, command: list[str]) -> str:
    """The folder of pdekit's ``  → PATH`` line: PATH itself, or its folder when it is sweep.csv."""
    for line in reversed(stdout.splitlines()):
        match = _DESTINATION.match(line)
        if match:
            path = os.path.abspath(match.group(1))
            return os.path.dirname(path) if os.path.basename(path).endswith(".csv") else path
    raise RuntimeError(f"pdekit succeeded but printed no '→ DIR' line to find its output folder by ({' '.join(command)}); "
                       f"pass output=... instead. Its output was:\n{stdout}")
