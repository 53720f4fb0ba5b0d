"""Activations: derivatives against finite differences, known values, stability, dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import check_grad, projection

from tuinn.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation

#: step's derivative is 0 by definition; softmax is output-only (checked through its loss)
DIFFERENTIABLE = [name for name in ACTIVATIONS if name not in ("step", "softmax")]


def away_from_zero(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random float64 inputs with |x| >= 0.05, clear of every kink at 0."""
    x = np.random.default_rng(seed).standard_normal(shape) * 2.0
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + x, x)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_grad_matches_finite_differences(name: str) -> None:
    act = ACTIVATIONS[name]
    x = away_from_zero((6, 5))
    r = projection(1, x.shape)
    analytic = r * act.grad(x, act.fn(x))
    check_grad(lambda v: float(np.sum(r * act.fn(v))), x, analytic)


def test_the_checked_list_is_every_activation_but_step_and_softmax() -> None:
    assert set(DIFFERENTIABLE) | {"step", "softmax"} == set(ACTIVATIONS)
    assert len(DIFFERENTIABLE) >= 9


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("step", -0.5, 0.0),
        ("step", 0.0, 1.0),
        ("linear", -2.5, -2.5),
        ("sigmoid", 0.0, 0.5),
        ("sigmoid", 2.0, 1.0 / (1.0 + math.exp(-2.0))),
        ("tanh", 0.5, math.tanh(0.5)),
        ("relu", -1.0, 0.0),
        ("relu", 3.0, 3.0),
        ("leaky_relu", -1.0, -0.01),
        ("elu", -1.0, math.exp(-1.0) - 1.0),
        ("elu", 2.0, 2.0),
        # tanh approximation of GELU at 1
        ("gelu", 1.0, 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))),
        ("softplus", 0.0, math.log(2.0)),
        ("softplus", -3.0, math.log1p(math.exp(-3.0))),
        ("swish", 1.0, 1.0 / (1.0 + math.exp(-1.0))),
    ],
)
def test_known_values(name: str, x: float, expected: float) -> None:
    assert ACTIVATIONS[name].fn(np.array([x]))[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_step_derivative_is_zero() -> None:
    x = np.array([-2.0, 0.0, 3.0])
    step = ACTIVATIONS["step"]
    assert np.array_equal(step.grad(x, step.fn(x)), np.zeros(3))


def test_softmax_rows_are_distributions_and_have_no_elementwise_grad() -> None:
    softmax = ACTIVATIONS["softmax"]
    z = np.array([[1.0, 2.0, 3.0], [1000.0, -1000.0, 0.0]])
    p = softmax.fn(z)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(p[0], np.exp(z[0]) / np.exp(z[0]).sum())
    assert np.array_equal(p[1], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        softmax.grad(z, p)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_of_huge_inputs_is_finite(dtype) -> None:
    sigmoid = ACTIVATIONS["sigmoid"]
    x = np.array([-1000.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = sigmoid.fn(x)
        g = sigmoid.grad(x, y)
    assert np.array_equal(y, [0.0, 1.0])
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_stays_float32_and_input_is_untouched(name: str) -> None:
    act = ACTIVATIONS[name]
    x = away_from_zero((3, 4)).astype(np.float32)
    before = x.copy()
    y = act.fn(x)
    assert y.dtype == np.float32
    if name != "softmax":
        assert act.grad(x, y).dtype == np.float32
    assert np.array_equal(x, before)


def test_hidden_activations_exclude_softmax_only() -> None:
    assert "softmax" not in HIDDEN_ACTIVATIONS
    assert set(HIDDEN_ACTIVATIONS) == set(ACTIVATIONS) - {"softmax"}


def test_unknown_activation_names_the_choices() -> None:
    assert get_activation("tanh") is ACTIVATIONS["tanh"]
    with pytest.raises(KeyError, match="'swishy'.*relu"):
        get_activation("swishy")


@pytest.mark.parametrize("shape", [(3, 4), (64, 8, 8, 16)])
def test_relu_small_and_large_arrays(shape: tuple[int, ...]) -> None:
    x = away_from_zero(shape).astype(np.float32)
    y = ACTIVATIONS["relu"].fn(x)
    assert y.dtype == np.float32 and np.array_equal(y, np.where(x > 0, x, 0))
