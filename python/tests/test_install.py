"""``pip install`` of this folder works and the installed copy imports."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from fixtures import PACKAGE_ROOT, has_module


@unittest.skipUnless(has_module("setuptools"), "setuptools is not importable: pip cannot build the package without build isolation")
class InstallTests(unittest.TestCase):
    def test_pip_install_and_import(self):
        with tempfile.TemporaryDirectory(prefix="pdekit-install-") as root:
            # pip builds in the source folder (setuptools leaves build/ and *.egg-info there):
            # build a copy, so that running the tests leaves the checkout as it was.
            source = os.path.join(root, "source")
            shutil.copytree(PACKAGE_ROOT, source, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__"))
            target = os.path.join(root, "target")
            install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                                      "--no-build-isolation", "--target", target, source],
                                     capture_output=True, text=True, stdin=subprocess.DEVNULL)
            self.assertEqual(install.returncode, 0, install.stderr)
            probe = subprocess.run([sys.executable, "-c", "import pdekit; print(pdekit.__file__); print(pdekit.__version__)"],
                                   check=True, capture_output=True, text=True, cwd=root,
                                   env={**os.environ, "PYTHONPATH": target})
            location, version = probe.stdout.split()
            self.assertTrue(location.startswith(os.path.join(target, "pdekit")), location)
            self.assertEqual(version, "0.1.0")
            for module in ["errors", "files", "loading", "xarray_form", "cli", "tensor", "reduced"]:
                self.assertTrue(os.path.isfile(os.path.join(target, "pdekit", module + ".py")), module)


if __name__ == "__main__":
    unittest.main()
