// HDF5's C API (Debian's libhdf5-dev, serial build), loaded on first use with dlopen: linking it
// made every pdekit process load libhdf5 and the 30 libraries it pulls in (curl, TLS, Kerberos,
// LDAP for its S3 driver), 11 ms of every run's start, for the few that write dataset.h5.
// The header gives the types; the functions are called through `pdekit_h5`, filled by
// `pdekit_h5_load` (read through `pdekit_h5_functions`). Its type and property-list handles are macros that expand to globals after
// a library-open call, which Swift cannot import: they are read here after H5open.
#include <hdf5/serial/hdf5.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

typedef struct {
    herr_t (*Eset_auto2)(hid_t, H5E_auto2_t, void *);
    hid_t (*Fcreate)(const char *, unsigned, hid_t, hid_t);
    herr_t (*Fclose)(hid_t);
    hid_t (*Tcopy)(hid_t);
    herr_t (*Tset_size)(hid_t, size_t);
    herr_t (*Tset_cset)(hid_t, H5T_cset_t);
    herr_t (*Tclose)(hid_t);
    hid_t (*Screate)(H5S_class_t);
    hid_t (*Screate_simple)(int, const hsize_t *, const hsize_t *);
    herr_t (*Sclose)(hid_t);
    hid_t (*Dcreate2)(hid_t, const char *, hid_t, hid_t, hid_t, hid_t, hid_t);
    herr_t (*Dwrite)(hid_t, hid_t, hid_t, hid_t, hid_t, const void *);
    herr_t (*Dclose)(hid_t);
    hid_t (*Acreate2)(hid_t, const char *, hid_t, hid_t, hid_t, hid_t);
    herr_t (*Awrite)(hid_t, hid_t, const void *);
    herr_t (*Aclose)(hid_t);
    hid_t nativeDouble, nativeInt64, cString;
} pdekit_h5_api;

// The state lives in function-local statics: Swift's importer emits a header's static
// functions, not its file-scope variables.
static inline pdekit_h5_api *pdekit_h5_state(void) { static pdekit_h5_api api; return &api; }
static inline const char **pdekit_h5_reason(void) { static const char *reason = "not loaded"; return &reason; }
#define pdekit_h5 (*pdekit_h5_state())
#define pdekit_h5_error (*pdekit_h5_reason())

static inline void pdekit_h5_open(void) {
    void *lib = dlopen("libhdf5_serial.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libhdf5_serial.so.103", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { pdekit_h5_error = "cannot load libhdf5_serial.so (Debian's libhdf5-dev; make deps installs it)"; return; }
#define PDEKIT_H5_SYMBOL(field, name) \
    if (!(*(void **)&pdekit_h5.field = dlsym(lib, name))) { pdekit_h5_error = "libhdf5_serial lacks " name; return; }
    PDEKIT_H5_SYMBOL(Eset_auto2, "H5Eset_auto2") PDEKIT_H5_SYMBOL(Fcreate, "H5Fcreate") PDEKIT_H5_SYMBOL(Fclose, "H5Fclose")
    PDEKIT_H5_SYMBOL(Tcopy, "H5Tcopy") PDEKIT_H5_SYMBOL(Tset_size, "H5Tset_size") PDEKIT_H5_SYMBOL(Tset_cset, "H5Tset_cset")
    PDEKIT_H5_SYMBOL(Tclose, "H5Tclose") PDEKIT_H5_SYMBOL(Screate, "H5Screate") PDEKIT_H5_SYMBOL(Screate_simple, "H5Screate_simple")
    PDEKIT_H5_SYMBOL(Sclose, "H5Sclose") PDEKIT_H5_SYMBOL(Dcreate2, "H5Dcreate2") PDEKIT_H5_SYMBOL(Dwrite, "H5Dwrite")
    PDEKIT_H5_SYMBOL(Dclose, "H5Dclose") PDEKIT_H5_SYMBOL(Acreate2, "H5Acreate2") PDEKIT_H5_SYMBOL(Awrite, "H5Awrite")
    PDEKIT_H5_SYMBOL(Aclose, "H5Aclose")
#undef PDEKIT_H5_SYMBOL
    herr_t (*open)(void) = (herr_t (*)(void))dlsym(lib, "H5open");
    hid_t *d = (hid_t *)dlsym(lib, "H5T_NATIVE_DOUBLE_g"), *i = (hid_t *)dlsym(lib, "H5T_NATIVE_INT64_g");
    hid_t *s = (hid_t *)dlsym(lib, "H5T_C_S1_g");
    if (!open || !d || !i || !s || open() < 0) { pdekit_h5_error = "libhdf5_serial did not open"; return; }
    pdekit_h5.nativeDouble = *d; pdekit_h5.nativeInt64 = *i; pdekit_h5.cString = *s;
    pdekit_h5_error = NULL;
}

/// The loaded functions and types (after `pdekit_h5_load` returned NULL).
static inline const pdekit_h5_api *pdekit_h5_functions(void) { return pdekit_h5_state(); }

/// Loads the library once; NULL on success, else why it could not be loaded.
static inline const char *pdekit_h5_load(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pdekit_h5_open);
    return pdekit_h5_error;
}

// Constants whose macros would call into the library (H5F_ACC_TRUNC expands to H5check() and
// H5open() calls): their values in HDF5 1.10's H5Fpublic.h, H5Ppublic.h, H5Spublic.h, H5Tpublic.h
// and H5Epublic.h, stable across the 1.x releases.
static inline hid_t pdekit_h5p_default(void) { return (hid_t)0; }
static inline hid_t pdekit_h5s_all(void) { return (hid_t)0; }
static inline unsigned pdekit_h5f_acc_trunc(void) { return 0x0002u; }
static inline size_t pdekit_h5t_variable(void) { return (size_t)(-1); }
static inline hid_t pdekit_h5e_default(void) { return (hid_t)0; }
