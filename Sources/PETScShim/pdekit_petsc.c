// pdekit's bridge to PETSc: what Swift cannot call directly (PETSc's macros, PETSC_COMM_SELF,
// its error handling), behind one C function with plain arguments (include/pdekit_petsc.h).
// Built as its own shared library, libpdekit-petsc.so, and loaded by pdekit with dlopen on the
// first method = "petsc" solve, so that PETSc and MPI cost nothing to runs that do not use them.
//
// Not thread-safe (PETSc is not): the Swift side holds one lock around every call.

#include "pdekit_petsc.h"

#include <petsc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if PETSC_SIZEOF_INT != 4 || defined(PETSC_USE_64BIT_INDICES)
#error "pdekit passes 32-bit CSR indices to PETSc: build against a PETSc with 32-bit PetscInt"
#endif

// The first message of the current error (PETSc calls the handler once per frame of the
// traceback; the first call, PETSC_ERROR_INITIAL, has the message that says what went wrong).
static char first_error[1024];

static PetscErrorCode keep_first_error(MPI_Comm comm, int line, const char *function, const char *file, PetscErrorCode code,
                                       PetscErrorType type, const char *message, void *context) {
  (void)comm; (void)context;
  if (type == PETSC_ERROR_INITIAL) {
    const char *text = NULL;
    PetscErrorMessage(code, &text, NULL);
    snprintf(first_error, sizeof first_error, "%s%s%s (in %s, %s:%d)", text ? text : "PETSc error",
             message && *message ? ": " : "", message ? message : "", function ? function : "?", file ? file : "?", line);
  }
  return code;
}

// Output text, kept within its capacity (a line that does not fit is cut).
typedef struct { char *text; int capacity, used; } Out;

static void put(Out *out, const char *format, ...) {
  if (out->used >= out->capacity - 1) return;
  va_list args;
  va_start(args, format);
  int n = vsnprintf(out->text + out->used, (size_t)(out->capacity - out->used), format, args);
  va_end(args);
  if (n > 0) out->used += n < out->capacity - out->used ? n : out->capacity - out->used - 1;
}

// MPI (serialized threads: pdekit calls from whichever sweep worker holds the lock) and PETSc,
// once per process. PETSc's signal handlers are left out: pdekit's own crash behaviour stays.
static PetscErrorCode initialize(void) {
  PetscBool petsc = PETSC_FALSE;
  PetscCall(PetscInitialized(&petsc));
  if (petsc) return 0;
  int mpi = 0;
  MPI_Initialized(&mpi);
  if (!mpi) {
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) return PETSC_ERR_LIB;
  }
  PetscCall(PetscOptionsSetValue(NULL, "-no_signal_handler", NULL));
  PetscCall(PetscInitializeNoArguments());
  PetscCall(PetscPushErrorHandler(keep_first_error, NULL));
  return 0;
}

// KSPs whose residual pdekit's stopping rule uses by default: the true (unpreconditioned)
// residual, with the preconditioner on the right where PETSc needs that for it.
static PetscErrorCode use_true_residual(KSP ksp) {
  KSPType type;
  PetscBool given = PETSC_FALSE;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-ksp_norm_type", &given));
  if (given) return 0;
  PetscCall(KSPGetType(ksp, &type));
  if (!type) return 0;
  const char *left_side[] = {KSPCG, KSPPIPECG, KSPCR}, *right_side[] = {KSPGMRES, KSPFGMRES, KSPBCGS, KSPLGMRES};
  int cg = 0, right = 0;
  for (size_t k = 0; k < sizeof left_side / sizeof *left_side; k++) cg |= !strcmp(type, left_side[k]);
  for (size_t k = 0; k < sizeof right_side / sizeof *right_side; k++) right |= !strcmp(type, right_side[k]);
  if (right) {
    PetscBool side = PETSC_FALSE;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ksp_pc_side", &side));
    if (!side) PetscCall(KSPSetPCSide(ksp, PC_RIGHT));
  }
  if (cg || right) PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  return 0;
}

static PetscErrorCode solve(int n, const int *row_pointers, const int *columns, const double *values, const double *b, double *x,
                            int nonzero_initial_guess, const char *ksp_type, const char *pc_type, const char *options,
                            double rtol, double atol, int max_iterations, int view, int *iterations, int *reason,
                            double *setup_seconds, double *solve_seconds, Out *out) {
  Mat A = NULL;
  Vec vb = NULL, vx = NULL;
  KSP ksp = NULL;
  PC pc = NULL;
  PetscLogDouble t0, t1, t2;

  PetscCall(PetscOptionsClear(NULL));
  if (options && *options) PetscCall(PetscOptionsInsertString(NULL, options));
  // PETSc reads the arrays in place (its i, j, a arguments are not const, but a solve does not
  // write them; the matrix is destroyed before this returns).
  PetscCall(MatCreateSeqAIJWithArrays(PETSC_COMM_SELF, n, n, (PetscInt *)row_pointers, (PetscInt *)columns, (PetscScalar *)values, &A));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, b, &vb));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, x, &vx));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  if (ksp_type && *ksp_type) PetscCall(KSPSetType(ksp, ksp_type));
  if (pc_type && *pc_type) PetscCall(PCSetType(pc, pc_type));
  PetscCall(KSPSetTolerances(ksp, rtol, atol, PETSC_DEFAULT, max_iterations));
  if (nonzero_initial_guess) PetscCall(KSPSetInitialGuessNonzero(ksp, PETSC_TRUE));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(use_true_residual(ksp));

  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, vb, vx));
  PetscCall(PetscTime(&t2));
  *setup_seconds = t1 - t0;
  *solve_seconds = t2 - t1;

  KSPConvergedReason why;
  PetscInt its;
  KSPType kt;
  PCType pt;
  KSPNormType norm;
  PetscCall(KSPGetConvergedReason(ksp, &why));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetType(ksp, &kt));
  PetscCall(PCGetType(pc, &pt));
  PetscCall(KSPGetNormType(ksp, &norm));
  *reason = (int)why;
  *iterations = (int)its;
  put(out, "reason\t%s\nksp\t%s\npc\t%s\nnorm\t%s\n", KSPConvergedReasons[why], kt ? kt : "", pt ? pt : "", KSPNormTypes[norm]);

  // -options_left: what the options string set that nothing read.
  PetscInt left = 0;
  char **names = NULL, **settings = NULL;
  PetscCall(PetscOptionsLeftGet(NULL, &left, &names, &settings));
  for (PetscInt k = 0; k < left; k++) put(out, "unused\t-%s\t%s\n", names[k], settings[k] ? settings[k] : "");
  PetscCall(PetscOptionsLeftRestore(NULL, &left, &names, &settings));

  if (view) {
    char *buffer = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&buffer, &size);
    if (stream) {
      PetscViewer viewer;
      PetscCall(PetscViewerCreate(PETSC_COMM_SELF, &viewer));
      PetscCall(PetscViewerSetType(viewer, PETSCVIEWERASCII));
      PetscCall(PetscViewerASCIISetFILE(viewer, stream));
      PetscCall(KSPView(ksp, viewer));
      PetscCall(PetscViewerDestroy(&viewer));
      fclose(stream);
      for (char *line = strtok(buffer, "\n"); line; line = strtok(NULL, "\n")) put(out, "view\t%s\n", line);
      free(buffer);
    }
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&vx));
  PetscCall(VecDestroy(&vb));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscOptionsClear(NULL));
  return 0;
}

int pdekit_petsc_solve(int n, const int *row_pointers, const int *columns, const double *values, const double *b, double *x,
                       int nonzero_initial_guess, const char *ksp_type, const char *pc_type, const char *options, double rtol,
                       double atol, int max_iterations, int view, int *iterations, int *reason, double *setup_seconds,
                       double *solve_seconds, char *text, int text_capacity) {
  Out out = {text, text_capacity, 0};
  if (text_capacity > 0) text[0] = 0;
  first_error[0] = 0;
  PetscErrorCode code = initialize();
  if (!code) {
    code = solve(n, row_pointers, columns, values, b, x, nonzero_initial_guess, ksp_type, pc_type, options, rtol, atol, max_iterations,
                 view, iterations, reason, setup_seconds, solve_seconds, &out);
  }
  if (code) {
    out.used = 0;
    if (text_capacity > 0) text[0] = 0;
    put(&out, "%s", first_error[0] ? first_error : "PETSc could not be initialised (MPI_Init_thread failed)");
    // Objects of a failed solve are not destroyed: PETSc's state after an error is not
    // guaranteed; the options are cleared for the next solve.
    PetscOptionsClear(NULL);
  }
  return (int)code;
}

void pdekit_petsc_finalize(void) {
  PetscBool petsc = PETSC_FALSE;
  if (PetscInitialized(&petsc) == 0 && petsc) {
    PetscOptionsClear(NULL);
    PetscFinalize();
  }
  int started = 0, ended = 0;
  MPI_Initialized(&started);
  MPI_Finalized(&ended);
  if (started && !ended) MPI_Finalize();
}
