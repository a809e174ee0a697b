"""The Chebyshev–Tucker format evaluated in NumPy against the exact functions, and Tucker grids.

The pointwise bound: pdekit's ``max_error`` is the largest |approximation − f| / max|f| over
1000 random points of the box, a sample of the error's supremum, not the supremum itself. Other
points of the same box (here 1000 of NumPy's generator) find other maxima: for the Runge
function pdekit's own ``max_line_error``, on lines through the hardest points, is 4.6 times its
``max_error``. pdekit accepts a resolved smooth function whose pointwise error stays within 10 ×
its tolerance on those lines (docs/problem-files.md), so 10 × ``max_error`` bounds what
independent random points may see; a wrong convention (an axis swapped, a box mapped the wrong
way, a transposed factor) gives errors of order max|f|, 10⁵ times more.

The integral: |∫ approx − ∫ f| ≤ volume × sup|approx − f|, with the sup bounded as above.
"""

import math
import unittest

import numpy as np
from numpy.polynomial import legendre

import fixtures
from fixtures import PdekitTestCase

import pdekit
from pdekit import PdekitFormatError
from pdekit.tensor import ChebyshevTucker, Tucker

POINTS = 1000
FACTOR = 10.0


def runge(points: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + 25.0 * np.sum(points ** 2, axis=1))


def random_points(box, count: int, seed: int) -> np.ndarray:
    box = np.asarray(box, dtype=np.float64)
    return np.random.default_rng(seed).uniform(box[:, 0], box[:, 1], size=(count, box.shape[0]))


def gauss_integral(f, box, order: int) -> float:
    """∫_box f by tensor Gauss–Legendre quadrature (exact to rounding for these smooth f at this order)."""
    nodes, weights = legendre.leggauss(order)
    axes, axis_weights = [], []
    for lo, hi in box:
        axes.append(lo + (hi - lo) * (nodes + 1) / 2)
        axis_weights.append(weights * (hi - lo) / 2)
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(box))
    weight = np.ones(1)
    for w in axis_weights:
        weight = np.multiply.outer(weight, w).ravel()
    return float(weight @ f(mesh))


class ChebyshevTuckerTests(PdekitTestCase):
    def test_runge_pointwise_error(self):
        ct = ChebyshevTucker.from_folder(fixtures.runge3d())
        result = ct.record["result"]
        self.assertEqual(list(ct.ranks), result["ranks"])
        self.assertEqual(ct.degrees, result["degrees"])
        self.assertEqual(ct.storage, result["storage"])
        points = random_points(ct.record["tensor"]["box"], POINTS, seed=2026)
        exact = runge(points)
        error = np.max(np.abs(ct(points) - exact)) / np.max(np.abs(exact))
        self.assertLessEqual(error, FACTOR * result["max_error"])
        self.assertLessEqual(error, FACTOR * ct.record["tensor"]["tolerance"])
        self.assertAlmostEqual(ct(np.zeros(3)), 1.0, delta=FACTOR * result["max_error"])

    def test_runge_integral(self):
        ct = ChebyshevTucker.from_folder(fixtures.runge3d())
        recorded = ct.record["result"]["integral"]
        self.assertLessEqual(abs(ct.integral() - recorded), 1e-12 * abs(recorded))
        # The exact integral of the Runge function over the cube, by quadrature.
        exact = gauss_integral(runge, ct.record["tensor"]["box"], 80)
        self.assertLessEqual(abs(ct.integral() - exact), 8.0 * FACTOR * ct.record["result"]["max_error"])

    def test_asymmetric_boxes(self):
        for dimension, (_, box, f) in fixtures.ASYMMETRIC_TENSORS.items():
            with self.subTest(dimension=dimension):
                folder = fixtures.asymmetric_tensor(dimension)
                ct = ChebyshevTucker.from_folder(folder)
                self.assertEqual(ct.dimension, dimension)
                result = ct.record["result"]
                points = random_points(box, POINTS, seed=dimension)
                exact = f(points)
                scale = np.max(np.abs(exact))
                error = np.max(np.abs(ct(points) - exact)) / scale
                self.assertLessEqual(error, FACTOR * result["max_error"])
                self.assertLessEqual(abs(ct.integral() - result["integral"]), 1e-12 * abs(result["integral"]))
                volume = math.prod(hi - lo for lo, hi in box)
                exact_integral = gauss_integral(f, box, {1: 200, 2: 60, 3: 40, 4: 24}[dimension])
                self.assertLessEqual(abs(ct.integral() - exact_integral), volume * FACTOR * result["max_error"] * scale)

    def test_grid_equals_points(self):
        ct = ChebyshevTucker.from_folder(fixtures.asymmetric_tensor(3))
        axes = [np.linspace(0, 1, 4), np.array([-2.0, 0.1, 3.0]), np.linspace(1, 1.5, 5)]
        values = ct.grid(*axes)
        self.assertEqual(values.shape, (4, 3, 5))
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
        np.testing.assert_allclose(values.ravel(), ct(mesh), rtol=1e-13, atol=1e-13)

    def test_load_gives_the_model(self):
        run = pdekit.load(fixtures.runge3d(), xarray=False)
        self.assertIsInstance(run["model"], ChebyshevTucker)
        self.assertEqual(run["arrays"]["core"].shape, tuple(run["record"]["result"]["ranks"]))
        self.assertEqual(run["model"].integral(), ChebyshevTucker.from_folder(fixtures.runge3d()).integral())

    def test_misuse(self):
        ct = ChebyshevTucker.from_folder(fixtures.runge3d())
        with self.assertRaisesRegex(ValueError, "outside the box"):
            ct(np.array([[0.0, 1.5, 0.0]]))
        with self.assertRaisesRegex(ValueError, r"\(m, 3\)"):
            ct(np.zeros((4, 2)))
        with self.assertRaisesRegex(PdekitFormatError, "read it with Tucker"):
            ChebyshevTucker.from_folder(fixtures.tucker())
        with self.assertRaisesRegex(PdekitFormatError, "not of a kind = \"tensor\" run"):
            ChebyshevTucker.from_folder(fixtures.poisson2d())


class TuckerTests(PdekitTestCase):
    def test_grid_tensor(self):
        tucker = Tucker.from_folder(fixtures.tucker())
        grid = tucker.to_array()
        self.assertEqual(grid.shape, (24, 24, 24))
        self.assertEqual(list(tucker.ranks), tucker.record["result"]["ranks"])
        mesh = np.stack(np.meshgrid(*tucker.axes, indexing="ij"), axis=-1).reshape(-1, 3)
        exact = runge(mesh).reshape(grid.shape)
        error = np.linalg.norm(grid - exact) / np.linalg.norm(exact)
        # The same quantity as pdekit's grid_relative_error, up to the rounding of two summations.
        self.assertAlmostEqual(error, tucker.record["result"]["grid_relative_error"], delta=1e-6 * error)
        self.assertLessEqual(error, tucker.record["tensor"]["tolerance"])


if __name__ == "__main__":
    unittest.main()
