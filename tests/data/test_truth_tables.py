"""The 2-input truth tables."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import TRUTH_TABLES, DataError, load_data

EXPECTED = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
}


@pytest.mark.parametrize("name", TRUTH_TABLES)
def test_rows_and_labels(name):
    data = load_data({"kind": "truth_table", "name": name}, seed=0)
    assert data.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.y_train.tolist() == EXPECTED[name]
    assert data.y_train.dtype == np.int64
    assert (data.input_shape, data.task, data.classes) == ((2,), "classification", 2)


def test_validation_is_the_same_table_but_not_the_same_arrays():
    data = load_data({"kind": "truth_table", "name": "xor"}, seed=0)
    assert np.array_equal(data.x_train, data.x_val) and np.array_equal(data.y_train, data.y_val)
    assert not np.shares_memory(data.y_train, data.y_val)
    assert not np.shares_memory(data.x_train, data.x_val)


def test_all_five_gates_are_offered():
    assert set(TRUTH_TABLES) == set(EXPECTED)


def test_truth_tables_take_no_other_keys():
    with pytest.raises(
        DataError, match=r"data\.samples is not a key of kind 'truth_table'; allowed: features, kind, name, seed"
    ):
        load_data({"kind": "truth_table", "name": "and", "samples": 10}, seed=0)
