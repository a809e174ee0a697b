// pdekit's bridge to PETSc: what Swift cannot call directly (PETSc's macros, PETSC_COMM_WORLD,
// its error handling, MPI), behind a few C functions with plain arguments (include/pdekit_petsc.h,
// whose types are in PETScBridge's pdekit_petsc_bridge.h).
// Built as its own shared library, libpdekit-petsc.so, and loaded by pdekit with dlopen on the
// first method = "petsc" solve, so that PETSc and MPI cost nothing to runs that do not use them.
//
// Not thread-safe (PETSc is not): the Swift side holds one lock around every call.

#include "pdekit_petsc.h"
#include "geometric_multigrid.h"

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

// KSPView's lines into the text (rank 0's: a viewer on the communicator prints there only).
static PetscErrorCode view_lines(KSP ksp, MPI_Comm comm, Out *out) {
  char *buffer = NULL;
  size_t size = 0;
  FILE *stream = open_memstream(&buffer, &size);
  if (!stream) return 0;
  PetscViewer viewer;
  PetscCall(PetscViewerCreate(comm, &viewer));
  PetscCall(PetscViewerSetType(viewer, PETSCVIEWERASCII));
  PetscCall(PetscViewerASCIISetFILE(viewer, stream));
  PetscCall(KSPView(ksp, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  fclose(stream);
  for (char *line = strtok(buffer, "\n"); line; line = strtok(NULL, "\n")) put(out, "view\t%s\n", line);
  free(buffer);
  return 0;
}

// What `create` made and `solve` uses up.
struct pdekit_petsc_system {
  Mat A;
  Vec b, x;
  int distributed;
};

static PetscErrorCode create(const pdekit_petsc_problem *p, pdekit_petsc_system **made) {
  MPI_Comm comm = p->distributed ? PETSC_COMM_WORLD : PETSC_COMM_SELF;
  pdekit_petsc_system *s = NULL;
  PetscCall(PetscOptionsClear(NULL));
  if (p->options && *p->options) PetscCall(PetscOptionsInsertString(NULL, p->options));
  PetscCall(PetscCalloc1(1, &s));
  s->distributed = p->distributed;
  if (p->distributed) {
    // Copied into PETSc's own storage (this rank's rows with global columns, b and the initial
    // guess), so that the caller can free its copy before the set-up allocates the hierarchy.
    PetscCall(MatCreateMPIAIJWithArrays(comm, p->local_rows, p->local_rows, p->global_rows, p->global_rows, p->row_pointers, p->columns,
                                        p->values, &s->A));
    PetscCall(MatCreateVecs(s->A, &s->x, &s->b));
    PetscScalar *v;
    PetscCall(VecGetArrayWrite(s->b, &v));
    PetscCall(PetscArraycpy(v, p->b, p->local_rows));
    PetscCall(VecRestoreArrayWrite(s->b, &v));
    PetscCall(VecGetArrayWrite(s->x, &v));
    PetscCall(PetscArraycpy(v, p->x, p->local_rows));
    PetscCall(VecRestoreArrayWrite(s->x, &v));
  } else {
    // PETSc reads the arrays in place (its i, j, a arguments are not const, but a solve does not
    // write them; the matrix is destroyed before solve returns).
    PetscCall(MatCreateSeqAIJWithArrays(comm, p->global_rows, p->global_rows, (PetscInt *)p->row_pointers, (PetscInt *)p->columns,
                                        (PetscScalar *)p->values, &s->A));
    PetscCall(VecCreateSeqWithArray(comm, 1, p->global_rows, p->b, &s->b));
    PetscCall(VecCreateSeqWithArray(comm, 1, p->global_rows, p->x, &s->x));
  }
  *made = s;
  return 0;
}

static PetscErrorCode solve(pdekit_petsc_system *s, const pdekit_petsc_problem *p, pdekit_petsc_result *result, Out *out) {
  MPI_Comm comm = s->distributed ? PETSC_COMM_WORLD : PETSC_COMM_SELF;
  Mat A = s->A;
  Vec vb = s->b, vx = s->x, r = NULL;
  KSP ksp = NULL;
  PC pc = NULL;
  PetscLogDouble t0, t1, t2;

  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  if (p->ksp_type && *p->ksp_type) PetscCall(KSPSetType(ksp, p->ksp_type));
  // The PC type the options string asks for wins over pc_type, as KSPSetFromOptions would make
  // it; PCMG needs its levels before that.
  char asked[64] = "";
  PetscBool overridden = PETSC_FALSE;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-pc_type", asked, sizeof asked, &overridden));
  const char *pc_type = overridden ? asked : p->pc_type;
  if (pc_type && *pc_type) PetscCall(PCSetType(pc, pc_type));
  if (pc_type && !strcmp(pc_type, PCMG)) {
    int levels = 0;
    PetscCall(pdekit_geometric_multigrid(pc, p, &levels));
    put(out, "levels\t%d\n", levels);
  }
  PetscCall(KSPSetTolerances(ksp, p->rtol, p->atol, PETSC_DEFAULT, p->max_iterations));
  if (p->nonzero_initial_guess) PetscCall(KSPSetInitialGuessNonzero(ksp, PETSC_TRUE));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(use_true_residual(ksp));

  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, vb, vx));
  PetscCall(PetscTime(&t2));
  result->setup_seconds = t1 - t0;
  result->solve_seconds = t2 - t1;

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
  result->reason = (int)why;
  result->iterations = (int)its;
  put(out, "reason\t%s\nksp\t%s\npc\t%s\nnorm\t%s\n", KSPConvergedReasons[why], kt ? kt : "", pt ? pt : "", KSPNormTypes[norm]);

  // The true residual b - A x, whatever norm PETSc's own test used.
  PetscReal rnorm, bnorm;
  PetscCall(VecDuplicate(vb, &r));
  PetscCall(MatMult(A, vx, r));
  PetscCall(VecAYPX(r, -1.0, vb));
  PetscCall(VecNorm(r, NORM_2, &rnorm));
  PetscCall(VecNorm(vb, NORM_2, &bnorm));
  result->residual_norm = rnorm;
  result->rhs_norm = bnorm;

  // -options_left: what the options string set that nothing read.
  PetscInt left = 0;
  char **names = NULL, **settings = NULL;
  PetscCall(PetscOptionsLeftGet(NULL, &left, &names, &settings));
  for (PetscInt k = 0; k < left; k++) put(out, "unused\t-%s\t%s\n", names[k], settings[k] ? settings[k] : "");
  PetscCall(PetscOptionsLeftRestore(NULL, &left, &names, &settings));

  if (p->view) PetscCall(view_lines(ksp, comm, out));
  // The solution into the caller's x (on one process, PETSc wrote it there in place).
  const PetscScalar *solution;
  PetscCall(VecGetArrayRead(vx, &solution));
  if (solution != p->x) PetscCall(PetscArraycpy(p->x, solution, p->local_rows));
  PetscCall(VecRestoreArrayRead(vx, &solution));
  PetscCall(VecDestroy(&r));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&vx));
  PetscCall(VecDestroy(&vb));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFree(s));
  PetscCall(PetscOptionsClear(NULL));
  return 0;
}

// A failed call's code with PETSc's first message (or `fallback`) as the only text.
static int failed(PetscErrorCode code, Out *out, const char *fallback) {
  out->used = 0;
  if (out->capacity > 0) out->text[0] = 0;
  put(out, "%s", first_error[0] ? first_error : fallback);
  return (int)code;
}

int pdekit_petsc_create(const pdekit_petsc_problem *problem, pdekit_petsc_system **system, char *text, int text_capacity) {
  Out out = {text, text_capacity, 0};
  if (text_capacity > 0) text[0] = 0;
  first_error[0] = 0;
  *system = NULL;
  PetscErrorCode code = initialize();
  if (code) return failed(code, &out, "PETSc could not be initialised (MPI_Init_thread failed)");
  code = create(problem, system);
  if (code) {
    PetscOptionsClear(NULL);
    return failed(code, &out, "PETSc error");
  }
  return 0;
}

int pdekit_petsc_solve(pdekit_petsc_system *system, const pdekit_petsc_problem *problem, pdekit_petsc_result *result, char *text,
                       int text_capacity) {
  Out out = {text, text_capacity, 0};
  if (text_capacity > 0) text[0] = 0;
  first_error[0] = 0;
  memset(result, 0, sizeof *result);
  PetscErrorCode code = solve(system, problem, result, &out);
  if (code) {
    // Objects of a failed solve are not destroyed: PETSc's state after an error is not
    // guaranteed; the options are cleared for the next solve.
    PetscOptionsClear(NULL);
    return failed(code, &out, "PETSc error");
  }
  return 0;
}

int pdekit_mpi_start(int *rank, int *size, char *text, int text_capacity) {
  Out out = {text, text_capacity, 0};
  if (text_capacity > 0) text[0] = 0;
  first_error[0] = 0;
  PetscErrorCode code = initialize();
  if (code) return failed(code, &out, "MPI could not be initialised (MPI_Init_thread failed)");
  MPI_Comm_rank(PETSC_COMM_WORLD, rank);
  MPI_Comm_size(PETSC_COMM_WORLD, size);
  return 0;
}

int pdekit_mpi_agree(int status, char *message, int message_capacity) {
  int rank = 0, size = 1, first = 0, agreed = status;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  int mine = status ? rank : size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD);
  if (first == size) return 0;
  MPI_Bcast(&agreed, 1, MPI_INT, first, PETSC_COMM_WORLD);
  if (message_capacity > 0) {
    MPI_Bcast(message, message_capacity, MPI_CHAR, first, PETSC_COMM_WORLD);
    message[message_capacity - 1] = 0;
  }
  return agreed;
}

int pdekit_mpi_broadcast(char *buffer, int length) {
  return MPI_Bcast(buffer, length, MPI_CHAR, 0, PETSC_COMM_WORLD) == MPI_SUCCESS ? 0 : 1;
}

int pdekit_mpi_allreduce(double *values, int count, int operation) {
  return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, operation == 1 ? MPI_MAX : MPI_SUM, PETSC_COMM_WORLD) == MPI_SUCCESS ? 0 : 1;
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
