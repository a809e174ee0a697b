"""The two exceptions of the package: a damaged or unrecognised output, and a failed CLI call."""

from __future__ import annotations

import os


class PdekitFormatError(ValueError):
    """A path is not the pdekit output it should be, or a file in it is missing or damaged.

    ``path`` is the file or folder at fault and ``problem`` says what is missing or wrong; the
    message is ``"PATH: PROBLEM"``. Loading never changes the folder, so the same call fails the
    same way until the folder is repaired (usually: run pdekit again).
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PdekitRunError(RuntimeError):
    """``pdekit`` exited with a non-zero status.

    ``returncode`` is the exit status (docs/cli.md: 1 internal error, 2 bad input, 3 not
    converged with ``--error-if-not-converged``, 4 ``compare`` outside tolerance), ``stderr``
    the whole standard error, ``message`` pdekit's one-line error (``pdekit: error: FILE[:LINE]:
    KEY: message``; the last line of stderr when there is no such line), ``command`` the
    argument list and ``stdout`` the standard output.
    """

    def __init__(self, returncode: int, stderr: str, command: list[str] | None = None, stdout: str = ""):
        self.returncode = returncode
        self.stderr = stderr
        self.command = command
        self.stdout = stdout
        lines = [line for line in stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("pdekit: error:")]
        # Progress lines and warnings may come before the error; the error line is the one that says why.
        self.message = errors[-1] if errors else (lines[-1] if lines else f"no message on stderr (exit status {returncode})")
        super().__init__(f"pdekit exited with status {returncode}: {self.message}")
