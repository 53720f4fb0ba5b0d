"""Losses: values from their formulas, gradients against finite differences, huge logits."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad

from tuinn.nn.losses import LOSSES, get_loss

RNG = np.random.default_rng(3)
LOGITS = RNG.standard_normal((5, 3)) * 3.0
ONE_HOT = np.eye(3)[[0, 2, 1, 1, 0]]
BINARY = (RNG.random((5, 3)) < 0.5).astype(np.float64)
SOFT = RNG.random((5, 3))  # soft targets in (0, 1) are allowed for bce


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def hinge_outputs() -> np.ndarray:
    """Outputs whose margin 1 - t*out stays clear of the hinge's kink at 0."""
    out = RNG.standard_normal((5, 3)) * 2.0
    margin = 1.0 - (2.0 * BINARY - 1.0) * out
    return np.where(np.abs(margin) < 0.05, out + 0.1, out)


@pytest.mark.parametrize(
    ("name", "out", "y"),
    [
        ("mse", LOGITS, SOFT),
        ("binary_cross_entropy", LOGITS, BINARY),
        ("binary_cross_entropy", LOGITS, SOFT),
        ("softmax_cross_entropy", LOGITS, ONE_HOT),
        ("hinge", hinge_outputs(), BINARY),
    ],
)
def test_grad_matches_finite_differences(name: str, out: np.ndarray, y: np.ndarray) -> None:
    loss = LOSSES[name]
    out = out.copy()
    check_grad(lambda v: loss.fn(v, y), out, loss.grad(out, y))


def test_mse_is_the_mean_squared_error() -> None:
    out, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [5.0, 4.0]])
    assert LOSSES["mse"].fn(out, y) == pytest.approx((1 + 0 + 4 + 0) / 4)


def test_bce_on_logits_is_the_cross_entropy_of_the_sigmoid() -> None:
    p = sigmoid(LOGITS)
    expected = np.mean(-(SOFT * np.log(p) + (1 - SOFT) * np.log(1 - p)))
    assert LOSSES["binary_cross_entropy"].fn(LOGITS, SOFT) == pytest.approx(expected, rel=1e-12)


def test_softmax_ce_on_logits_is_the_cross_entropy_of_the_softmax() -> None:
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    expected = -np.sum(ONE_HOT * np.log(p)) / LOGITS.shape[0]
    loss = LOSSES["softmax_cross_entropy"]
    assert loss.fn(LOGITS, ONE_HOT) == pytest.approx(expected, rel=1e-12)
    assert np.allclose(loss.grad(LOGITS, ONE_HOT), (p - ONE_HOT) / LOGITS.shape[0])


def test_hinge_uses_labels_as_signs() -> None:
    out, y = np.array([[2.0], [0.5], [-0.5]]), np.array([[1.0], [1.0], [1.0]])
    assert LOSSES["hinge"].fn(out, y) == pytest.approx((0.0 + 0.5 + 1.5) / 3)
    assert LOSSES["hinge"].fn(-out, 1.0 - y) == pytest.approx((0.0 + 0.5 + 1.5) / 3)


def test_perceptron_loss_is_the_error_rate_and_grad_the_rule() -> None:
    z, y = np.array([[0.3], [-0.2], [0.0], [-1.0]]), np.array([[1.0], [1.0], [0.0], [0.0]])
    perceptron = LOSSES["perceptron"]
    assert perceptron.fn(z, y) == pytest.approx(0.5)
    # step(z) - y per sample, over the batch
    assert np.array_equal(perceptron.grad(z, y), np.array([[0.0], [-1.0], [1.0], [0.0]]) / 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropies_are_finite_for_huge_logits(dtype) -> None:
    bce, ce = LOSSES["binary_cross_entropy"], LOSSES["softmax_cross_entropy"]
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]], dtype=dtype)
    y = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=dtype)
    zs = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], dtype=dtype)
    ys = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        assert bce.fn(z, y) == pytest.approx(500.0)  # two right (0), two wrong by 1000
        assert ce.fn(zs, ys) == pytest.approx(1000.0)  # 2000 on the first row, 0 on the second
        gb, gc = bce.grad(z, y), ce.grad(zs, ys)
    assert np.allclose(gb, np.array([[0.0], [0.0], [1.0], [-1.0]]) / 4)
    assert np.allclose(gc, np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]) / 2)
    assert gb.dtype == gc.dtype == dtype


@pytest.mark.parametrize("name", list(LOSSES))
def test_float32_gradients_stay_float32(name: str) -> None:
    out, y = LOGITS.astype(np.float32), BINARY.astype(np.float32)
    assert LOSSES[name].grad(out, y).dtype == np.float32


def test_fused_activations_and_aliases() -> None:
    assert {n: l.fused_activation for n, l in LOSSES.items()} == {
        "mse": None,
        "binary_cross_entropy": "sigmoid",
        "softmax_cross_entropy": "softmax",
        "hinge": None,
        "perceptron": "step",
    }
    assert get_loss("bce") is LOSSES["binary_cross_entropy"]
    assert get_loss("cross_entropy") is LOSSES["softmax_cross_entropy"]
    with pytest.raises(KeyError, match="'l3'.*mse"):
        get_loss("l3")


@pytest.mark.parametrize("name", list(LOSSES))
def test_value_and_grad_equals_fn_and_grad_and_leaves_inputs_alone(name: str) -> None:
    loss = LOSSES[name]
    out, y = LOGITS.copy(), ONE_HOT.copy()
    value, grad = loss.value_and_grad(out, y)
    assert value == pytest.approx(loss.fn(out, y), rel=1e-12)
    assert np.allclose(grad, loss.grad(out, y), rtol=1e-12, atol=0)
    assert np.array_equal(out, LOGITS) and np.array_equal(y, ONE_HOT)
