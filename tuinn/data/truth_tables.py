"""The 2-input logic gates (and, or, nand, nor, xor) as four-row data sets.

Train and validation are the same four rows: the table is the whole world of
the problem, so there is nothing else to validate on, and "validation" then
simply reports how the net does on the table it learns.
"""

from __future__ import annotations

import numpy as np

from tuinn.data.dataset import Dataset
from tuinn.data.spec import SpecReader
from tuinn.data.split import make_dataset

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
_A, _B = INPUTS[:, 0] == 1, INPUTS[:, 1] == 1
OUTPUTS = {
    "and": _A & _B,
    "or": _A | _B,
    "nand": ~(_A & _B),
    "nor": ~(_A | _B),
    "xor": _A ^ _B,
}
TRUTH_TABLES = tuple(OUTPUTS)
KEYS = ("kind", "name")


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """The truth table a [data] table of kind "truth_table" names (`rng` is unused: nothing is random)."""
    name = read.choice("name", TRUTH_TABLES)
    labels = OUTPUTS[name].astype(np.int64)
    return make_dataset(
        name,
        (INPUTS, labels),
        (INPUTS.copy(), labels.copy()),
        classes=2,
        class_names=("false", "true"),
        dtype=dtype,
        description=f"2-input {name.upper()} truth table; train and val are the same 4 rows",
    )
