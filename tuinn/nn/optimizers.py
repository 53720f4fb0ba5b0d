"""Optimizers by name, each keeping per-parameter state keyed by parameter name.

`step(params, grads)` updates the arrays of `params` in place, so a network's
weights survive a change of learning rate (set `lr`) or of optimizer (make a
new one: the weights stay, only the optimizer's own state starts afresh).
Each can give the update it subtracted at its last step (`last_update`): the
step's parameter change, read for the update-to-weight ratio. Where the
optimizer's state holds it after the step (SGD with momentum, Adam) it is worked
out again from the state when read, so a step keeps no array for it; where it
depends on the step's gradient (plain SGD, Nesterov, Adagrad, RMSprop), the step
keeps a reference to the update it made anyway. Nothing is copied.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tuinn.nn.arrays import REUSE_FROM, FloatArray

Params = dict[str, FloatArray]


def is_real(value: object) -> bool:
    """A real number (int or float, NumPy's too), not a bool or a string."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def decay_rate(name: str, value: float) -> float:
    """A moving-average factor: must lie in [0, 1)."""
    if not is_real(value) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def positive(name: str, value: float) -> float:
    """A strictly positive, finite number."""
    if not is_real(value) or not 0.0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number, got {value}")
    return float(value)


class Optimizer:
    """Base class: holds `lr` and a per-parameter state dict `state[name]`."""

    name = "optimizer"

    def __init__(self, lr: float = 0.01) -> None:
        if not is_real(lr) or not 0 < lr < float("inf"):
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.state: dict[str, dict[str, FloatArray]] = {}
        self.iterations = 0
        #: per parameter name, at the last step: (the array stepped, the update subtracted from it (None: worked
        #: out again from the state, see _state_update), the second update subtracted after it (Nesterov's));
        #: one tuple stored a step, the least a step can do for it
        self._last: dict[str, tuple[FloatArray, FloatArray | None, FloatArray | None]] = {}
        #: per parameter name: the array a step writes its scaled update into (reused: no allocation a step)
        self._scratch: dict[str, FloatArray] = {}

    def step(self, params: Params, grads: Params) -> None:
        """Apply one update to every array in `params` from the same-named gradient."""
        self.iterations += 1
        self._prepare()
        for name, p in params.items():
            self._update(name, p, grads[name])

    def _prepare(self) -> None:
        """Work done once per step for all parameters (Adam's bias correction)."""

    def _subtract(self, name: str, p: FloatArray, update: FloatArray, then: FloatArray | None = None) -> None:
        """Apply `p -= update` (then `p -= then`), and keep them as the step's change of `p`."""
        p -= update
        if then is not None:
            p -= then
        self._last[name] = (p, update, then)

    def _subtract_from_state(self, name: str, p: FloatArray, update: FloatArray) -> None:
        """Apply `p -= update`, an update `_state_update` gives again until the next step: nothing is kept."""
        p -= update
        self._last[name] = (p, None, None)

    def _state_update(self, name: str) -> FloatArray:
        """The last step's update of `name` worked out again from the state (for `_subtract_from_state`)."""
        raise NotImplementedError

    def last_update(self, name: str, p: FloatArray) -> FloatArray | None:
        """What the last step subtracted from parameter `name` (its change is minus this, up to rounding).

        None before a step, or when `p` is not the array that step updated (a new network after surgery).
        """
        last = self._last.get(name)
        if last is None or last[0] is not p:
            return None
        _, update, then = last
        if update is None:
            return self._state_update(name)
        return update if then is None else update + then

    def _scaled(self, name: str, factor: float, g: FloatArray) -> FloatArray:
        """`factor * g` (as the operator computes it), written into the array reused for parameter `name` (a new one
        when `g` is small)."""
        if g.size < REUSE_FROM:
            return factor * g
        out = self._scratch.get(name)
        if out is None or out.shape != g.shape or out.dtype != g.dtype:
            out = self._scratch[name] = np.empty_like(g)
        return np.multiply(g, factor, out=out)

    def _slot(self, name: str, key: str, like: FloatArray) -> FloatArray:
        """The state array `key` of parameter `name`, zeros like `like` on first use (no dict made per step)."""
        slots = self.state.get(name)
        if slots is None:
            slots = self.state[name] = {}
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = np.zeros_like(like)
        return slot

    def _update(self, name: str, p: FloatArray, g: FloatArray) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        """A short label for status lines, e.g. 'adam(lr=0.001)'."""
        return f"{self.name}(lr={self.lr:g})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD computes it."""

    name = "sgd"

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = decay_rate("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _prepare(self) -> None:
        self._step_lr = self.lr  # this step's: a velocity step is worked out again with it when read

    def _update(self, name: str, p: FloatArray, g: FloatArray) -> None:
        if self.momentum == 0.0:
            self._subtract(name, p, self._scaled(name, self.lr, g))
            return
        # PyTorch's convention: the velocity accumulates gradients (b = mu b + g) and the
        # learning rate applies at the update, so a change of lr takes effect at once
        v = self._slot(name, "velocity", p)
        v *= self.momentum
        v += g
        if self.nesterov:  # step along g + mu b
            self._subtract(name, p, self.lr * g, (self.lr * self.momentum) * v)
        else:
            self._subtract_from_state(name, p, self._scaled(name, self._step_lr, v))

    def _state_update(self, name: str) -> FloatArray:
        return self._scaled(name, self._step_lr, self.state[name]["velocity"])  # the step's update, at its lr

    def describe(self) -> str:
        extra = f", momentum={self.momentum:g}" if self.momentum else ""
        extra += ", nesterov" if self.nesterov else ""
        return f"sgd(lr={self.lr:g}{extra})"


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps shrinking with the sum of squared gradients."""

    name = "adagrad"

    def __init__(self, lr: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = positive("eps", eps)

    def _update(self, name: str, p: FloatArray, g: FloatArray) -> None:
        acc = self._slot(name, "accumulator", p)
        acc += g * g
        self._subtract(name, p, self.lr * g / (np.sqrt(acc) + self.eps))


class RMSprop(Optimizer):
    """RMSprop: steps scaled by a moving average of squared gradients."""

    name = "rmsprop"

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho, self.eps = decay_rate("rho", rho), positive("eps", eps)

    def _update(self, name: str, p: FloatArray, g: FloatArray) -> None:
        avg = self._slot(name, "mean_square", p)
        avg *= self.rho
        avg += (1.0 - self.rho) * g * g
        self._subtract(name, p, self.lr * g / (np.sqrt(avg) + self.eps))


class Adam(Optimizer):
    """Adam with bias correction (Kingma and Ba, 2015)."""

    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2 = decay_rate("beta1", beta1), decay_rate("beta2", beta2)
        self.eps = positive("eps", eps)

    def _prepare(self) -> None:
        t = self.iterations
        # fold both bias corrections into one step size; Python floats keep float32 arrays float32
        root = math.sqrt(1.0 - self.beta2**t)
        self._alpha = self.lr * root / (1.0 - self.beta1**t)
        self._eps_hat = self.eps * root

    def _update(self, name: str, p: FloatArray, g: FloatArray) -> None:
        m = self._slot(name, "m", p)
        v = self._slot(name, "v", p)
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        v *= self.beta2
        v += (1.0 - self.beta2) * (g * g)
        self._subtract_from_state(name, p, self._moments_step(m, v))

    def _moments_step(self, m: FloatArray, v: FloatArray) -> FloatArray:
        """The update from the moment estimates `m` and `v`, with this step's bias corrections."""
        update: FloatArray = self._alpha * m / (np.sqrt(v) + self._eps_hat)
        return update

    def _state_update(self, name: str) -> FloatArray:
        slots = self.state[name]
        return self._moments_step(slots["m"], slots["v"])


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam)}


def make_optimizer(name: str, lr: float, **options: Any) -> Optimizer:
    """Build the optimizer called `name` with learning rate `lr` and its own options."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise KeyError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}") from None
    return cls(lr=lr, **options)
