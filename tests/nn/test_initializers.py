"""Initialisers: scales by name, seeded draws, no global random state."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn.initializers import INITIALIZERS, initialize

SHAPE, FAN_IN, FAN_OUT = (400, 300), 400, 300


def draw(name: str, seed: int = 0, dtype=np.float64) -> np.ndarray:
    return initialize(name, np.random.default_rng(seed), SHAPE, FAN_IN, FAN_OUT, dtype)


@pytest.mark.parametrize(
    ("name", "std"),
    [
        ("uniform", 0.1 / np.sqrt(12)),
        ("normal", 0.05),
        ("glorot", np.sqrt(2.0 / (FAN_IN + FAN_OUT))),
        ("xavier", np.sqrt(2.0 / (FAN_IN + FAN_OUT))),
        ("he", np.sqrt(2.0 / FAN_IN)),
    ],
)
def test_scale_of_each_initialiser(name: str, std: float) -> None:
    w = draw(name)
    assert w.shape == SHAPE
    assert abs(w.mean()) < 0.05 * std
    assert w.std() == pytest.approx(std, rel=0.02)


def test_bounds_of_the_uniform_ones() -> None:
    assert np.abs(draw("uniform")).max() <= 0.05
    assert np.abs(draw("glorot")).max() <= np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert not draw("zeros").any()


@pytest.mark.parametrize("name", list(INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_seeded_reproducible_and_of_the_dtype(name: str, dtype) -> None:
    a, b = draw(name, seed=1, dtype=dtype), draw(name, seed=1, dtype=dtype)
    assert a.dtype == dtype and np.array_equal(a, b)
    if name != "zeros":
        assert not np.array_equal(a, draw(name, seed=2, dtype=dtype))


def test_global_random_state_is_neither_used_nor_touched() -> None:
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    a = draw("he", seed=3)
    assert np.array_equal(np.random.get_state()[1], state)
    np.random.seed(12345)
    assert np.array_equal(draw("he", seed=3), a)


def test_unknown_initialiser_names_the_choices() -> None:
    with pytest.raises(KeyError, match="'lecun'.*glorot"):
        draw("lecun")
