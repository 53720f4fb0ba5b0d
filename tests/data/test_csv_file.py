"""CSV files: good ones, label choice, string labels, regression, and malformed files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def write(tmp_path, text: str, name: str = "table.csv"):
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def csv_data(path, **options):
    """The file's data as parsed: standardizing (on by default) is tested on its own below."""
    return load_data({"kind": "csv", "path": str(path), "standardize": False, **options}, seed=0)


def rows(n: int, label=lambda i: i % 2) -> str:
    return "".join(f"{i},{i * 0.5},{label(i)}\n" for i in range(n))


def test_last_column_is_the_label_by_default(tmp_path):
    data = csv_data(write(tmp_path, "a,b,label\n" + rows(20)))
    assert data.name == "table" and data.input_shape == (2,)
    assert len(data.x_train) == 16 and len(data.x_val) == 4  # val_ratio 0.2
    assert (data.task, data.classes, data.class_names) == ("classification", 2, ("0", "1"))
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    assert (y == x[:, 0] % 2).all() and np.allclose(x[:, 1], x[:, 0] / 2)


def test_label_by_name(tmp_path):
    path = write(tmp_path, "kind,a,b\n" + "".join(f"{i % 3},{i},{-i}\n" for i in range(30)))
    data = csv_data(path, label="kind")
    assert data.classes == 3
    x, y = np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
    assert (y == x[:, 0] % 3).all() and (x[:, 1] == -x[:, 0]).all()


def test_string_labels_map_to_sorted_indices(tmp_path):
    names = ["setosa", "virginica", "versicolor"]
    data = csv_data(write(tmp_path, "w,h,species\n" + rows(30, label=lambda i: names[i % 3])))
    assert data.class_names == ("setosa", "versicolor", "virginica")
    x, y = np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
    assert [data.class_names[c] for c in y] == [names[int(i) % 3] for i in x[:, 0]]


def test_integer_labels_sort_as_numbers(tmp_path):
    data = csv_data(write(tmp_path, "a,b,y\n" + rows(40, label=lambda i: [2, 10, 9, 100][i % 4])))
    assert data.class_names == ("2", "9", "10", "100")


def test_regression(tmp_path):
    data = csv_data(write(tmp_path, "a,b,y\n" + rows(10, label=lambda i: i * 0.25)), task="regression")
    assert data.task == "regression" and data.y_train.shape == (8, 1) and data.outputs == 1
    assert np.allclose(data.y_train[:, 0], data.x_train[:, 0] * 0.25)


def test_regression_label_must_be_numeric(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n4,5,high\n")
    with pytest.raises(DataError, match=r"table\.csv: column 'y': line 3: 'high' is not a number"):
        csv_data(path, task="regression")


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,label\n1,2,0\n3,4,1\n5,oops,0\n", r"table\.csv: line 4, column 'b': 'oops' is not a number"),
        ("a,b,label\n,2,0\n", r"table\.csv: line 2, column 'a': an empty value is not a number"),
        ("a,b,label\n1,2,0\n1,nan,1\n", r"table\.csv: line 3, column 'b': nan is not a finite number"),
        ("a,b,label\n1,2,0\n\n3,x,1\n", r"table\.csv: line 4, column 'b': 'x'"),  # blank lines count
        ("a,b,label\n1,2,0\n3,4\n", r"table\.csv: line 3 has 2 fields, the header has 3"),
    ],
)
def test_malformed_rows_name_the_line_and_column(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        csv_data(write(tmp_path, text))


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match=r"table\.csv: empty file; expected a header row"):
        csv_data(write(tmp_path, ""))
    with pytest.raises(DataError, match=r"table\.csv: no data rows after the header"):
        csv_data(write(tmp_path, "a,b,label\n"))


def test_header_problems(tmp_path):
    with pytest.raises(DataError, match=r"line 1: column 'a' appears more than once"):
        csv_data(write(tmp_path, "a,a,label\n1,2,0\n"))
    with pytest.raises(DataError, match=r"the header names only 1 column"):
        csv_data(write(tmp_path, "label\n1\n"))


def test_unknown_label_column_lists_the_columns(tmp_path):
    with pytest.raises(
        DataError, match=r"data\.label names column 'target', which is not in the header; columns: a, b, label"
    ):
        csv_data(write(tmp_path, "a,b,label\n" + rows(4)), label="target")


def test_one_class_is_not_classification(tmp_path):
    with pytest.raises(DataError, match=r"column 'label': found 1 distinct labels; classification needs 2"):
        csv_data(write(tmp_path, "a,b,label\n" + rows(4, label=lambda i: 7)))


def test_real_valued_labels_in_classification_point_to_regression(tmp_path):
    path = write(tmp_path, "a,b,y\n" + rows(5000, label=lambda i: i / 7))
    with pytest.raises(DataError, match=r"distinct labels.*use task = \"regression\""):
        csv_data(path)


def test_shape_reshapes_features(tmp_path):
    header = ",".join(f"p{i}" for i in range(4)) + ",label\n"
    path = write(tmp_path, header + "".join(f"{i},{i},{i},{i},{i % 2}\n" for i in range(10)))
    assert csv_data(path, shape=[2, 2, 1]).input_shape == (2, 2, 1)
    assert csv_data(path, shape="image").input_shape == (2, 2, 1)
    with pytest.raises(DataError, match=r"data\.shape \[3, 2\] holds 6 values per sample, but each sample has 4"):
        csv_data(path, shape=[3, 2])


def test_gzipped_csv_and_byte_order_mark(tmp_path):
    data = csv_data(write(tmp_path, "\ufeffa,b,label\n" + rows(10), name="t.csv.gz"))
    assert data.name == "t" and data.input_shape == (2,)


def test_not_utf8(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b,label\n1,2,\xff\n")
    with pytest.raises(DataError, match=r"table\.csv: not UTF-8 text"):
        csv_data(path)


def test_large_files_parse_in_blocks_with_the_right_line_numbers(tmp_path):
    good = "".join(f"{i},{i},{i % 2}\n" for i in range(5000))
    data = csv_data(write(tmp_path, "a,b,label\n" + good))
    assert len(data.x_train) + len(data.x_val) == 5000
    with pytest.raises(DataError, match=r"line 5002, column 'a': 'bad'"):
        csv_data(write(tmp_path, "a,b,label\n" + good + "bad,1,0\n"))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataError, match=r"data\.path names '.*nothing\.csv', which does not exist"):
        csv_data(tmp_path / "nothing.csv")


def test_relative_paths_come_from_base_dir(tmp_path):
    write(tmp_path, "a,b,label\n" + rows(10))
    data = load_data({"kind": "csv", "path": "table.csv"}, seed=0, base_dir=tmp_path)
    assert len(data.x_train) == 8
