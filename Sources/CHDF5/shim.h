// HDF5's C API (Debian's libhdf5-dev, serial build; headers in hdf5/serial, found through
// pkg-config's hdf5.pc). Its type and property-list handles are macros that expand to globals
// after a library-open call, which Swift cannot import: these inline functions return them.
#include <hdf5.h>

static inline hid_t pdekit_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t pdekit_h5s_all(void) { return H5S_ALL; }
static inline hid_t pdekit_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pdekit_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t pdekit_h5t_c_string(void) { return H5T_C_S1; }
static inline unsigned pdekit_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned pdekit_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline size_t pdekit_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t pdekit_h5e_default(void) { return H5E_DEFAULT; }
