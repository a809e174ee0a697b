"""Writes the NPY fixtures read by NPYTests.swift. Run from this folder: python3 make_fixtures.py

Every array is np.arange(6).reshape(2, 3) + 0.5 (or its integer/float32 variant), so the
tests know the values: C-order values 0.5, 1.5, ..., 5.5. Committed outputs are tiny.
"""
import numpy as np

base = np.arange(6).reshape(2, 3) + 0.5
np.save("f8_le_c.npy", base.astype("<f8"))
np.save("f8_be_c.npy", base.astype(">f8"))
np.save("f4_le.npy", base.astype("<f4"))
np.save("i8_le.npy", np.arange(6).reshape(2, 3).astype("<i8"))
np.save("i4_be.npy", np.arange(6).reshape(2, 3).astype(">i4"))
np.save("f8_fortran.npy", np.asfortranarray(base))
np.save("f8_1d.npy", np.array([1.0, -2.0, 3.25]))
np.save("f8_0d.npy", np.array(7.5))
np.save("f8_3d_fortran.npy", np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
with open("v2.npy", "wb") as f:
    np.lib.format.write_array(f, base, version=(2, 0))
with open("v3.npy", "wb") as f:
    np.lib.format.write_array(f, base, version=(3, 0))
np.save("c16.npy", np.array([1 + 2j]))
with open("bad_magic.npy", "wb") as f:
    f.write(b"\x93NUMPZ\x01\x00" + b"x" * 60)
data = open("f8_le_c.npy", "rb").read()
with open("truncated.npy", "wb") as f:
    f.write(data[:-8])
