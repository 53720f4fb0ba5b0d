"""Plan a network from its spec and input shape without allocating it: shapes, counts, bytes.

`plan_network(spec, input_shape, dtype)` checks the spec exactly as `Network.from_spec`
does (the same parsing, the same layer shape rules, the same messages) and returns each
layer's output shape, neurons, parameters and the bytes its arrays would take, computed
from shapes alone. A 1,000,000-unit dense layer on a 1,000×1,000 image (10¹² weights,
8 TB in float64) is planned in microseconds, so a summary can show it and a caller can
refuse a network over a memory budget before anything is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from tuinn.nn.losses import get_loss
from tuinn.nn.spec import SummaryRow, configure_layers, parse_spec, summary_row

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerPlan:
    """One layer as the network would build it: its table row and the shapes of its parameters."""

    row: SummaryRow
    parameter_shapes: dict[str, Shape]
    #: bytes of one element in the plan's dtype
    itemsize: int

    @property
    def parameter_bytes(self) -> int:
        """Bytes of this layer's parameters (its gradients take as many again)."""
        return self.row.parameters * self.itemsize

    @property
    def output_bytes(self) -> int:
        """Bytes of this layer's output for one sample."""
        return self.row.neurons * self.itemsize


@dataclass(frozen=True)
class NetworkPlan:
    """Every layer of a network-to-be, with totals; what `Network` would allocate, counted."""

    input_shape: Shape
    output_shape: Shape
    dtype: np.dtype
    layers: tuple[LayerPlan, ...]

    @property
    def rows(self) -> list[SummaryRow]:
        """The architecture table's rows, equal to the built network's `summary_rows()`."""
        return [layer.row for layer in self.layers]

    @property
    def parameter_shapes(self) -> dict[str, Shape]:
        """Shape of every parameter by its network name ("dense_1.W"), in layer order."""
        return {
            f"{layer.row.name}.{key}": shape for layer in self.layers for key, shape in layer.parameter_shapes.items()
        }

    @property
    def parameters(self) -> int:
        return sum(layer.row.parameters for layer in self.layers)

    @property
    def neurons(self) -> int:
        return sum(layer.row.neurons for layer in self.layers)

    @property
    def parameter_bytes(self) -> int:
        """Bytes of all the weights and biases."""
        return self.parameters * self.dtype.itemsize

    @property
    def network_bytes(self) -> int:
        """Bytes `Network` allocates for its flat parameter and gradient buffers."""
        return 2 * self.parameter_bytes

    def activation_bytes(self, batch: int) -> int:
        """Bytes of every layer's output for a batch of `batch` samples (kept for backward)."""
        return batch * self.neurons * self.dtype.itemsize


def plan_network(spec: Any, input_shape: Iterable[int], dtype: Any = np.float64) -> NetworkPlan:
    """The plan of `Network.from_spec(spec, input_shape, dtype=dtype)`; SpecError as it would raise."""
    spec, layers, _ = parse_spec(spec)
    shape = tuple(int(d) for d in input_shape)
    output = configure_layers(layers, shape, get_loss(spec["loss"]))  # parse_spec checked the name
    dtype = np.dtype(dtype)
    plans = tuple(LayerPlan(summary_row(l), l.parameter_shapes(), dtype.itemsize) for l in layers)
    return NetworkPlan(shape, output, dtype, plans)
