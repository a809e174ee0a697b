"""The xarray.Dataset forms of load (xarray is optional: without it, the dict form and the error)."""

import os
import unittest

import numpy as np

import fixtures
from fixtures import PdekitTestCase, has_module

import pdekit


@unittest.skipUnless(has_module("xarray"), "xarray is not installed")
class DatasetFormTests(PdekitTestCase):
    def test_run_folder(self):
        dataset = pdekit.load(fixtures.darcy(), xarray=True)
        self.assertEqual(dataset["solution"].dims, ("x", "y"))
        self.assertEqual(dataset["rhs"].dims, ("x", "y"))
        self.assertEqual(dataset["coefficient"].dims, ("x_node", "y_node"))
        np.testing.assert_array_equal(dataset["x"].values, pdekit.load(fixtures.darcy(), xarray=False)["coords"]["x"])
        np.testing.assert_allclose(dataset["x_node"].values, np.arange(11) / 10, rtol=0, atol=1e-15)
        # Selecting by coordinate: the unknown at x = 0.5 is node 5 of the coefficient's 11.
        self.assertEqual(dataset["solution"].sel(x=0.5).shape, (7,))
        self.assertEqual(dataset.attrs["result.reason"], "converged_rtol")
        self.assertEqual(dataset.attrs["pde.grid"], [9, 7])
        self.assertEqual(dataset["history_relative_residual"].dims, ("iteration",))
        self.assertEqual(dataset["iteration"].values[0], 0)

    def test_tensor_and_reduced_folders(self):
        tensor = pdekit.load(fixtures.runge3d(), xarray=True)
        self.assertEqual(tensor["core"].dims, ("rank_1", "rank_2", "rank_3"))
        self.assertEqual(tensor["factor_2"].dims, ("row_2", "rank_2"))
        model = pdekit.load(fixtures.thermal_block(), xarray=True)
        self.assertEqual(model["rb_basis"].dims, ("basis", "x", "y"))
        self.assertEqual(model["rb_operators"].dims, ("operator_term", "basis", "basis_column"))

    def test_sweep_with_stacks_and_dataset(self):
        dataset = pdekit.load(fixtures.darcy_sweep(), xarray=True)
        self.assertEqual(dataset["solution"].dims, ("case", "x", "y"))
        self.assertEqual(dataset["coefficient"].dims, ("case", "x_node", "y_node"))
        self.assertEqual(dataset.sizes["case"], 6)
        self.assertEqual(list(dataset["parameter"].values), ["pde.coefficient.grf.seed", "pde.coefficient.grf.scale"])
        self.assertTrue(np.all(dataset["status"].values == "ok"))
        case = pdekit.load_case(fixtures.darcy_sweep(), 3, xarray=False)
        np.testing.assert_array_equal(dataset["solution"].sel(case=3).values, case["solution"])

    def test_sweep_with_stacks_only(self):
        # No dataset.h5: the fields come from the stacks, the coordinates from a case folder.
        dataset = pdekit.load(fixtures.stacked_sweep(), xarray=True)
        self.assertEqual(dataset.sizes["case"], 2)
        self.assertEqual(dataset["solution"].dims, ("case", "x", "y"))
        np.testing.assert_allclose(dataset["x"].values, np.arange(1, 10) / 10, rtol=0, atol=1e-15)
        np.testing.assert_allclose(dataset["y_node"].values, np.arange(11) / 10, rtol=0, atol=1e-15)
        self.assertEqual(list(dataset["parameter"].values), ["pde.coefficient.grf.seed"])
        np.testing.assert_array_equal(dataset["parameters"].values[:, 0], [4, 5])

    def test_sweep_table_only(self):
        dataset = pdekit.load(fixtures.thermal_block_online(), xarray=True)
        self.assertEqual(dataset.sizes["case"], len(fixtures.ONLINE_PARAMETERS))
        self.assertEqual(dataset["compliance"].dims, ("case",))

    def test_dataset_file(self):
        dataset = pdekit.load(os.path.join(fixtures.fno_dataset(), "dataset.h5"), xarray=True)
        self.assertEqual(dataset["solution"].dims, ("case", "x", "y"))
        self.assertEqual(dataset["coefficient"].dims, ("case", "x_node", "y_node"))
        self.assertEqual(dataset["status"].dims, ("case",))
        self.assertEqual(dataset.attrs["layout"], "pdekit-dataset-1")


@unittest.skipIf(has_module("xarray"), "xarray is installed")
class WithoutXarrayTests(PdekitTestCase):
    def test_dict_by_default_and_error_when_required(self):
        self.assertIsInstance(pdekit.load(fixtures.poisson2d()), dict)
        with self.assertRaisesRegex(ImportError, "xarray"):
            pdekit.load(fixtures.poisson2d(), xarray=True)


if __name__ == "__main__":
    unittest.main()
