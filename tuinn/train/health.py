"""A layer's health in numbers: how far its weights moved at the last step, how many of its units are saturated or dead.

The update-to-weight ratio log10(‖ΔW‖ / ‖W‖) reads the update of the optimizer's last step (worked out again
from its state, or kept by reference); the shares are of the outputs the Evaluator's forward pass leaves in each
layer, kept by reference and counted when first read. Both are worked out only when a Snapshot reads them: a
training step does no work for them, and an evaluation only notes which arrays to count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tuinn.nn import Network
from tuinn.nn.layers import ActivatedLayer
from tuinn.nn.optimizers import Optimizer

#: the usual healthy band of log10(‖ΔW‖ / ‖W‖), around -3: below it a layer is not learning, above it too fast
HEALTHY = (-4.0, -2.0)
#: outputs saturated: outside [low, high] (|tanh| > 0.97; sigmoid outside [0.03, 0.97])
SATURATION = {"tanh": (-0.97, 0.97), "sigmoid": (0.03, 0.97)}
#: activations whose unit is dead when its output is 0 on every sample: its gradient is 0 there, so it stays dead.
#: leaky_relu, elu, gelu, swish and softplus keep a gradient below zero, so none of their units is dead
DEAD_AT_ZERO = ("relu",)
#: the activations whose outputs a tally counts
COUNTED = frozenset(SATURATION) | frozenset(DEAD_AT_ZERO)
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
    """Each weighted layer's log10(‖ΔW‖ / ‖W‖) over the optimizer's last step (empty before a step of this network).

    The squared norms of every parameter at once (a sum over each one's stretch of the flat buffer): a handful
    of NumPy calls whatever the depth, as a Snapshot of a small net would otherwise spend most of it in Python.
    """
    update = optimizer.last_update(PARAMETER_GROUP, network.flat_params)
    if update is None:
        return {}
    starts: list[int] = []
    weights: list[tuple[str, int]] = []  # (layer, its W's index in starts)
    offset = 0
    for name, p in network.params.items():  # in the order the flat buffer holds them
        if name.endswith(".W"):
            weights.append((name[:-2], len(starts)))
        starts.append(offset)
        offset += p.size
    moved, size = squared_sums(update, starts), squared_sums(network.flat_params, starts)
    return {layer: log_ratio(math.sqrt(moved[i]), math.sqrt(size[i])) for layer, i in weights}


def squared_sums(flat: np.ndarray, starts: list[int]) -> list[float]:
    """The sum of squares of `flat` over each stretch beginning at `starts` (up to the next one, the last to the end)."""
    sums: list[float] = np.add.reduceat(flat * flat, starts).tolist()
    return sums


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


#: a chunk of a layer's outputs up to this size is kept and counted when read (counting it would cost mostly
#: Python calls); a larger one is counted at once: that costs little next to the forward pass that made it, and
#: keeping large arrays alive slows the training steps' allocations after it (digits-cnn: +3-5% a step)
KEPT_BYTES = 1 << 16


class ActivityTally:
    """Counts, over the chunks of one evaluation pass, each hidden layer's saturated outputs and units ever active.

    `add` keeps a reference to each small chunk of a counted layer's outputs (the activations return a new
    array each forward pass) and `result` counts them when first read: an evaluation of a small net that no one
    reads costs no counting. Larger chunks are counted as they come.
    """

    def __init__(self) -> None:
        self._saturated: dict[str, list[int]] = {}  # layer -> [outputs saturated, outputs seen]
        self._alive: dict[str, np.ndarray] = {}  # layer -> per unit: nonzero on some sample
        self._kept: list[tuple[str, str, np.ndarray]] = []  # (layer, activation, outputs) not counted yet

    def add(self, network: Network) -> None:
        """Take in the outputs the last forward pass left in each hidden layer (counted now or when read)."""
        for layer in network.layers[:-1]:  # the hidden layers (as Network.hidden_layers, without its two lists)
            if not isinstance(layer, ActivatedLayer):
                continue
            activation, a = layer.activation, layer.output
            if activation not in COUNTED or a is None:
                continue
            if a.nbytes <= KEPT_BYTES:
                self._kept.append((layer.name, activation, a))
            else:
                self._count(layer.name, activation, a)

    def _count(self, name: str, activation: str, a: np.ndarray) -> None:
        """Count one chunk of one layer's outputs."""
        outputs = by_unit(a)
        if activation in SATURATION:
            low, high = SATURATION[activation]
            counts = self._saturated.setdefault(name, [0, 0])
            counts[0] += int(np.count_nonzero(outputs < low)) + int(np.count_nonzero(outputs > high))
            counts[1] += outputs.size
        else:  # relu outputs are >= 0: a unit is active where their sum is > 0
            active = (np.ones(len(outputs), dtype=outputs.dtype) @ outputs) > 0
            alive = self._alive.get(name)
            self._alive[name] = active if alive is None else alive | active

    def result(self) -> dict[str, Activity]:
        """Each counted layer's Activity (the kept outputs are counted at the first read, then let go)."""
        for kept in self._kept:
            self._count(*kept)
        self._kept.clear()
        shares = {name: Activity(saturated=hit / max(seen, 1)) for name, (hit, seen) in self._saturated.items()}
        return shares | {name: Activity(dead=1.0 - float(alive.mean())) for name, alive in self._alive.items()}
