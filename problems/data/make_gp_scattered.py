"""Writes the scattered-data example of problems/gp_scattered2d.toml: n = 2000 training points
and 500 held-out points drawn uniformly in the unit square, with values
sin(6x) cos(3y) + x/2 plus Gaussian noise of standard deviation 0.1 (the function of
gp_regression2d.toml). Seeded, so the files are the same on every run:

    python3 problems/data/make_gp_scattered.py    # from the repository's root
"""
import os
import numpy as np

rng = np.random.default_rng(2015)  # Wilson & Nickisch's year


def sample(n):
    x = rng.uniform(0.0, 1.0, size=(n, 2))
    y = np.sin(6 * x[:, 0]) * np.cos(3 * x[:, 1]) + x[:, 0] / 2 + 0.1 * rng.standard_normal(n)
    return x, y


here = os.path.dirname(os.path.abspath(__file__))
for name, n in (("gp_scattered", 2000), ("gp_scattered_test", 500)):
    x, y = sample(n)
    np.save(os.path.join(here, f"{name}_x.npy"), x)
    np.save(os.path.join(here, f"{name}_y.npy"), y)
