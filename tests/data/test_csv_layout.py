"""CSV files as users have them: no header row, scikit-learn's counts line, the label by index; standardizing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuinn.data import DataError, load_data

FILES = Path(__file__).with_name("files")


def write(tmp_path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(path, **options):
    return load_data({"kind": "csv", "path": str(path), **options}, seed=0)


def all_x(data):
    return np.concatenate([data.x_train, data.x_val])


def all_y(data):
    return np.concatenate([data.y_train, data.y_val])


def numeric_rows(n: int) -> str:
    return "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(n))


def test_a_first_row_of_numbers_is_data_not_a_header(tmp_path):
    data = load(write(tmp_path, numeric_rows(20)), standardize=False)
    assert len(all_x(data)) == 20 and data.input_shape == (2,)
    assert sorted(all_x(data)[:, 0]) == list(range(20))  # row 0 is data
    assert "no header row" in data.description


def test_header_false_reads_a_first_row_of_words_as_data_and_fails_naming_it(tmp_path):
    path = write(tmp_path, "a,b,c\n" + numeric_rows(10))
    with pytest.raises(DataError, match=r"line 1, column '0'"):
        load(path, header=False)


def test_header_true_takes_a_numeric_first_row_as_names(tmp_path):
    data = load(write(tmp_path, "1,2,3\n" + numeric_rows(10)), header=True, label="3")
    assert len(all_x(data)) == 10


@pytest.mark.parametrize("label, first", [(0, True), (-3, True), (-1, False), (2, False), ("2", False)])
def test_the_label_by_index(tmp_path, label, first):
    rows = "".join(f"{i % 2},{i},{i * 10}\n" if first else f"{i},{i * 10},{i % 2}\n" for i in range(20))
    data = load(write(tmp_path, rows), label=label, standardize=False)
    assert data.classes == 2
    assert sorted(all_x(data)[:, 0]) == list(range(20))
    assert (all_y(data) == all_x(data)[:, 0] % 2).all()


@pytest.mark.parametrize(
    "label, fragment",
    [
        (3, "data.label = 3 is not a column"),
        (-4, "data.label = -4"),
        ("name", "no header row: give the column's index"),
        (1.5, "must be a column name or index"),
    ],
)
def test_a_label_that_is_no_column_is_refused_naming_the_key(tmp_path, label, fragment):
    with pytest.raises(DataError, match=fragment):
        load(write(tmp_path, numeric_rows(10)), label=label)


def test_scikit_learns_breast_cancer_file_as_it_is():
    data = load(FILES / "breast_cancer.csv", standardize=False)
    assert len(all_x(data)) == 569 and data.input_shape == (30,)
    assert data.class_names == ("malignant", "benign") and np.bincount(all_y(data)).tolist() == [212, 357]
    assert "scikit-learn's counts (569 rows, 30 features)" in data.description


def test_scikit_learns_iris_layout_with_three_class_names(tmp_path):
    rows = "".join(f"{i},{i + 1},{i + 2},{i + 3},{i % 3}\n" for i in range(30))
    data = load(write(tmp_path, "30,4,setosa,versicolor,virginica\n" + rows))
    assert data.class_names == ("setosa", "versicolor", "virginica") and data.input_shape == (4,)


def test_a_ragged_row_of_a_headerless_file_names_the_first_row(tmp_path):
    with pytest.raises(DataError, match="line 3 has 2 fields, the first row has 3"):
        load(write(tmp_path, "1,2,0\n3,4,1\n5,6\n"))


def test_standardize_uses_the_training_split_for_both_splits(tmp_path):
    path = write(tmp_path, "".join(f"{i * 1000.0},{i * 0.001},{i % 2}\n" for i in range(50)))
    raw, scaled = load(path, standardize=False), load(path)
    mean, std = raw.x_train.mean(axis=0), raw.x_train.std(axis=0)
    np.testing.assert_allclose(scaled.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.x_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(scaled.x_val, (raw.x_val - mean) / std, rtol=1e-12)
    assert "standardized" in scaled.description and "standardized" not in raw.description


def test_a_constant_feature_is_only_centred(tmp_path):
    data = load(write(tmp_path, "".join(f"7,{i},{i % 2}\n" for i in range(20))))
    assert (all_x(data)[:, 0] == 0).all()


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_standardize_must_be_true_or_false(tmp_path, kind):
    path = write(tmp_path, numeric_rows(10)) if kind == "csv" else tmp_path / "d.npz"
    if kind == "npz":
        np.savez(path, x=np.arange(20.0).reshape(10, 2), y=np.arange(10) % 2)
    with pytest.raises(DataError, match="data.standardize must be true or false"):
        load_data({"kind": kind, "path": str(path), "standardize": "yes"}, seed=0)


def test_npz_features_are_standardized_by_default(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(40.0).reshape(20, 2) * [1000, 1], y=np.arange(20) % 2)
    data = load_data({"kind": "npz", "path": str(path)}, seed=0)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1, atol=1e-12)
