"""Sweep folders (sweep.csv, stacks, lazy case folders) and dataset.h5 files."""

import os
import shutil
import unittest

import numpy as np

import fixtures
from fixtures import PdekitTestCase, has_module, scratch

import pdekit
from pdekit import PdekitFormatError


class SweepFolderTests(PdekitTestCase):
    def test_table(self):
        sweep = pdekit.load(fixtures.darcy_sweep(), xarray=False)
        table = sweep["table"]
        self.assertEqual(sweep["kind"], "sweep")
        self.assertEqual(len(table["case"]), 6)                      # 3 seeds × 2 scales
        self.assertEqual(sorted(table["case"].tolist()), list(range(6)))
        self.assertEqual(sweep["parameter_names"], ["pde.coefficient.grf.seed", "pde.coefficient.grf.scale"])
        self.assertEqual(table["status"].dtype.kind, "U")
        self.assertTrue(np.all(table["status"] == "ok"))
        self.assertEqual(table["relative_residual"].dtype, np.float64)
        self.assertTrue(np.all(np.isnan(table["relative_l2_error"])))   # no exact solution: empty cells
        self.assertEqual(set(table["pde.coefficient.grf.scale"].tolist()), {1.0, 3.0})

    def test_stacks(self):
        sweep = pdekit.load(fixtures.darcy_sweep(), xarray=False)
        stacks = sweep["stacks"]
        self.assertEqual(stacks["solution"].shape, (6, 15, 15))
        self.assertEqual(stacks["coefficient"].shape, (6, 17, 17))
        self.assertEqual(stacks["parameters"].shape, (6, 2))
        np.testing.assert_array_equal(stacks["cases"], np.arange(6))

    def test_lazy_case_folders(self):
        sweep = pdekit.load(fixtures.darcy_sweep(), xarray=False)
        cases = sweep["cases"]
        self.assertEqual(list(cases), list(range(6)))
        case = cases[4]
        self.assertEqual(case["kind"], "run")
        np.testing.assert_array_equal(case["solution"], sweep["stacks"]["solution"][4])
        np.testing.assert_array_equal(case["coefficient"], sweep["stacks"]["coefficient"][4])
        again = pdekit.load_case(fixtures.darcy_sweep(), 4, xarray=False)
        np.testing.assert_array_equal(again["solution"], case["solution"])
        with self.assertRaises(KeyError):
            pdekit.load_case(fixtures.darcy_sweep(), 99)

    @unittest.skipUnless(has_module("h5py"), "h5py is not installed")
    def test_dataset_in_the_sweep_folder(self):
        sweep = pdekit.load(fixtures.darcy_sweep(), xarray=False)
        dataset = sweep["dataset"]
        np.testing.assert_array_equal(dataset["solution"], sweep["stacks"]["solution"])
        np.testing.assert_array_equal(dataset["coefficient"], sweep["stacks"]["coefficient"])
        self.assertEqual(dataset["parameter_names"], sweep["parameter_names"])

    def test_unmerged_shards_and_damaged_table(self):
        copy = os.path.join(scratch("sweep-copy"), "sweep")
        shutil.copytree(fixtures.darcy_sweep(), copy)
        with open(os.path.join(copy, "sweep.csv"), "a") as handle:
            handle.write("6,1,2\n")
        with self.assertRaisesRegex(PdekitFormatError, "line 8 has 3 fields"):
            pdekit.load(copy, xarray=False)
        os.rename(os.path.join(copy, "sweep.csv"), os.path.join(copy, "sweep-shard-0-of-2.csv"))
        with self.assertRaisesRegex(PdekitFormatError, "pdekit merge"):
            pdekit.load(copy, xarray=False)


@unittest.skipUnless(has_module("h5py"), "h5py is not installed")
class DatasetFileTests(PdekitTestCase):
    def test_fields(self):
        path = os.path.join(fixtures.fno_dataset(), "dataset.h5")
        dataset = pdekit.load(path, xarray=False)
        self.assertEqual(dataset["kind"], "dataset")
        self.assertEqual(dataset["attrs"]["layout"], "pdekit-dataset-1")
        self.assertEqual(dataset["attrs"]["problem_kind"], "pde")
        self.assertEqual(dataset["status"].tolist(), ["ok"] * 4)
        self.assertEqual(dataset["solution"].shape, (4, 15, 15))
        self.assertEqual(dataset["coefficient"].shape, (4, 17, 17))
        self.assertEqual(dataset["parameter_names"], ["pde.coefficient.grf.seed"])
        np.testing.assert_array_equal(dataset["parameters"][:, 0], np.arange(4))
        np.testing.assert_array_equal(dataset["arrays"]["case"], np.arange(4))
        self.assertEqual(set(np.unique(dataset["coefficient"])), {3.0, 12.0})   # the two-phase medium
        self.assertEqual(dataset["coords"]["x"].shape, (15,))
        self.assertEqual(dataset["node_coords"]["x"].shape, (17,))
        self.assertEqual(dataset["record"]["problem"]["name"], "fno_darcy_dataset")
        np.testing.assert_array_equal(dataset["table"]["case"], np.arange(4))

    def test_sweep_without_case_folders(self):
        sweep = pdekit.load(fixtures.fno_dataset(), xarray=False)
        self.assertEqual(len(sweep["cases"]), 0)
        self.assertEqual(sweep["stacks"]["solution"].shape, (4, 15, 15))
        np.testing.assert_array_equal(sweep["dataset"]["solution"], sweep["stacks"]["solution"])
        with self.assertRaisesRegex(PdekitFormatError, "case 2 has no folder"):
            pdekit.load_case(fixtures.fno_dataset(), 2)

    def test_not_a_dataset(self):
        import h5py
        path = os.path.join(scratch("h5"), "other.h5")
        with h5py.File(path, "w") as handle:
            handle["solution"] = np.zeros(3)
            handle.attrs["layout"] = "something-else"
        with self.assertRaisesRegex(PdekitFormatError, "not a pdekit dataset file"):
            pdekit.load(path)


if __name__ == "__main__":
    unittest.main()
