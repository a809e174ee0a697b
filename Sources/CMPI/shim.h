// Open MPI's headers and libmpi (pkg-config ompi-c), which PETSc's headers include.
#include <mpi.h>
