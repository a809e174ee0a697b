"""``--set`` values: Python → TOML literal, read back by a TOML parser and by pdekit itself."""

import math
import unittest

import numpy as np

from fixtures import PdekitTestCase, problem, scratch

import pdekit
from pdekit.cli import set_arguments
from pdekit.files import parse_toml


def read_back(literal: str):
    return parse_toml(f"value = {literal}\n", "<literal>")["value"]


class TomlLiteralTests(unittest.TestCase):
    def test_scalars(self):
        self.assertEqual(pdekit.to_toml_literal(True), "true")
        self.assertEqual(pdekit.to_toml_literal(False), "false")
        self.assertEqual(pdekit.to_toml_literal(63), "63")
        self.assertEqual(pdekit.to_toml_literal(-7), "-7")
        self.assertEqual(pdekit.to_toml_literal(0.1), "0.1")
        self.assertEqual(pdekit.to_toml_literal(1e-8), "1e-08")
        self.assertEqual(pdekit.to_toml_literal(2.0), "2.0")
        self.assertEqual(pdekit.to_toml_literal(math.nan), "nan")
        self.assertEqual(pdekit.to_toml_literal(math.inf), "inf")
        self.assertEqual(pdekit.to_toml_literal(-math.inf), "-inf")

    def test_numbers_read_back_exactly(self):
        for value in [0.1, 1e-8, 1e300, -2.5e-310, 123456789.123456789, 7, -3, 0.0]:
            self.assertEqual(read_back(pdekit.to_toml_literal(value)), value)
        self.assertTrue(math.isnan(read_back(pdekit.to_toml_literal(math.nan))))
        self.assertEqual(read_back(pdekit.to_toml_literal(-math.inf)), -math.inf)

    def test_bool_is_not_an_integer(self):
        # bool is a subclass of int in Python; TOML's true is not 1.
        self.assertIs(read_back(pdekit.to_toml_literal(True)), True)
        self.assertEqual(pdekit.to_toml_literal(np.bool_(False)), "false")

    def test_strings_escape(self):
        self.assertEqual(pdekit.to_toml_literal("cg"), '"cg"')
        self.assertEqual(pdekit.to_toml_literal('a"b'), '"a\\"b"')
        self.assertEqual(pdekit.to_toml_literal("a\\b"), '"a\\\\b"')
        self.assertEqual(pdekit.to_toml_literal("line\nnext\ttab"), '"line\\nnext\\ttab"')
        self.assertEqual(pdekit.to_toml_literal("\x01\x7f"), '"\\u0001\\u007F"')
        for text in ['a"b\\c é\n\t\x01 x', "", "sin(pi*x)", "'single'", "\r\f\b", "ünïcode ∇·(a∇u)"]:
            self.assertEqual(read_back(pdekit.to_toml_literal(text)), text)

    def test_arrays_and_tables(self):
        self.assertEqual(pdekit.to_toml_literal([15, 15]), "[15, 15]")
        self.assertEqual(pdekit.to_toml_literal([[0, 1], [0.5, 2.0]]), "[[0, 1], [0.5, 2.0]]")
        self.assertEqual(pdekit.to_toml_literal(np.array([[1.0, 2.0]])), "[[1.0, 2.0]]")
        self.assertEqual(pdekit.to_toml_literal(()), "[]")
        self.assertEqual(pdekit.to_toml_literal({}), "{}")
        table = {"grf": {"alpha": 2.5, "seed": np.int64(3), "transform": "exp"}, "pde.grid": [[7, 7], [9, 9]]}
        literal = pdekit.to_toml_literal(table)
        self.assertEqual(literal, '{ grf = { alpha = 2.5, seed = 3, transform = "exp" }, "pde.grid" = [[7, 7], [9, 9]] }')
        self.assertEqual(read_back(literal), {"grf": {"alpha": 2.5, "seed": 3, "transform": "exp"}, "pde.grid": [[7, 7], [9, 9]]})

    def test_numpy_scalars(self):
        self.assertEqual(pdekit.to_toml_literal(np.float32(0.5)), "0.5")
        self.assertEqual(pdekit.to_toml_literal(np.int32(12)), "12")
        self.assertEqual(pdekit.to_toml_literal(np.float64(np.nan)), "nan")

    def test_no_literal(self):
        for value in [None, object(), {1, 2}, b"bytes"]:
            with self.assertRaises(TypeError):
                pdekit.to_toml_literal(value)

    def test_set_arguments(self):
        self.assertEqual(set_arguments({"pde.grid": [15, 15], "solver.method": "cg", "output.stack": True}),
                         ["--set", "pde.grid=[15, 15]", "--set", 'solver.method="cg"', "--set", "output.stack=true"])
        self.assertEqual(set_arguments(None), [])


class TomlLiteralThroughPdekitTests(PdekitTestCase):
    def test_pdekit_reads_the_literals_back(self):
        description = 'quote " backslash \\ é newline\n tab\t control \x01 end'
        output = scratch("literal")
        run = pdekit.run(problem("poisson2d.toml"),
                         set={"pde.grid": [5, 4], "problem.description": description, "solver.rtol": 1e-10,
                              "pde.domain": [[0, 1.5], [-0.25, 1]], "output.history": False},
                         output=output, xarray=False)
        record = run["record"]
        self.assertEqual(record["problem"]["description"], description)
        self.assertEqual(record["solver"]["rtol"], 1e-10)
        self.assertEqual(record["pde"]["domain"], [[0.0, 1.5], [-0.25, 1.0]])
        self.assertIs(record["output"]["history"], False)
        self.assertIsNone(run["history"])


if __name__ == "__main__":
    unittest.main()
