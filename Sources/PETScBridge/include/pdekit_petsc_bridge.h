#ifndef PDEKIT_PETSC_BRIDGE_H
#define PDEKIT_PETSC_BRIDGE_H

// The types of libpdekit-petsc.so's entry points, shared by the library (Sources/PETScShim) and
// by pdekit, which loads it with dlopen (Solvers/PETScLibrary.swift) and so links neither PETSc
// nor MPI. Only plain C types: nothing here needs petsc.h or mpi.h.

// One linear system for PETSc's KSP: the whole of it on one process (`distributed` 0, on
// PETSC_COMM_SELF), or this rank's rows of it under mpirun (`distributed` 1, on
// PETSC_COMM_WORLD, rows first_row ..< first_row + local_rows; every rank passes its own).
typedef struct {
  int global_rows, local_rows, first_row;
  // This process's rows in CSR: 0-based row pointers (local_rows + 1), global column indices.
  const int *row_pointers;
  const int *columns;
  const double *values;
  const double *b;  // local_rows entries
  double *x;        // local_rows entries: the initial guess in, the solution out
  int nonzero_initial_guess;
  const char *ksp_type, *pc_type;  // empty: PETSc's default
  const char *options;             // a PETSc options string, for this solve only
  double rtol, atol;
  int max_iterations;
  int view;         // nonzero: KSPView into the text
  int distributed;
  // The unknowns as a C-order grid (dimension 1-3, axis 0 slowest), Dirichlet on every side:
  // what pc_type = "mg" builds its interpolation from. dimension 0: not a grid.
  int dimension;
  int shape[3];
} pdekit_petsc_problem;

typedef struct {
  int iterations;
  int reason;              // PETSc's KSPConvergedReason
  double setup_seconds, solve_seconds;
  double residual_norm;    // ||b - A x||_2 over all ranks, recomputed after the solve
  double rhs_norm;         // ||b||_2 over all ranks
} pdekit_petsc_result;

// A system in PETSc's hands (its matrix, b and x): made by `create`, used up by `solve`.
typedef struct pdekit_petsc_system pdekit_petsc_system;

// Initialises PETSc (once), inserts the options string, and makes this process's part of the
// system from `problem`'s rows, b and initial guess x.
// - distributed: PETSc copies them, so the caller may free its arrays as soon as this returns
//   (a rank then holds one copy of its rows through the set-up and solve, not two).
// - one process: PETSc uses them in place; they must stay alive and unchanged until `solve`
//   returns.
// 0 on success; on a PETSc error, its code and first message in `text`, and no system.
typedef int (*pdekit_petsc_create_function)(const pdekit_petsc_problem *problem, pdekit_petsc_system **system, char *text,
                                            int text_capacity);
// Sets up and solves a created system with `problem`'s KSP, PC, tolerances, view flag and grid
// (its rows and b are not read), writes the solution into problem->x (local_rows entries), and
// frees the system. 0 on success. `text` receives tab-separated lines (on every rank the same,
// except view lines, which rank 0 alone has):
//   reason\t<KSPConvergedReasons name>   ksp\t<type>   pc\t<type>   norm\t<KSPNormTypes name>
//   unused\t<-option>\t<value>           (one per option PETSc did not use)
//   levels\t<count>                      (pc_type = mg: the multigrid levels built)
//   view\t<line of KSPView>
// On a PETSc error: PETSc's error code, and its first message in `text`.
typedef int (*pdekit_petsc_solve_function)(pdekit_petsc_system *system, const pdekit_petsc_problem *problem,
                                           pdekit_petsc_result *result, char *text, int text_capacity);

// MPI for a distributed run (MPI_COMM_WORLD). `start` initialises MPI and PETSc once and gives
// this process's rank and the number of ranks; 0 on success, else a message in `text`.
typedef int (*pdekit_mpi_start_function)(int *rank, int *size, char *text, int text_capacity);
// Every rank calls it with its own status (0: fine) and message: every rank gets back the
// status and the message of the lowest-numbered rank that failed (status 0 when none did).
typedef int (*pdekit_mpi_agree_function)(int status, char *message, int message_capacity);
// Rank 0's `length` bytes into every rank's buffer.
typedef int (*pdekit_mpi_broadcast_function)(char *buffer, int length);
// In place, over all ranks: operation 0 sums, 1 takes the maximum.
typedef int (*pdekit_mpi_allreduce_function)(double *values, int count, int operation);
// Ends PETSc and MPI if pdekit started them: a rank of mpirun that called MPI_Init must call
// MPI_Finalize, or mpirun reports the job as failed.
typedef void (*pdekit_petsc_finalize_function)(void);

#endif
