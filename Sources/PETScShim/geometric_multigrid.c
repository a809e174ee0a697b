// pc_type = "mg": PETSc's PCMG on the grid hierarchy pdekit's native geometric multigrid uses
// (Multigrid/GridTransfer.swift), built here as PETSc matrices, with Galerkin coarse operators
// R A P (PCMGSetGalerkin) so that any coefficient, reaction or convection term carries over.
//
// Why not DMDA's own coarsening: pdekit's unknowns are the interior nodes of a Dirichlet grid
// (n = 2^k - 1 per axis), and a DMDA coarsens vertex-centred grids by keeping both end points,
// (n - 1)/2 + 1, which for n = 2^k - 1 allows one coarsening only. The interior hierarchy keeps
// the odd fine points: n_c = (n - 1)/2, fine point 2c + 1 is coarse point c, and an even fine
// point lies halfway between two coarse ones (a Dirichlet zero beyond the ends). Interpolation is
// the tensor product of that 1D linear interpolation; restriction is its transpose (PCMG's
// default), which is full weighting up to the factor 2^d that Galerkin operators absorb.
//
// Distribution: the fine level's rows are this rank's slab of planes along axis 0; coarse plane c
// belongs to the rank that owns fine plane 2c + 1, so every level is again a slab per rank.

#include "geometric_multigrid.h"

typedef struct {
  int dimension;
  PetscInt n[3];
  PetscInt first_plane, end_plane;  // this rank's planes along axis 0
} Level;

static PetscInt plane_size(const Level *l) {
  PetscInt s = 1;
  for (int d = 1; d < l->dimension; d++) s *= l->n[d];
  return s;
}

static PetscInt total(const Level *l) { return l->n[0] * plane_size(l); }

// Every axis odd and at least 3: the interior hierarchy halves it.
static int coarsens(const Level *l) {
  for (int d = 0; d < l->dimension; d++)
    if (l->n[d] < 3 || l->n[d] % 2 == 0) return 0;
  return 1;
}

static Level coarser(const Level *l) {
  Level c = *l;
  for (int d = 0; d < l->dimension; d++) c.n[d] = (l->n[d] - 1) / 2;
  c.first_plane = l->first_plane / 2;  // the coarse planes c with first <= 2c + 1 < end
  c.end_plane = l->end_plane / 2;
  return c;
}

// The 1D weights of fine point f on a coarse axis of nc points: 1 at (f - 1)/2 for odd f, else
// 1/2 at f/2 - 1 and f/2 where those exist.
static int weights(PetscInt f, PetscInt nc, PetscInt index[2], PetscScalar weight[2]) {
  if (f % 2 == 1) { index[0] = (f - 1) / 2; weight[0] = 1; return 1; }
  int k = 0;
  if (f / 2 - 1 >= 0) { index[k] = f / 2 - 1; weight[k++] = 0.5; }
  if (f / 2 < nc) { index[k] = f / 2; weight[k++] = 0.5; }
  return k;
}

// Interpolation from `coarse` to `fine`: this rank's fine rows, 2^d entries at most per row.
static PetscErrorCode interpolation(MPI_Comm comm, const Level *fine, const Level *coarse, Mat *P) {
  PetscInt fs = plane_size(fine), cs = plane_size(coarse);
  PetscInt rows = (fine->end_plane - fine->first_plane) * fs, columns = (coarse->end_plane - coarse->first_plane) * cs;
  PetscCall(MatCreate(comm, P));
  PetscCall(MatSetSizes(*P, rows, columns, total(fine), total(coarse)));
  PetscCall(MatSetType(*P, MATAIJ));
  PetscCall(MatSeqAIJSetPreallocation(*P, 8, NULL));
  PetscCall(MatMPIAIJSetPreallocation(*P, 8, NULL, 8, NULL));
  PetscInt idx[3][2], cols[8];
  PetscScalar w[3][2], vals[8];
  int count[3] = {1, 1, 1};
  for (int d = 0; d < 3; d++) { idx[d][0] = 0; w[d][0] = 1; }
  PetscInt f[3] = {0, 0, 0};
  for (PetscInt row = fine->first_plane * fs; row < fine->end_plane * fs; row++) {
    PetscInt rem = row;
    for (int d = fine->dimension - 1; d >= 0; d--) { f[d] = rem % fine->n[d]; rem /= fine->n[d]; }
    for (int d = 0; d < fine->dimension; d++) count[d] = weights(f[d], coarse->n[d], idx[d], w[d]);
    int k = 0;
    for (int a = 0; a < count[0]; a++)
      for (int b = 0; b < count[1]; b++)
        for (int c = 0; c < count[2]; c++) {
          PetscInt column = idx[0][a];
          if (fine->dimension > 1) column = column * coarse->n[1] + idx[1][b];
          if (fine->dimension > 2) column = column * coarse->n[2] + idx[2][c];
          cols[k] = column;
          vals[k++] = w[0][a] * (fine->dimension > 1 ? w[1][b] : 1) * (fine->dimension > 2 ? w[2][c] : 1);
        }
    PetscCall(MatSetValues(*P, 1, &row, k, cols, vals, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  return 0;
}

PetscErrorCode pdekit_geometric_multigrid(PC pc, const pdekit_petsc_problem *p, int *levels_built) {
  MPI_Comm comm = p->distributed ? PETSC_COMM_WORLD : PETSC_COMM_SELF;
  Level fine = {p->dimension, {0, 1, 1}, 0, 0};
  PetscCheck(p->dimension >= 1 && p->dimension <= 3, comm, PETSC_ERR_ARG_WRONG,
             "pc_type = mg builds its levels from a pde grid with Dirichlet conditions on every side; for this system use gamg or hypre");
  for (int d = 0; d < p->dimension; d++) fine.n[d] = p->shape[d];
  PetscInt fs = plane_size(&fine);
  PetscCheck(p->first_row % fs == 0 && p->local_rows % fs == 0, comm, PETSC_ERR_ARG_WRONG,
             "pc_type = mg needs each rank's rows to be whole planes of the grid");
  fine.first_plane = p->first_row / fs;
  fine.end_plane = fine.first_plane + p->local_rows / fs;

  // How many levels the grid allows, and how many are built: -pc_mg_levels, else coarsening
  // while a level has more than 100 unknowns (the coarsest one's LU is then negligible).
  PetscInt possible = 1, automatic = 1;
  for (Level l = fine; coarsens(&l); l = coarser(&l)) {
    possible++;
    if (total(&l) > 100) automatic++;
  }
  PetscInt levels = automatic;
  PetscBool given = PETSC_FALSE;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-pc_mg_levels", &levels, &given));
  PetscCheck(levels >= 1 && levels <= possible, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-pc_mg_levels %" PetscInt_FMT ": this grid allows 1 to %" PetscInt_FMT " levels (each coarsening halves an odd number "
             "of unknowns per axis, n = 2^k - 1)", levels, possible);
  // PCSetFromOptions would set the levels again (and drop the interpolation): the option is
  // used here, so it leaves the database.
  if (given) PetscCall(PetscOptionsClearValue(NULL, "-pc_mg_levels"));
  PetscCheck(possible > 1, comm, PETSC_ERR_ARG_WRONG,
             "pc_type = mg: the grid cannot be coarsened (every axis needs an odd number of unknowns, at least 3, e.g. 2^k - 1)");

  PetscCall(PCMGSetLevels(pc, (PetscInt)levels, NULL));
  Level l = fine;
  for (PetscInt k = levels - 1; k >= 1; k--) {
    Level c = coarser(&l);
    Mat P;
    PetscCall(interpolation(comm, &l, &c, &P));
    PetscCall(PCMGSetInterpolation(pc, k, P));
    PetscCall(MatDestroy(&P));
    l = c;
  }
  PetscBool galerkin = PETSC_FALSE;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-pc_mg_galerkin", &galerkin));
  if (!galerkin) PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_BOTH));
  *levels_built = (int)levels;
  return 0;
}
