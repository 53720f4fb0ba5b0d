"""Losses by name. Each maps (output, target) to a mean loss and its gradient.

Binary and softmax cross-entropy take *logits* (the pre-activation of the
output layer): the network fuses them with the sigmoid / softmax output, which
is both numerically stable and cheaper (the gradient is simply p - y).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from tuinn.nn.activations import ACTIVATIONS
from tuinn.nn.arrays import Array

_sigmoid = ACTIVATIONS["sigmoid"].fn


@dataclass(frozen=True)
class Loss:
    """A named loss: `fn(out, y) -> float` and `grad(out, y) -> d loss / d out`.

    `fused_activation` names the output activation the loss includes (its
    `out` is then the logits), or is None when `out` is the activated output.
    `both`, when given, computes value and gradient together in fewer passes.
    """

    name: str
    fn: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    fused_activation: str | None = None
    both: Callable[[Array, Array], tuple[float, Array]] | None = None

    def value_and_grad(self, out: Array, y: Array) -> tuple[float, Array]:
        """The loss and its gradient, as training needs them on every step."""
        if self.both is not None:
            return self.both(out, y)
        return self.fn(out, y), self.grad(out, y)


def _mean(a: Array) -> float:
    # np.add.reduce skips np.mean's Python wrapper: it matters on tiny batches
    return float(np.add.reduce(a, axis=None)) / a.size


def _mse(out: Array, y: Array) -> float:
    d = out - y
    return float(np.vdot(d, d)) / d.size


def _mse_both(out: Array, y: Array) -> tuple[float, Array]:
    d = out - y
    loss = float(np.vdot(d, d)) / d.size
    d *= 2.0 / d.size
    return loss, d


def _bce(z: Array, y: Array) -> float:
    # mean of log(1 + e^z) - y z, written so that no exp overflows
    return (float(np.add.reduce(np.logaddexp(0.0, z), axis=None)) - float(np.vdot(y, z))) / z.size


def _bce_grad(z: Array, y: Array) -> Array:
    p = _sigmoid(z)
    p -= y
    p *= 1.0 / z.size
    return p


#: rows of at most this many values, and at least `COLUMN_MAX_ROWS` of them, take their maximum down the columns
COLUMN_MAX_WIDTH = 64
COLUMN_MAX_ROWS = 16


def _row_max(z: Array) -> Array:
    """Each row's maximum, as a column: `np.maximum.reduce` over the last axis.

    A maximum is exact in any order, so a batch of short rows (logits over a few classes) is
    copied into column order first, where the reduction runs down whole columns at once:
    2 µs against 9.5 for 128 rows of 10, 6.6 against 68 for 1,024 (no faster past 64 columns).
    """
    rows = z.size // z.shape[-1] if z.shape[-1] else 0
    if z.shape[-1] <= COLUMN_MAX_WIDTH and rows >= COLUMN_MAX_ROWS:
        z = np.asfortranarray(z)
    top: Array = np.maximum.reduce(z, axis=-1, keepdims=True)
    return top


def _softmax_ce_both(z: Array, y: Array) -> tuple[float, Array]:
    shifted = z - _row_max(z)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=-1, keepdims=True)
    shifted -= np.log(total)  # now log-softmax
    loss = float(-np.vdot(y, shifted)) / z.shape[0]
    e /= total
    e -= y
    e *= 1.0 / z.shape[0]
    return loss, e


def _signs(y: Array) -> Array:
    return 2.0 * y - 1.0


def _hinge(out: Array, y: Array) -> float:
    return _mean(np.maximum(0.0, 1.0 - _signs(y) * out))


def _hinge_grad(out: Array, y: Array) -> Array:
    t = _signs(y)
    return np.where(t * out < 1.0, -t, 0.0).astype(out.dtype) / out.size


def _perceptron(out: Array, y: Array) -> float:
    # the fraction of misclassified samples: what Rosenblatt's rule drives to zero
    return _mean((out >= 0) != (y > 0.5))


def _perceptron_grad(z: Array, y: Array) -> Array:
    # Rosenblatt's rule: w += lr * (y - step(z)) x, i.e. a "gradient" of (step(z) - y)
    grad: Array = ((z >= 0).astype(z.dtype) - y) / z.shape[0]
    return grad


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse, lambda out, y: _mse_both(out, y)[1], both=_mse_both),
        Loss("binary_cross_entropy", _bce, _bce_grad, fused_activation="sigmoid"),
        Loss(
            "softmax_cross_entropy",
            lambda z, y: _softmax_ce_both(z, y)[0],
            lambda z, y: _softmax_ce_both(z, y)[1],
            fused_activation="softmax",
            both=_softmax_ce_both,
        ),
        Loss("hinge", _hinge, _hinge_grad),
        Loss("perceptron", _perceptron, _perceptron_grad, fused_activation="step"),
    )
}

ALIASES = {"bce": "binary_cross_entropy", "cross_entropy": "softmax_cross_entropy"}


def get_loss(name: str) -> Loss:
    """Return the loss called `name` (or a known alias), or raise KeyError naming the choices."""
    try:
        if not isinstance(name, str):
            raise KeyError(name)
        return LOSSES[ALIASES.get(name, name)]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
