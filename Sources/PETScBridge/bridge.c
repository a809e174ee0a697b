// PETScBridge is the header include/pdekit_petsc_bridge.h: the types shared by
// libpdekit-petsc.so and the pdekit code that loads it. A C target needs one source file.
