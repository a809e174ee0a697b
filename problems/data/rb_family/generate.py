"""Writes the matrices family of problems/rb_matrices.toml, as another code would: SciPy's
finite differences for −(a u')' = 1 + x on (0, 1), u(0) = u(1) = 0, 99 interior nodes,
a = exp(mu·x) at the face midpoints, mu in [-2, 2]; Matrix Market (scipy.io.mmwrite) and NPY
(numpy.save) per member, listed in training.csv (25 members) and test.csv (5).
    python3 generate.py
"""
import numpy as np, scipy.io, scipy.sparse as sp

m = 99
h = 1 / (m + 1)
x = np.arange(1, m + 1) * h


def member(mu):
    faces = np.exp(mu * (np.arange(m + 1) + 0.5) * h) / h ** 2   # a at the m + 1 face midpoints
    a = sp.diags([faces[:-1] + faces[1:], -faces[1:-1], -faces[1:-1]], [0, 1, -1], shape=(m, m))
    return a.tocoo(), 1 + x


for name, mus in (("training", np.linspace(-2, 2, 25)), ("test", np.random.default_rng(7).uniform(-2, 2, 5))):
    with open(f"{name}.csv", "w") as listing:
        listing.write("mu,matrix,rhs\n")
        for k, mu in enumerate(mus):
            a, f = member(mu)
            scipy.io.mmwrite(f"{name}_a{k}.mtx", a, symmetry="symmetric")
            np.save(f"{name}_f{k}.npy", f)
            listing.write(f"{float(mu)!r},{name}_a{k}.mtx,{name}_f{k}.npy\n")
