"""TF Playground generators: shapes, balance, geometry, noise and seeding."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import PLAYGROUND_SETS, DataError, load_data


def playground(name: str, seed: int = 0, **options):
    return load_data({"kind": "playground", "name": name, **options}, seed=seed)


def all_points(data):
    return np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])


@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_defaults_give_500_points_split_in_half(name):
    data = playground(name)
    assert data.x_train.shape == (250, 2) and data.x_val.shape == (250, 2)
    assert data.input_shape == (2,)
    assert data.x_train.dtype == np.float64
    if name in ("plane", "multi_gauss"):
        assert (data.task, data.classes, data.outputs) == ("regression", 0, 1)
        assert data.y_train.shape == (250, 1) and data.y_train.dtype == np.float64
    else:
        assert (data.task, data.classes, data.outputs) == ("classification", 2, 2)
        assert data.y_train.dtype == np.int64 and set(np.unique(data.y_train)) == {0, 1}


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
def test_classes_are_balanced_and_the_split_is_stratified(name):
    data = playground(name, samples=400, val_ratio=0.25)
    assert np.bincount(data.y_train).tolist() == [150, 150]
    assert np.bincount(data.y_val).tolist() == [50, 50]


def test_xor_is_roughly_balanced():
    _, y = all_points(playground("xor", samples=2000))
    assert 0.45 < y.mean() < 0.55


def test_odd_sample_counts_are_kept():
    x, _ = all_points(playground("spiral", samples=501))
    assert len(x) == 501


def test_circle_geometry_without_noise():
    x, y = all_points(playground("circle"))
    r = np.hypot(x[:, 0], x[:, 1])
    assert (r[y == 1] < 2.5).all()
    assert ((r[y == 0] >= 3.5) & (r[y == 0] <= 5)).all()


def test_circle_noise_flips_labels_near_the_edge_but_not_points():
    x, y = all_points(playground("circle", noise=50))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 5  # points stay where they were drawn
    assert ((r < 2.5) & (y == 0)).any() and ((r >= 3.5) & (y == 1)).any()


def test_xor_padding_and_labels_without_noise():
    x, y = all_points(playground("xor"))
    assert (np.abs(x) >= 0.3).all() and (np.abs(x) <= 5.3).all()
    assert (y == (x[:, 0] * x[:, 1] >= 0)).all()


def test_gauss_centres_and_variance_follow_noise():
    x, y = all_points(playground("gauss", samples=4000))
    assert np.allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.1)
    assert np.allclose(x[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    assert np.allclose(x[y == 1].var(axis=0), 0.5, rtol=0.1)
    noisy_x, noisy_y = all_points(playground("gauss", samples=4000, noise=50))
    assert np.allclose(noisy_x[noisy_y == 1].var(axis=0), 4.0, rtol=0.1)


def test_spiral_arms_are_opposite_and_within_radius_5():
    x, y = all_points(playground("spiral"))
    assert (np.hypot(x[:, 0], x[:, 1]) < 5).all()
    # the same step along each arm: the arms are point reflections of each other
    one, zero = np.sort(x[y == 1], axis=0), np.sort(-x[y == 0], axis=0)
    assert np.allclose(one, zero)


def test_plane_target_is_x_plus_y_over_ten_without_noise():
    data = playground("plane")
    assert np.allclose(data.y_train[:, 0], data.x_train.sum(axis=1) / 10)
    assert (np.abs(data.x_train) <= 6).all()


def test_multi_gauss_targets_lie_in_minus_one_to_one_with_both_signs():
    _, y = all_points(playground("multi_gauss", noise=20))
    assert y.min() >= -1 and y.max() <= 1
    assert y.min() < -0.5 and y.max() > 0.5


def test_multi_gauss_peaks_at_the_bump_centres():
    data = playground("multi_gauss", samples=3000)
    near = np.hypot(data.x_train[:, 0] + 4, data.x_train[:, 1] - 2.5) < 0.2  # bump (-4, 2.5), sign +1
    assert near.any() and (data.y_train[near, 0] > 0.9).all()


@pytest.mark.parametrize("name", ["gauss", "spiral"])
@pytest.mark.parametrize("classes", [3, 8])
def test_multi_class_versions(name, classes):
    data = playground(name, samples=80 * classes, classes=classes)
    assert data.classes == classes == data.outputs == len(data.class_names)
    _, y = all_points(data)
    assert np.bincount(y).tolist() == [80] * classes


def test_multi_class_gauss_puts_blobs_on_a_circle():
    x, y = all_points(playground("gauss", samples=4000, classes=4))
    centres = np.array([x[y == c].mean(axis=0) for c in range(4)])
    assert np.allclose(np.hypot(centres[:, 0], centres[:, 1]), 2 * np.sqrt(2), atol=0.1)
    assert len({tuple(c.round()) for c in centres}) == 4


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = (
        playground("spiral", seed=3, noise=20),
        playground("spiral", seed=3, noise=20),
        playground("spiral", seed=4, noise=20),
    )
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", ["spiral", "gauss"])
def test_noise_moves_points(name):
    quiet, noisy = all_points(playground(name, noise=0))[0], all_points(playground(name, noise=40))[0]
    assert not np.allclose(np.sort(quiet, axis=0), np.sort(noisy, axis=0))


def test_float32_is_honoured():
    data = load_data({"kind": "playground", "name": "plane"}, seed=0, dtype="float32")
    assert data.x_train.dtype == np.float32 and data.y_val.dtype == np.float32


def test_classes_only_for_gauss_and_spiral():
    with pytest.raises(DataError, match=r"data\.classes applies only to gauss and spiral, not to 'circle'"):
        playground("circle", classes=3)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"samples": 0}, r"data\.samples must be between 2 and 1000000, got 0"),
        ({"samples": "500"}, r"data\.samples must be an integer, got '500'"),
        ({"samples": 5.0}, r"data\.samples must be an integer, got 5\.0"),
        ({"noise": 60}, r"data\.noise must be between 0 and 50, got 60"),
        ({"val_ratio": 1.5}, r"data\.val_ratio must be between 0 and 1 \(both excluded\), got 1\.5"),
        ({"classes": 9}, r"data\.classes must be between 2 and 8, got 9"),
    ],
)
def test_bad_options_name_the_key(options, message):
    with pytest.raises(DataError, match=message):
        playground("gauss", **options)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(DataError, match=r"data\.name must be one of circle, .*did you mean 'circle'\?.*got 'circles'"):
        playground("circles")
