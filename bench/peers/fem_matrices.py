"""Finite-element matrices for the multigrid benchmark, made by scikit-fem (issue 9): a P1
Poisson matrix on an unstructured disk mesh and a 2D linear-elasticity matrix (P1 vector
elements, clamped on the left edge) with its rigid-body modes. Each written as Matrix Market
plus a random right-hand side (and the modes) as NPY.

    python3 fem_matrices.py OUTDIR
"""
import sys, os
import numpy as np, scipy.io, skfem
from skfem import MeshTri, Basis, ElementTriP1, ElementVector, BilinearForm, asm
from skfem.helpers import dot, grad
from skfem.models.elasticity import linear_elasticity, lame_parameters

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)

# P1 Poisson on a disk, boundary condensed (~500k unknowns).
m = MeshTri.init_circle(9)
basis = Basis(m, ElementTriP1())
@BilinearForm
def laplace(u, v, w):
    return dot(grad(u), grad(v))
A = laplace.assemble(basis)
I = basis.complement_dofs(basis.get_dofs())
A = A[I][:, I].tocsr()
scipy.io.mmwrite(os.path.join(out, "fem_poisson.mtx"), A.tocoo(), symmetry="symmetric",
                 comment=f"scikit-fem {skfem.__version__}: P1 Laplacian, MeshTri.init_circle(9), boundary condensed")
np.save(os.path.join(out, "fem_poisson_rhs.npy"), rng.standard_normal(A.shape[0]))
print(f"fem_poisson: {A.shape[0]} unknowns, {A.nnz} nonzeros", file=sys.stderr)

# 2D elasticity (E = 1, nu = 0.3), clamped at x = 0, on the unit square (~260k unknowns).
m = MeshTri().refined(8)
e = ElementVector(ElementTriP1())
basis = Basis(m, e)
K = asm(linear_elasticity(*lame_parameters(1.0, 0.3)), basis)
clamped = basis.get_dofs(lambda x: x[0] < 1e-12).all()
I = basis.complement_dofs(clamped)
K = K[I][:, I].tocsr()
# Rigid-body modes at the free dofs: translations in x and y, rotation (-y, x). scikit-fem
# numbers vector dofs node by node (u_x, u_y interleaved), so block_size = 2.
coords = basis.doflocs[:, I]
nodes_x, nodes_y = coords
modes = np.zeros((len(I), 3))
is_x = (np.arange(basis.N)[I] % 2 == 0)
modes[is_x, 0] = 1; modes[~is_x, 1] = 1
modes[is_x, 2] = -nodes_y[is_x]; modes[~is_x, 2] = nodes_x[~is_x]
scipy.io.mmwrite(os.path.join(out, "fem_elasticity.mtx"), K.tocoo(), symmetry="symmetric",
                 comment=f"scikit-fem {skfem.__version__}: 2D linear elasticity, P1 vector elements, MeshTri().refined(8), clamped at x = 0")
np.save(os.path.join(out, "fem_elasticity_rhs.npy"), rng.standard_normal(K.shape[0]))
np.save(os.path.join(out, "fem_elasticity_modes.npy"), modes)
print(f"fem_elasticity: {K.shape[0]} unknowns, {K.nnz} nonzeros", file=sys.stderr)
