#ifndef PDEKIT_PETSC_H
#define PDEKIT_PETSC_H

// The entry points of libpdekit-petsc.so, which pdekit loads with dlopen only when a problem
// asks for method = "petsc" (Solvers/PETScLibrary.swift): a run that never touches PETSc never
// loads PETSc, Open MPI or hypre. Their types and contracts: pdekit_petsc_bridge.h.

#include "pdekit_petsc_bridge.h"

int pdekit_petsc_create(const pdekit_petsc_problem *problem, pdekit_petsc_system **system, char *text, int text_capacity);
int pdekit_petsc_solve(pdekit_petsc_system *system, const pdekit_petsc_problem *problem, pdekit_petsc_result *result, char *text,
                       int text_capacity);
int pdekit_mpi_start(int *rank, int *size, char *text, int text_capacity);
int pdekit_mpi_agree(int status, char *message, int message_capacity);
int pdekit_mpi_broadcast(char *buffer, int length);
int pdekit_mpi_allreduce(double *values, int count, int operation);
void pdekit_petsc_finalize(void);

#endif
