"""Reduced models: NumPy's online solve against pdekit's own (kind = "reduced_model"), checksums,
and the families Python cannot evaluate."""

import hashlib
import os
import shutil
import unittest

import numpy as np

import fixtures
from fixtures import PdekitTestCase, scratch

import pdekit
from pdekit import PdekitFormatError, PdekitRunError
from pdekit.reduced import FiniteVolumeRows, ReducedModel

#: NumPy's LAPACK against pdekit's on an N × N system of condition ~1e4: agreement to rounding.
RTOL = 1e-10


class ThermalBlockTests(PdekitTestCase):
    def setUp(self):
        super().setUp()
        self.model = ReducedModel.from_folder(fixtures.thermal_block())

    def test_archive(self):
        model = self.model
        record = model.record["result"]
        self.assertEqual(model.family, "thermal_block")
        self.assertEqual(model.numbers, (2, 2, 31))
        self.assertEqual(model.size, record["basis_size"])
        self.assertEqual(model.shape, (31, 31))
        self.assertEqual(model.operators.shape, (4, model.size, model.size))
        self.assertEqual(model.parameter_names, ["mu1", "mu2", "mu3", "mu4"])
        np.testing.assert_array_equal(model.reference, [1.0, 1.0, 1.0, 1.0])

    def test_against_pdekit_online(self):
        online = pdekit.load(fixtures.thermal_block_online(), xarray=False)
        table = online["table"]
        self.assertEqual(len(table["case"]), len(fixtures.ONLINE_PARAMETERS))
        for row, case in enumerate(table["case"]):
            mu = [float(table[f"reduced_model.parameters.mu{q}"][row]) for q in range(1, 5)]
            with self.subTest(mu=mu):
                solution = self.model.solve(mu)
                folder = online["cases"][int(case)]
                record = folder["record"]["result"]
                np.testing.assert_allclose(solution.coefficients, folder["arrays"]["coefficients"], rtol=RTOL,
                                           atol=RTOL * np.max(np.abs(folder["arrays"]["coefficients"])))
                self.assertAlmostEqual(solution.compliance, record["compliance"], delta=RTOL * abs(record["compliance"]))
                self.assertAlmostEqual(solution.compliance, table["compliance"][row], delta=RTOL * abs(record["compliance"]))
                self.assertAlmostEqual(solution.bound, record["bound"], delta=RTOL * record["bound"])
                self.assertAlmostEqual(solution.compliance_bound, record["compliance_bound"], delta=RTOL * record["compliance_bound"])
                self.assertAlmostEqual(solution.relative_bound, record["relative_bound"], delta=RTOL * record["relative_bound"])
                field = self.model.field(mu)
                self.assertEqual(field.shape, folder["solution"].shape)
                np.testing.assert_allclose(field, folder["solution"], rtol=0, atol=RTOL * np.max(np.abs(folder["solution"])))

    def test_parameters_by_name_and_affine_solve(self):
        mu = dict(zip(self.model.parameter_names, fixtures.ONLINE_PARAMETERS[2]))
        by_name = self.model.solve(mu)
        by_order = self.model.solve(fixtures.ONLINE_PARAMETERS[2])
        np.testing.assert_array_equal(by_name.coefficients, by_order.coefficients)
        # The thermal block's θ(μ) = μ, φ = 1 and min-θ bound, given explicitly.
        theta = np.array(fixtures.ONLINE_PARAMETERS[2])
        affine = self.model.solve_affine(theta, [1.0], alpha=float(np.min(theta)))
        np.testing.assert_array_equal(affine.coefficients, by_order.coefficients)
        self.assertEqual(affine.bound, by_order.bound)
        self.assertIsNone(self.model.solve_affine(theta, [1.0]).bound)
        with self.assertRaisesRegex(ValueError, "positive"):
            self.model.solve([0.3, -0.1, 0.5, 0.5])
        with self.assertRaisesRegex(ValueError, "missing mu4"):
            self.model.solve({"mu1": 1, "mu2": 1, "mu3": 1})


class DamagedModelTests(PdekitTestCase):
    def copy_model(self, name: str) -> str:
        copy = os.path.join(scratch("model"), name)
        shutil.copytree(fixtures.thermal_block(), copy)
        return copy

    def test_flipped_byte_is_refused(self):
        copy = self.copy_model("flipped")
        path = os.path.join(copy, "rb_basis.npy")
        with open(path, "r+b") as handle:
            handle.seek(os.path.getsize(path) // 2)          # inside the data, past the header
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0x01]))
        with self.assertRaisesRegex(PdekitFormatError, r"rb_basis\.npy: does not match its SHA-256"):
            ReducedModel.from_folder(copy)
        with self.assertRaisesRegex(PdekitFormatError, "rb_basis"):
            pdekit.load(copy, xarray=False)
        # pdekit refuses it too.
        with self.assertRaises(PdekitRunError) as caught:
            pdekit.run(fixtures.problem("thermal_block_online.toml"), set={"reduced_model.model": copy},
                       output=os.path.join(scratch("refused"), "out"))
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("rb_basis.npy", caught.exception.message)

    def test_missing_checksums_are_refused(self):
        copy = self.copy_model("no-checksums")
        os.remove(os.path.join(copy, "checksums.sha256"))
        with self.assertRaisesRegex(PdekitFormatError, "no checksums.sha256"):
            ReducedModel.from_folder(copy)

    def test_consistent_but_wrong_manifest_is_refused(self):
        # A manifest rewritten with a matching checksum still has to agree with the arrays.
        copy = self.copy_model("manifest")
        manifest = np.load(os.path.join(copy, "rb_manifest.npy"))
        manifest[5] -= 1
        np.save(os.path.join(copy, "rb_manifest.npy"), manifest)
        with open(os.path.join(copy, "rb_manifest.npy"), "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        with open(os.path.join(copy, "checksums.sha256")) as handle:
            lines = [f"{digest}  rb_manifest.npy" if line.endswith("rb_manifest.npy") else line for line in handle.read().splitlines()]
        with open(os.path.join(copy, "checksums.sha256"), "w") as handle:
            handle.write("\n".join(lines) + "\n")
        with self.assertRaisesRegex(PdekitFormatError, "do not match rb_manifest.npy"):
            ReducedModel.from_folder(copy)


class PDEFamilyTests(PdekitTestCase):
    """A pde family from its files: θ, φ from the rows of A(μ), f(μ) that pdekit's scheme gives
    at the EIM entries (assembled in Python from the record) and the nodal-ratio α_LB, against
    pdekit's reduced_model runs: a 1D family with a reaction, and a 2D one with a Dirichlet value,
    a Neumann flux, a periodic axis and a domain other than the unit square."""

    def check(self, name, model_folder):
        model = ReducedModel.from_folder(model_folder)
        self.assertEqual(model.family, "pde")
        self.assertEqual(model.parameter_names, ["s", "k"])
        online = pdekit.load(fixtures.pde_online(name), xarray=False)
        table = online["table"]
        self.assertEqual(len(table["case"]), len(fixtures.PDE_ONLINE[name]))
        for row, case in enumerate(table["case"]):
            mu = [float(table["reduced_model.parameters.s"][row]), float(table["reduced_model.parameters.k"][row])]
            with self.subTest(family=name, mu=mu):
                folder = online["cases"][int(case)]
                record = folder["record"]["result"]
                solution = model.solve(dict(zip(["s", "k"], mu)))
                self.assertGreater(record["relative_bound"], 1e-9)  # a real bound, not rounding
                self.assertAlmostEqual(solution.compliance, record["compliance"], delta=RTOL * abs(record["compliance"]))
                self.assertAlmostEqual(solution.bound, record["bound"], delta=RTOL * record["bound"])
                self.assertAlmostEqual(solution.compliance_bound, record["compliance_bound"], delta=RTOL * record["compliance_bound"])
                field = model.field(mu)
                np.testing.assert_allclose(field, folder["solution"], rtol=0, atol=RTOL * np.max(np.abs(folder["solution"])))

    def test_bvp1d_against_pdekit_online(self):
        self.check("bvp1d", fixtures.bvp1d())

    def test_mixed_boundaries_against_pdekit_online(self):
        self.check("mixed", fixtures.mixed_family())

    def test_nonfinite_parameters_and_a_nonpositive_coefficient_are_refused(self):
        model = ReducedModel.from_folder(fixtures.bvp1d())
        with self.assertRaisesRegex(ValueError, "finite"):
            model.solve({"s": float("nan"), "k": 1.0})
        # exp(s sin(πx)) stays positive; a coefficient that does not is refused, not solved.
        pde = {"grid": [5], "coefficient": "s - x", "rhs": "1", "parameters": {"s": 0.0}}
        with self.assertRaisesRegex(ValueError, "coefficient must be positive"):
            FiniteVolumeRows(pde, {"s": 0.5}).nodal_fields()

    def test_a_file_field_is_refused(self):
        pde = {"grid": [5], "coefficient": {"npy": "a.npy"}, "rhs": "1", "parameters": {"s": 0.0}}
        with self.assertRaises(NotImplementedError):
            FiniteVolumeRows(pde, {"s": 1.0})

    def test_rows_against_pdekit_assembly(self):
        """Every row of the Python scheme, not only the EIM's: pdekit's own direct solution of the
        same [pde] table (kind = "pde") leaves a residual at rounding in the rows Python builds."""
        model = ReducedModel.from_folder(fixtures.mixed_family())
        pde = dict(model.record["reduced_basis"]["pde"])
        rows = FiniteVolumeRows(pde, {"s": 0.3, "k": 1.2})
        n = int(np.prod(rows.shape))
        system = rows.rows(range(n))
        matrix = np.zeros((n, n))
        for r, (entries, _) in system.items():
            for c, v in entries.items():
                matrix[r, c] = v
        rhs = np.array([system[r][1] for r in range(n)])
        truth = fixtures.pde_truth({"s": 0.3, "k": 1.2})
        residual = matrix @ truth.ravel() - rhs
        self.assertLess(np.max(np.abs(residual)), 1e-9 * np.max(np.abs(rhs)))


class MatrixFamilyTests(PdekitTestCase):
    """A matrices family from its files: θ, φ from the member's entries at the EIM entries and
    α_LB from the record's coercivity expression, against pdekit's reduced_model runs."""

    def setUp(self):
        super().setUp()
        self.model = ReducedModel.from_folder(fixtures.rb_matrices())

    def test_against_pdekit_online(self):
        self.assertEqual(self.model.parameter_names, ["mu"])
        for member, mu in fixtures.MATRIX_MEMBERS:
            with self.subTest(member=member):
                folder = pdekit.load(fixtures.rb_matrices_online(member), xarray=False)
                record = folder["record"]["result"]
                matrix, rhs = fixtures.matrix_member_files(member)
                solution = self.model.solve({"mu": mu}, matrix=matrix, rhs=rhs)
                self.assertAlmostEqual(solution.compliance, record["compliance"], delta=RTOL * abs(record["compliance"]))
                field = self.model.reconstruct(solution.coefficients)
                np.testing.assert_allclose(field, folder["solution"], rtol=0, atol=RTOL * np.max(np.abs(folder["solution"])))
                if member == "perturbed":
                    # Off the family the bound is a real quantity, and the two agree on it.
                    self.assertGreater(record["relative_bound"], 1e-6)
                    self.assertAlmostEqual(solution.bound, record["bound"], delta=RTOL * record["bound"])
                    self.assertAlmostEqual(solution.compliance_bound, record["compliance_bound"], delta=RTOL * record["compliance_bound"])
                else:
                    # At a member the bound is rounding; both must say so.
                    self.assertLess(max(solution.relative_bound, record["relative_bound"]), 1e-8)

    def test_member_files_are_required_and_checked(self):
        with self.assertRaises(ValueError):
            self.model.solve([0.5])
        data = os.path.join(fixtures.PROBLEMS, "data", "rb_family")
        # A member whose file lacks an interpolation entry is refused, as pdekit refuses it.
        folder = scratch("rb_member")
        path = os.path.join(folder, "diagonal.mtx")
        with open(path, "w") as handle:
            handle.write("%%MatrixMarket matrix coordinate real general\n99 99 99\n" + "".join(f"{i} {i} 1.0\n" for i in range(1, 100)))
        # Empty, truncated and garbled files are format errors, not Python tracebacks.
        for name, text in [("empty.mtx", ""), ("header.mtx", "%%MatrixMarket matrix coordinate real general\n"),
                           ("garbled.mtx", "%%MatrixMarket matrix coordinate real general\n99 99 1\n1 x 2.0\n"),
                           ("outside.mtx", "%%MatrixMarket matrix coordinate real general\n99 99 1\n100 1 2.0\n")]:
            bad = os.path.join(folder, name)
            with open(bad, "w") as handle:
                handle.write(text)
            with self.subTest(file=name), self.assertRaises(PdekitFormatError):
                self.model.solve([0.5], matrix=bad, rhs=os.path.join(data, "test_f0.npy"))
            with self.subTest(rhs=name), self.assertRaises(PdekitFormatError):
                pdekit.reduced.read_vector(bad)
        if any(int(r) != int(c) for r, c in self.model.matrix_eim[:, :2]):
            with self.assertRaises(PdekitFormatError):
                self.model.solve([0.5], matrix=path, rhs=os.path.join(data, "test_f0.npy"))


class ExpressionTests(unittest.TestCase):
    """pdekit's expression syntax in Python: precedence as pdekit parses it, and nothing else."""

    def test_precedence_and_functions(self):
        from pdekit.reduced import expression
        f = expression("-x^2 + 2^-1 + min(x, 3, 1)*max(1, y) + atan2(1, 1)*4/pi + e^0 + 2**3**0", ["x", "y"])
        self.assertEqual(f({"x": 3.0, "y": 5.0}), -9.0 + 0.5 + 5.0 + 1.0 + 1.0 + 2.0)

    def test_ieee_results_instead_of_exceptions(self):
        from pdekit.reduced import expression
        self.assertEqual(expression("1/x", ["x"])({"x": 0.0}), float("inf"))
        self.assertEqual(expression("1/0 + x", ["x"])({"x": 1.0}), float("inf"))
        self.assertTrue(np.isnan(expression("sqrt(x)", ["x"])({"x": -1.0})))
        self.assertEqual(expression("2^0.5", [])({}), 2 ** 0.5)

    def test_other_names_and_symbols_are_refused(self):
        from pdekit.reduced import expression
        for bad in ["__import__('os')", "x.real", "x; 1", "y", "[x]", "lambda: 1"]:
            with self.subTest(source=bad), self.assertRaises(ValueError):
                expression(bad, ["x"])


if __name__ == "__main__":
    unittest.main()
