"""Run folders: arrays, coordinates, node coordinates, history, record; NPY files; errors."""

import json
import os
import shutil
import unittest

import numpy as np

import fixtures
from fixtures import PdekitTestCase, scratch, snapshot

import pdekit
from pdekit import PdekitFormatError


class RunFolderTests(PdekitTestCase):
    def test_solution_and_coordinates_match_the_record(self):
        run = pdekit.load(fixtures.poisson2d(), xarray=False)
        recorded = run["record"]["coordinates"]
        self.assertEqual(run["kind"], "run")
        self.assertEqual(run["problem_kind"], "pde")
        self.assertEqual(run["solution"].shape, (15, 11))
        self.assertEqual(run["solution"].shape, (len(recorded["x"]), len(recorded["y"])))
        self.assertEqual(sorted(run["coords"]), ["x", "y"])
        # The same numbers, bit for bit (pdekit prints shortest round-trip decimals).
        np.testing.assert_array_equal(run["coords"]["x"], recorded["x"])
        np.testing.assert_array_equal(run["coords"]["y"], recorded["y"])
        # Dirichlet on every side: h = 1/(n + 1), the unknowns strictly inside.
        np.testing.assert_allclose(run["coords"]["x"], np.arange(1, 16) / 16, rtol=0, atol=1e-15)
        self.assertEqual(run["solution"].dtype, np.float64)

    def test_dict_form(self):
        run = pdekit.load(fixtures.poisson2d(), xarray=False)
        for key in ["kind", "problem_kind", "path", "record", "arrays", "solution", "coefficient", "rhs", "coords",
                    "node_coords", "history", "model"]:
            self.assertIn(key, run)
        self.assertEqual(sorted(run["arrays"]), ["solution", "x", "y"])
        self.assertIsNone(run["coefficient"])
        self.assertIsNone(run["rhs"])
        self.assertIsNone(run["model"])
        self.assertEqual(run["record"]["result"]["reason"], "converged_rtol")
        # Constant coefficient: no coefficient.npy, yet the nodes follow from run.toml alone.
        np.testing.assert_allclose(run["node_coords"]["x"], np.arange(17) / 16, rtol=0, atol=1e-15)

    def test_history(self):
        run = pdekit.load(fixtures.poisson2d(), xarray=False)
        history = run["history"]
        self.assertEqual(list(history), ["iteration", "residual_norm", "relative_residual", "seconds"])
        iterations = run["record"]["result"]["iterations"]
        self.assertEqual(history["iteration"].dtype, np.int64)
        np.testing.assert_array_equal(history["iteration"], np.arange(iterations + 1))
        self.assertEqual(history["relative_residual"][0], 1.0)
        self.assertAlmostEqual(history["relative_residual"][-1], run["record"]["result"]["relative_residual"], delta=1e-12)

    def test_coefficient_rhs_and_nodes(self):
        run = pdekit.load(fixtures.darcy(), xarray=False)
        self.assertEqual(run["solution"].shape, (9, 7))
        self.assertEqual(run["rhs"].shape, (9, 7))
        self.assertEqual(run["coefficient"].shape, (11, 9))   # one more node per Dirichlet side
        np.testing.assert_allclose(run["node_coords"]["x"], np.arange(11) / 10, rtol=0, atol=1e-15)
        np.testing.assert_allclose(run["node_coords"]["y"], np.arange(9) / 8, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(run["node_coords"]["x"][1:-1], run["coords"]["x"])

    def test_node_rule_against_written_coefficients(self):
        # The coefficient 1 + x + 2y is written at the nodes: the derived node coordinates must
        # reproduce it on Neumann, periodic, 3D and 1D grids (docs/outputs.md's rule).
        for name in fixtures.NODE_RULE_PROBLEMS:
            with self.subTest(problem=name):
                run = pdekit.load(fixtures.coefficient_run(name), xarray=False)
                nodes = run["node_coords"]
                self.assertEqual(len(nodes), run["solution"].ndim)
                mesh = np.meshgrid(*[nodes[a] for a in "xyz"[:len(nodes)]], indexing="ij")
                expected = 1 + mesh[0] + (2 * mesh[1] if len(mesh) > 1 else 0)
                self.assertEqual(run["coefficient"].shape, expected.shape)
                np.testing.assert_allclose(run["coefficient"], expected, rtol=1e-14, atol=0)

    def test_json_record_and_record_file_path(self):
        output = scratch("json")
        pdekit.run(fixtures.problem("poisson2d.toml"), set={"pde.grid": [5, 4], "output.format": "json"}, output=output, xarray=False)
        run = pdekit.load(os.path.join(output, "run.json"), xarray=False)
        with open(os.path.join(output, "run.json")) as handle:
            self.assertEqual(run["record"], json.load(handle))
        self.assertEqual(run["solution"].shape, (5, 4))

    def test_loading_changes_nothing(self):
        for folder in [fixtures.darcy(), fixtures.darcy_sweep(), fixtures.thermal_block(), fixtures.runge3d()]:
            before = snapshot(folder)
            pdekit.load(folder, xarray=False)
            self.assertEqual(snapshot(folder), before, folder)


class NpyAndErrorTests(PdekitTestCase):
    def test_numpy_written_npy(self):
        folder = scratch("npy")
        arrays = {
            "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
            "big_endian": np.linspace(0, 1, 5).astype(">f8"),
            "integers": np.arange(6, dtype=np.int64).reshape(2, 3),
            "scalar": np.array(3.5),
        }
        for name, array in arrays.items():
            path = os.path.join(folder, name + ".npy")
            np.save(path, array)
            loaded = pdekit.load(path)
            self.assertEqual(loaded.dtype, array.dtype)
            np.testing.assert_array_equal(loaded, array)

    def damaged_copy(self, name: str) -> str:
        copy = os.path.join(scratch("damaged"), name)
        shutil.copytree(fixtures.darcy(), copy)
        return copy

    def test_missing_solution(self):
        copy = self.damaged_copy("no-solution")
        os.remove(os.path.join(copy, "solution.npy"))
        with self.assertRaises(PdekitFormatError) as caught:
            pdekit.load(copy, xarray=False)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertIn("solution.npy", str(caught.exception))
        self.assertEqual(caught.exception.path, copy)

    def test_truncated_npy(self):
        copy = self.damaged_copy("truncated")
        path = os.path.join(copy, "coefficient.npy")
        with open(path, "r+b") as handle:
            handle.truncate(os.path.getsize(path) - 8)
        with self.assertRaisesRegex(PdekitFormatError, "coefficient.npy"):
            pdekit.load(copy, xarray=False)

    def test_solution_of_the_wrong_shape(self):
        copy = self.damaged_copy("reshaped")
        np.save(os.path.join(copy, "solution.npy"), np.zeros((7, 9)))
        with self.assertRaisesRegex(PdekitFormatError, r"solution.npy: has shape \(7, 9\)"):
            pdekit.load(copy, xarray=False)

    def test_broken_record(self):
        copy = self.damaged_copy("broken-record")
        with open(os.path.join(copy, "run.toml"), "a") as handle:
            handle.write("[result\n")
        with self.assertRaisesRegex(PdekitFormatError, "run.toml: is not valid TOML"):
            pdekit.load(copy, xarray=False)

    def test_not_a_pdekit_folder(self):
        folder = scratch("plain")
        with self.assertRaisesRegex(PdekitFormatError, "neither run.toml/run.json"):
            pdekit.load(folder)
        with open(os.path.join(folder, "notes.txt"), "w") as handle:
            handle.write("hello")
        with self.assertRaisesRegex(PdekitFormatError, "not a pdekit output"):
            pdekit.load(os.path.join(folder, "notes.txt"))
        with self.assertRaises(FileNotFoundError):
            pdekit.load(os.path.join(folder, "missing"))


if __name__ == "__main__":
    unittest.main()
