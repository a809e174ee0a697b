"""``pdekit.run``: the executable, the output folder pdekit chooses, and its errors."""

import os
import unittest
from unittest import mock

import fixtures
from fixtures import PdekitTestCase, scratch

import pdekit
from pdekit import PdekitRunError
from pdekit.cli import find_binary

BAD_PROBLEM = """[problem]
name = "bad"
kind = "pde"

[pde]
grid = [1]
rhs = 1
"""


class RunTests(PdekitTestCase):
    def test_bad_problem_file(self):
        folder = scratch("bad")
        path = os.path.join(folder, "bad.toml")
        with open(path, "w") as handle:
            handle.write(BAD_PROBLEM)
        output = os.path.join(folder, "out")
        with self.assertRaises(PdekitRunError) as caught:
            pdekit.run(path, output=output)
        error = caught.exception
        self.assertEqual(error.returncode, 2)
        self.assertEqual(error.message, error.message.strip())
        self.assertNotIn("\n", error.message)
        self.assertTrue(error.message.startswith(f"pdekit: error: {path}:6: pde.grid:"), error.message)
        self.assertIn(error.message, str(error))
        self.assertFalse(os.path.exists(output))   # a failed run leaves no folder (docs/outputs.md)

    def test_unknown_key_from_set(self):
        with self.assertRaises(PdekitRunError) as caught:
            pdekit.run(fixtures.problem("poisson2d.toml"), set={"pde.no_such_key": 1}, output=os.path.join(scratch("unknown"), "out"))
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("pde.no_such_key", caught.exception.message)

    def test_default_output_folder(self):
        # Without output=..., pdekit writes outputs/<name> under the current folder and says so.
        folder = scratch("cwd")
        previous = os.getcwd()
        os.chdir(folder)
        try:
            run = pdekit.run(fixtures.problem("poisson2d.toml"), set={"pde.grid": [5, 5]}, xarray=False)
            sweep = pdekit.run(fixtures.problem("darcy_sweep.toml"), sweep=True,
                               set={"pde.grid": [7, 7], "sweep.parameters": {"pde.coefficient.grf.seed": [0, 1]}}, xarray=False)
        finally:
            os.chdir(previous)
        self.assertEqual(run["path"], os.path.join(os.path.realpath(folder), "outputs", "poisson2d"))
        self.assertEqual(sweep["path"], os.path.join(os.path.realpath(folder), "outputs", "darcy_sweep"))
        self.assertEqual(len(sweep["table"]["case"]), 2)

    def test_extra_arguments(self):
        output = os.path.join(scratch("vtk"), "out")
        run = pdekit.run(fixtures.problem("poisson2d.toml"), set={"pde.grid": [5, 5]}, output=output,
                         extra_args=["--vtk", "--quiet"], xarray=False)
        self.assertTrue(os.path.isfile(os.path.join(output, "solution.vti")))
        self.assertIsNone(run["rhs"])   # an expression's f is in run.toml and solution.vti, not in an rhs.npy
        with self.assertRaisesRegex(ValueError, "--quiet"):
            pdekit.run(fixtures.problem("poisson2d.toml"), extra_args=["--quiet"])


class BinaryTests(unittest.TestCase):
    def test_resolution_order(self):
        with mock.patch.dict(os.environ, {"PDEKIT": "/from/environment"}):
            self.assertEqual(find_binary("/given"), "/given")
            self.assertEqual(find_binary(), "/from/environment")
        with mock.patch.dict(os.environ, {"PDEKIT": "", "PATH": ""}):
            with self.assertRaisesRegex(FileNotFoundError, "PDEKIT"):
                find_binary()

    def test_missing_executable(self):
        with self.assertRaises(FileNotFoundError):
            pdekit.run("problem.toml", binary=os.path.join(os.sep, "no", "such", "pdekit"))


if __name__ == "__main__":
    unittest.main()
