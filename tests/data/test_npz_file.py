"""NPZ archives: good ones, and refusing object arrays and malformed archives."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def npz_data(path, **options):
    """The archive's data as stored: standardizing (on by default) is tested on its own."""
    return load_data({"kind": "npz", "path": str(path), "standardize": False, **options}, seed=0)


def save(tmp_path, name="set.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_images_and_integer_labels(tmp_path):
    x = np.arange(20 * 3 * 3, dtype=np.uint8).reshape(20, 3, 3, 1)
    path = save(tmp_path, x=x, y=np.arange(20) % 4)
    data = npz_data(path)
    assert data.name == "set" and data.input_shape == (3, 3, 1)
    assert (data.classes, len(data.x_train), len(data.x_val)) == (4, 16, 4)
    assert (data.y_train == data.x_train[:, 0, 0, 0].astype(int) // 9 % 4).all()
    assert data.x_train.dtype == np.float64


def test_string_labels_and_regression_targets(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 2))
    assert npz_data(save(tmp_path, x=x, y=np.array(["cat", "dog"] * 5))).class_names == ("cat", "dog")
    data = npz_data(save(tmp_path, x=x, y=x @ [[1.0, 0.0], [0.0, 2.0]]), task="regression")
    assert data.outputs == 2 and np.allclose(data.y_train[:, 1], 2 * data.x_train[:, 1])


def test_object_array_is_refused_not_unpickled(tmp_path):
    path = save(tmp_path, x=np.array([{"a": 1}, None] * 5, dtype=object), y=np.zeros(10))
    with pytest.raises(DataError, match=r"set\.npz: array 'x' is an object array, which would need unpickling"):
        npz_data(path)


def test_missing_array_lists_what_is_there(tmp_path):
    with pytest.raises(DataError, match=r"set\.npz: no array 'y'; the archive holds x, labels; expected x and y"):
        npz_data(save(tmp_path, x=np.zeros((4, 2)), labels=np.zeros(4)))


def test_rows_must_agree(tmp_path):
    with pytest.raises(DataError, match=r"set\.npz: x has 5 rows but y has 4"):
        npz_data(save(tmp_path, x=np.zeros((5, 2)), y=np.zeros(4)))


def test_non_finite_inputs_are_named(tmp_path):
    x = np.zeros((6, 2))
    x[3, 1] = np.inf
    with pytest.raises(DataError, match=r"set\.npz: array 'x': x\[3, 1\]: inf is not a finite number"):
        npz_data(save(tmp_path, x=x, y=np.arange(6) % 2))


def test_not_an_archive(tmp_path):
    path = tmp_path / "set.npz"
    path.write_text("hello")
    with pytest.raises(DataError, match=r"set\.npz: not a readable \.npz archive"):
        npz_data(path)
    np.save(tmp_path / "single.npy", np.zeros(3))
    (tmp_path / "single.npy").rename(tmp_path / "single.npz")
    with pytest.raises(DataError, match=r"single\.npz: a single array, not an \.npz archive"):
        npz_data(tmp_path / "single.npz")


def test_class_names_only_for_classification(tmp_path):
    path = save(tmp_path, x=np.zeros((4, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match=r"data\.class_names applies only to task = \"classification\""):
        npz_data(path, task="regression", class_names=["a", "b"])


def test_class_names_keep_the_label_indices(tmp_path):
    data = npz_data(save(tmp_path, x=np.arange(10.0)[:, None], y=np.arange(10) % 2 * 2), class_names=["a", "b", "c"])
    assert data.classes == 3 and set(np.concatenate([data.y_train, data.y_val])) == {0, 2}
