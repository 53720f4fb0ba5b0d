"""Losses by name. Each maps (output, target) to a mean loss and its gradient.

Binary and softmax cross-entropy take *logits* (the pre-activation of the
output layer): the network fuses them with the sigmoid / softmax output, which
is both numerically stable and cheaper (the gradient is simply p - y).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """A named loss: `fn(out, y) -> float` and `grad(out, y) -> d loss / d out`.

    `fused_activation` names the output activation the loss includes (its
    `out` is then the logits), or is None when `out` is the activated output.
    """

    name: str
    fn: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    fused_activation: str | None = None


def _mse(out: Array, y: Array) -> float:
    d = out - y
    return float(np.vdot(d, d)) / d.size


def _mse_grad(out: Array, y: Array) -> Array:
    return (out - y) * (2.0 / out.size)


def _bce(z: Array, y: Array) -> float:
    # log(1 + e^z) - y z, written so that no exp overflows
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _bce_grad(z: Array, y: Array) -> Array:
    p = np.tanh(z * 0.5)
    p += 1.0
    p *= 0.5
    p -= y
    p *= 1.0 / z.size
    return p


def _log_softmax(z: Array) -> Array:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _softmax_ce(z: Array, y: Array) -> float:
    return float(-np.vdot(y, _log_softmax(z))) / z.shape[0]


def _softmax_ce_grad(z: Array, y: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    e -= y
    e *= 1.0 / z.shape[0]
    return e


def _signs(y: Array) -> Array:
    return 2.0 * y - 1.0


def _hinge(out: Array, y: Array) -> float:
    return float(np.mean(np.maximum(0.0, 1.0 - _signs(y) * out)))


def _hinge_grad(out: Array, y: Array) -> Array:
    t = _signs(y)
    return np.where(t * out < 1.0, -t, 0.0).astype(out.dtype) / out.size


def _perceptron(out: Array, y: Array) -> float:
    # the fraction of misclassified samples: what Rosenblatt's rule drives to zero
    return float(np.mean((out >= 0) != (y > 0.5)))


def _perceptron_grad(z: Array, y: Array) -> Array:
    # Rosenblatt's rule: w += lr * (y - step(z)) x, i.e. a "gradient" of (step(z) - y)
    return ((z >= 0).astype(z.dtype) - y) / z.shape[0]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse, _mse_grad),
        Loss("binary_cross_entropy", _bce, _bce_grad, fused_activation="sigmoid"),
        Loss("softmax_cross_entropy", _softmax_ce, _softmax_ce_grad, fused_activation="softmax"),
        Loss("hinge", _hinge, _hinge_grad),
        Loss("perceptron", _perceptron, _perceptron_grad, fused_activation="step"),
    )
}

ALIASES = {"bce": "binary_cross_entropy", "cross_entropy": "softmax_cross_entropy"}


def get_loss(name: str) -> Loss:
    """Return the loss called `name` (or a known alias), or raise KeyError naming the choices."""
    try:
        return LOSSES[ALIASES.get(name, name)]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
