"""Writes the NPY fixtures read by NPYTests.swift, with NumPy itself as the reference writer.

Run once from this folder and commit the outputs (each is under 400 bytes):

    cd Tests/StorageTests/Fixtures && python3 make_fixtures.py

The values are simple and exactly representable (also in float32), so the tests can state
them: every 2x3 array is np.arange(6).reshape(2, 3) + 0.5, i.e. C-order values
0.5, 1.5, 2.5, 3.5, 4.5, 5.5 (integer arrays: 0 ... 5). Files whose names start with "bad_"
must be rejected by the reader.
"""
import numpy as np

base = np.arange(6).reshape(2, 3) + 0.5
ints = np.arange(6).reshape(2, 3)

# Supported dtypes and byte orders.
np.save("f8_le_c.npy", base.astype("<f8"))
np.save("f8_be_c.npy", base.astype(">f8"))
np.save("f4_le.npy", base.astype("<f4"))
np.save("f4_be.npy", base.astype(">f4"))
np.save("i8_le.npy", ints.astype("<i8"))
np.save("i4_le.npy", ints.astype("<i4"))
np.save("i4_be.npy", ints.astype(">i4"))

# Layouts: Fortran order must come back in C order; 0-d and 1-D shapes.
np.save("f8_fortran.npy", np.asfortranarray(base))
np.save("f8_3d_fortran.npy", np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
np.save("f8_0d.npy", np.array(7.5))
np.save("f8_1d.npy", np.array([1.0, -2.0, 3.25]))

# Format versions 2.0 (4-byte header length) and 3.0 (UTF-8 header).
with open("v2.npy", "wb") as f:
    np.lib.format.write_array(f, base, version=(2, 0))
with open("v3.npy", "wb") as f:
    np.lib.format.write_array(f, base, version=(3, 0))

# Files the reader must reject, each with its own message.
np.save("bad_c16.npy", np.array([1 + 2j, 3 - 4j]))  # unsupported dtype '<c16'
with open("bad_magic.npy", "wb") as f:  # an NPY file with one letter of the magic wrong
    f.write(b"\x93NUMPZ" + open("f8_le_c.npy", "rb").read()[6:])
with open("bad_truncated.npy", "wb") as f:  # header promises 48 bytes of data, 40 follow
    f.write(open("f8_le_c.npy", "rb").read()[:-8])
