"""The bundled 8×8 digits."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def digits(**options):
    return load_data({"kind": "digits", **options}, seed=0)


def test_all_1797_images_of_10_classes_as_images_by_default():
    data = digits()
    assert len(data.x_train) + len(data.x_val) == 1797
    assert data.input_shape == (8, 8, 1) and data.x_train.shape[1:] == (8, 8, 1)
    assert (data.classes, data.class_names) == (10, tuple("0123456789"))
    labels = np.concatenate([data.y_train, data.y_val])
    assert sorted(np.unique(labels)) == list(range(10))
    assert np.bincount(labels).min() >= 170


def test_flat_shape():
    data = digits(shape="flat")
    assert data.input_shape == (64,) and data.x_val.shape[1] == 64


def test_pixels_are_scaled_to_unit_range():
    data = digits()
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0


def test_val_ratio_and_stratification():
    data = digits(val_ratio=0.2)
    assert len(data.x_val) == round(1797 * 0.2)
    shares = np.bincount(data.y_val) / np.bincount(np.concatenate([data.y_train, data.y_val]))
    assert np.allclose(shares, 0.2, atol=0.01)


def test_the_split_is_seeded():
    a, b = digits(), digits()
    other = load_data({"kind": "digits"}, seed=1)
    assert np.array_equal(a.x_val, b.x_val)
    assert not np.array_equal(a.y_val, other.y_val)


def test_limit_takes_a_random_subset():
    data = digits(limit=100, shape="flat")
    assert len(data.x_train) + len(data.x_val) == 100


def test_a_zero_is_drawn_like_a_zero():
    data = digits(shape="image")
    zeros = data.x_train[data.y_train == 0].mean(axis=0)[:, :, 0]
    assert zeros[3:5, 3:5].mean() < zeros[3:5, 1].mean()  # a hole in the middle, ink at the side


def test_list_shape_and_a_mismatch():
    assert digits(shape=[4, 16]).input_shape == (4, 16)
    with pytest.raises(DataError, match=r"data\.shape \[8, 8, 2\] holds 128 values per sample, but each sample has 64"):
        digits(shape=[8, 8, 2])


def test_data_and_notice_ship_in_the_package():
    folder = resources.files("tuinn.data")
    notice = folder.joinpath("NOTICE").read_text()
    assert "Alpaydin" in notice and "Kaynak" in notice and "CC BY 4.0" in notice
    assert folder.joinpath("digits.csv.gz").is_file()
