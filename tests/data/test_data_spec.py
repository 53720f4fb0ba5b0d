"""Validation of the [data] table, the dtype and seed arguments, and the Dataset invariants."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import DATA_KINDS, DataError, Dataset, load_data


@pytest.mark.parametrize(
    "spec, message",
    [
        ({}, r"data\.kind is required: one of playground, truth_table, digits, idx, csv, npz"),
        ({"kind": "mnist"}, r"data\.kind must be one of playground, .*; got 'mnist'"),
        ({"kind": "digit"}, r"did you mean 'digits'\?"),
        ({"kind": 3}, r"data\.kind must be a string, got 3"),
        (
            {"kind": "digits", "noise": 3},
            r"data\.noise is not a key of kind 'digits'; allowed: features, kind, limit, seed, shape, val_ratio",
        ),
        ({"kind": "digits", "shape": "square"}, r"data\.shape must be one of flat, image .*got 'square'"),
        (
            {"kind": "digits", "shape": [8, 0]},
            r"data\.shape must be \"flat\", \"image\" or a list of positive integers, got \[8, 0\]",
        ),
        ({"kind": "digits", "limit": 0}, r"data\.limit must be between 1 and 10000000, got 0"),
        ({"kind": "digits", "limit": True}, r"data\.limit must be an integer, got True"),
        ({"kind": "digits", "val_ratio": 0}, r"data\.val_ratio must be between 0 and 1 \(both excluded\), got 0"),
        ({"kind": "digits", "val_ratio": "0.2"}, r"data\.val_ratio must be a number, got '0\.2'"),
        ({"kind": "playground"}, r"data\.name is required: one of circle, xor"),
        ({"kind": "csv"}, r"data\.path is required"),
        ({"kind": "csv", "path": 5}, r"data\.path must be a string, got 5"),
        ({"kind": "npz", "path": ".", "task": "clustering"}, r"data\.task must be one of classification, regression"),
        (
            {"kind": "idx", "path": ".", "class_names": "shoes"},
            r"data\.class_names must be a list of names or one of digits, fashion",
        ),
        (
            {"kind": "idx", "path": ".", "class_names": ["only"]},
            r"data\.class_names must name between 2 and 1000 classes, got 1",
        ),
    ],
)
def test_bad_specs_name_the_key(spec, message):
    with pytest.raises(DataError, match=message):
        load_data(spec, seed=0)


def test_a_val_ratio_that_leaves_an_empty_part(tmp_path):
    with pytest.raises(
        DataError, match=r"data\.val_ratio 0\.01 of 10 samples leaves 10 for training and 0 for validation"
    ):
        load_data({"kind": "playground", "name": "xor", "samples": 10, "val_ratio": 0.01}, seed=0)


def test_spec_must_be_a_table():
    with pytest.raises(DataError, match=r"data must be a table of keys"):
        load_data(["kind", "digits"], seed=0)


@pytest.mark.parametrize("dtype", ["int32", "complex128", "banana"])
def test_dtype_must_be_floating(dtype):
    with pytest.raises(DataError, match=r"dtype must be a floating type"):
        load_data({"kind": "truth_table", "name": "and"}, seed=0, dtype=dtype)


def test_dtype_accepts_numpy_types():
    assert load_data({"kind": "truth_table", "name": "and"}, seed=0, dtype=np.float32).x_val.dtype == np.float32


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(DataError, match=r"seed must be a non-negative integer"):
        load_data({"kind": "truth_table", "name": "and"}, seed=seed)


def test_kinds_are_listed():
    assert DATA_KINDS == ("playground", "truth_table", "digits", "idx", "csv", "npz", "bars", "images")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def _dataset(**changes):
    fields = dict(
        name="t",
        x_train=np.zeros((4, 2)),
        y_train=np.zeros(4, dtype=np.int64),
        x_val=np.zeros((2, 2)),
        y_val=np.zeros(2, dtype=np.int64),
        input_shape=(2,),
        task="classification",
        classes=3,
    )
    return Dataset(**{**fields, **changes})


def test_outputs_is_classes_or_target_width():
    assert _dataset().outputs == 3
    assert _dataset(task="regression", classes=0, y_train=np.zeros((4, 2)), y_val=np.zeros((2, 2))).outputs == 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"input_shape": (3,)}, r"x_train has samples of shape \(2,\), input_shape is \(3,\)"),
        ({"y_val": np.zeros(3, dtype=np.int64)}, r"x_val has 2 samples, y_val has 3"),
        ({"task": "ranking"}, r"task must be one of classification, regression"),
        ({"class_names": ("a", "b")}, r"2 class names for 3 classes"),
        ({"task": "regression", "classes": 0}, r"regression targets y_train must be \(N, outputs\)"),
    ],
)
def test_inconsistent_datasets_are_refused(changes, message):
    with pytest.raises(DataError, match=message):
        _dataset(**changes)
