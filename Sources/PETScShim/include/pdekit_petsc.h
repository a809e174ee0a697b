#ifndef PDEKIT_PETSC_H
#define PDEKIT_PETSC_H

// The one entry point of libpdekit-petsc.so, which pdekit loads with dlopen only when a
// problem asks for method = "petsc" (Solvers/PETScLibrary.swift): a run that never touches
// PETSc never loads PETSc, Open MPI or hypre.
//
// Solves A x = b (CSR, 0-based, n rows) with PETSc's KSP on PETSC_COMM_SELF. ksp_type and
// pc_type may be empty (PETSc's defaults); `options` is a PETSc options string inserted into
// a cleared options database before KSPSetFromOptions. On return 0: iterations, PETSc's
// converged reason, setup and solve seconds, and in `text` tab-separated lines
//   reason\t<KSPConvergedReasons name>   ksp\t<type>   pc\t<type>   norm\t<KSPNormTypes name>
//   unused\t<-option>\t<value>           (one per option PETSc did not use)
//   view\t<line of KSPView>              (when `view` is nonzero)
// On a PETSc error: PETSc's error code, and its first message in `text`.
int pdekit_petsc_solve(int n, const int *row_pointers, const int *columns, const double *values,
                       const double *b, double *x, int nonzero_initial_guess,
                       const char *ksp_type, const char *pc_type, const char *options,
                       double rtol, double atol, int max_iterations, int view,
                       int *iterations, int *reason, double *setup_seconds, double *solve_seconds,
                       char *text, int text_capacity);

// Ends PETSc and MPI if pdekit started them (pdekit calls it before it exits): a rank of
// mpirun that called MPI_Init must call MPI_Finalize, or mpirun reports the job as failed.
void pdekit_petsc_finalize(void);

#endif
