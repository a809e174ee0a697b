#ifndef PDEKIT_GEOMETRIC_MULTIGRID_H
#define PDEKIT_GEOMETRIC_MULTIGRID_H

#include <petsc.h>
#include "pdekit_petsc_bridge.h"

// pc_type = "mg" on a pdekit grid: PETSc's PCMG with the geometric hierarchy of pdekit's own
// multigrid (see geometric_multigrid.c). Call on a PC whose type is PCMG, before KSPSetUp.
PetscErrorCode pdekit_geometric_multigrid(PC pc, const pdekit_petsc_problem *problem, int *levels);

#endif
