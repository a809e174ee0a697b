// SuiteSparse 5.12 from Debian ships no pkg-config file; headers live in suitesparse/.
#include <suitesparse/SuiteSparse_config.h>
#include <suitesparse/cholmod.h>
#include <suitesparse/umfpack.h>
#include <suitesparse/amd.h>
#include <suitesparse/colamd.h>
