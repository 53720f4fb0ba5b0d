"""Data files that used to load wrongly: values too large for the dtype, one class, no features, empty labels."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def load(kind: str, path, dtype: str = "float64", **options):
    return load_data({"kind": kind, "path": str(path), **options}, seed=0, dtype=dtype)


def csv(tmp_path, text: str):
    path = tmp_path / "table.csv"
    path.write_text(text)
    return path


ROWS = "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(2, 20))


def test_a_csv_value_too_large_for_float32_names_line_and_column(tmp_path):
    path = csv(tmp_path, "a,b,label\n0,1e39,0\n1,2,1\n" + ROWS)
    with pytest.raises(DataError, match=r"table\.csv: line 2, column 'b': 1e\+39 is too large for float32"):
        load("csv", path, dtype="float32")
    assert load("csv", path, dtype="float64", standardize=False).x_train.max() == 1e39  # float64 holds it


def test_a_csv_regression_target_too_large_for_float32_is_named(tmp_path):
    path = csv(tmp_path, "a,y\n" + "".join(f"{i},{i}\n" for i in range(19)) + "19,-4e38\n")
    with pytest.raises(DataError, match=r"line 21, column 'y': -4e\+38 is too large for float32"):
        load("csv", path, dtype="float32", task="regression")


def test_an_npz_value_too_large_for_float32_is_named(tmp_path):
    x = np.zeros((20, 3))
    x[6, 2] = 1e39
    np.savez(tmp_path / "set.npz", x=x, y=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"set\.npz: array 'x': x\[6, 2\]: 1e\+39 is too large for float32"):
        load("npz", tmp_path / "set.npz", dtype="float32")


def test_an_npz_without_features_is_refused(tmp_path):
    np.savez(tmp_path / "set.npz", x=np.zeros((20, 0)), y=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"set\.npz: x has shape \(20, 0\).*no features"):
        load("npz", tmp_path / "set.npz")


def test_an_empty_csv_label_cell_is_refused_with_its_line(tmp_path):
    path = csv(tmp_path, "a,b,label\n0,1,cat\n1,2, \n" + "".join(f"{i},{i},dog\n" for i in range(18)))
    with pytest.raises(DataError, match=r"column 'label': line 3: an empty label"):
        load("csv", path)


def test_idx_files_of_one_class_are_refused(tmp_path, idx_file):
    images = np.random.default_rng(0).integers(0, 256, size=(30, 4, 3), dtype=np.uint8)
    idx_file(tmp_path, "train-images-idx3-ubyte", images)
    idx_file(tmp_path, "train-labels-idx1-ubyte", np.full(30, 7, dtype=np.uint8))
    with pytest.raises(
        DataError, match=r"train-labels-idx1-ubyte: every label is 7 \(7\); classification needs at least two"
    ):
        load("idx", tmp_path)


def test_class_names_given_with_one_class_present_are_refused(tmp_path):
    np.savez(tmp_path / "set.npz", x=np.zeros((20, 2)), y=np.zeros(20, dtype=int))
    with pytest.raises(DataError, match="every label is 0"):
        load("npz", tmp_path / "set.npz", class_names=["no", "yes"])
