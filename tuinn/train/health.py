"""A layer's health in numbers: how far its weights moved at the last step, how many of its units are saturated or dead.

The update-to-weight ratio log10(‖ΔW‖ / ‖W‖) reads the update the optimizer kept from its last step; the
shares are counted on the evaluation batch as the Evaluator's forward pass leaves each layer's output. Neither
adds work to a training step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tuinn.nn import Network
from tuinn.nn.optimizers import Optimizer

#: the usual healthy band of log10(‖ΔW‖ / ‖W‖), around -3: below it a layer is not learning, above it too fast
HEALTHY = (-4.0, -2.0)
#: outputs saturated: outside [low, high] (|tanh| > 0.97; sigmoid outside [0.03, 0.97])
SATURATION = {"tanh": (-0.97, 0.97), "sigmoid": (0.03, 0.97)}
#: activations whose unit is dead when its output is 0 on every sample: its gradient is 0 there, so it stays dead.
#: leaky_relu, elu, gelu, swish and softplus keep a gradient below zero, so none of their units is dead
DEAD_AT_ZERO = ("relu",)
FLOOR = 1e-30  # a ratio below this reads as this: a layer that did not move is -30, not -inf
#: the optimizer's name for the Trainer's one parameter group (the network's flat buffer)
PARAMETER_GROUP = "all"


def update_ratio(update_norm: float, weight_norm: float) -> float:
    """‖ΔW‖ / ‖W‖ (a zero ‖W‖ counts as FLOOR)."""
    return update_norm / max(weight_norm, FLOOR)


def log_ratio(update_norm: float, weight_norm: float) -> float:
    """log10(‖ΔW‖ / ‖W‖), floored at log10(FLOOR)."""
    return math.log10(max(update_ratio(update_norm, weight_norm), FLOOR))


def band(log_update_ratio: float) -> str:
    """'not learning' below the healthy band, 'too fast' above it, else 'healthy'."""
    low, high = HEALTHY
    return "not learning" if log_update_ratio < low else "too fast" if log_update_ratio > high else "healthy"


def update_ratios(network: Network, optimizer: Optimizer) -> dict[str, float]:
    """Each weighted layer's log10(‖ΔW‖ / ‖W‖) over the optimizer's last step (empty before a step of this network)."""
    update = optimizer.last_update(PARAMETER_GROUP, network.flat_params)
    if update is None:
        return {}
    parts = network.views_of(update)
    return {
        layer.name: log_ratio(
            float(np.linalg.norm(parts[f"{layer.name}.W"])), float(np.linalg.norm(layer.parameters["W"]))
        )
        for layer in network.layers
        if "W" in layer.parameters
    }


def by_unit(a: np.ndarray) -> np.ndarray:
    """A layer's outputs as (positions, units): samples (and a conv map's positions) down, units across.

    In the order the outputs lie in memory, so no copy is made when the units are the innermost axis
    (a conv layer's maps lie position-major, not sample-major).
    """
    if a.ndim == 2:  # a dense layer's: as it is
        return a
    units = a.shape[-1]
    if a.strides[-1] == a.itemsize and a.strides[-1] == min(abs(s) for s in a.strides):
        return a.ravel(order="K").reshape(-1, units)
    return a.reshape(-1, units)


@dataclass(frozen=True)
class Activity:
    """One hidden layer on the evaluation batch: the share of its outputs saturated, the share of its units dead.

    None where the activation has no such state (saturated: tanh and sigmoid only; dead: relu only).
    A conv layer's units are its channels: one is dead when it is 0 at every position of every sample.
    """

    saturated: float | None = None
    dead: float | None = None


class ActivityTally:
    """Counts, over the chunks of one evaluation pass, each hidden layer's saturated outputs and units ever active."""

    def __init__(self) -> None:
        self._saturated: dict[str, list[int]] = {}  # layer -> [outputs saturated, outputs seen]
        self._alive: dict[str, np.ndarray] = {}  # layer -> per unit: nonzero on some sample

    def add(self, network: Network) -> None:
        """Count the outputs the last forward pass left in each hidden layer."""
        for layer in network.hidden_layers:
            a = layer.output
            if a is None:
                continue
            name, activation, outputs = layer.name, layer.activation, by_unit(a)
            if activation in SATURATION:
                low, high = SATURATION[activation]
                counts = self._saturated.setdefault(name, [0, 0])
                counts[0] += int(np.count_nonzero(outputs < low)) + int(np.count_nonzero(outputs > high))
                counts[1] += outputs.size
            elif activation in DEAD_AT_ZERO:  # relu outputs are >= 0: a unit is active where their sum is > 0
                active = (np.ones(len(outputs), dtype=outputs.dtype) @ outputs) > 0
                alive = self._alive.get(name)
                self._alive[name] = active if alive is None else alive | active

    def result(self) -> dict[str, Activity]:
        """Each counted layer's Activity."""
        shares = {name: Activity(saturated=hit / max(seen, 1)) for name, (hit, seen) in self._saturated.items()}
        return shares | {name: Activity(dead=1.0 - float(alive.mean())) for name, alive in self._alive.items()}
