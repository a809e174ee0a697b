"""Python access to pdekit's outputs (docs/outputs.md, docs/datasets.md, docs/tensor.md,
docs/reduced-basis.md) and to its command line.

- ``load(path, xarray=None)``: a run folder, sweep folder, dataset.h5 or NPY file into NumPy
  arrays (dicts) or an ``xarray.Dataset``;
- ``load_case(sweep_folder, case)``: one case folder of a sweep;
- ``run(problem, set=None, output=None, binary=None, sweep=False, extra_args=())``: run the CLI
  and load what it wrote;
- ``to_toml_literal(value)``: a Python value as a ``--set`` TOML literal;
- ``tensor.ChebyshevTucker`` / ``tensor.Tucker``: a tensor run's approximation;
- ``reduced.ReducedModel``: a reduced-basis model, verified and solved online;
- ``PdekitFormatError`` (a ValueError) and ``PdekitRunError``.
"""

from . import reduced, tensor
from .cli import run, to_toml_literal
from .errors import PdekitFormatError, PdekitRunError
from .loading import load, load_case

__version__ = "0.1.0"

__all__ = ["load", "load_case", "run", "to_toml_literal", "tensor", "reduced", "PdekitFormatError", "PdekitRunError",
           "__version__"]
