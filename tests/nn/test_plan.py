"""plan_network: shapes and counts from a spec without allocating, equal to what Network builds."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from tuinn.nn import Network
from tuinn.nn.plan import plan_network

CNN = {
    "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 6, "kernel_size": [2, 3], "stride": 2, "activation": "tanh"},
        {"type": "avgpool2d", "pool_size": 2, "stride": 1},
        {"type": "flatten"},
        {"type": "dropout", "rate": 0.25},
        {"type": "maxout", "units": 5, "pieces": 3},
        {"type": "dense", "units": 7, "activation": "elu", "use_bias": False, "name": "penultimate"},
        {"type": "dense", "units": 3, "activation": "softmax"},
    ],
    "loss": "softmax_cross_entropy",
}
MILLION = {
    "layers": [
        {"type": "conv2d", "filters": 1, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "flatten"},
        {"type": "dense", "units": 1_000_000, "activation": "relu"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "loss": "softmax_cross_entropy",
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plan_equals_the_built_network(dtype) -> None:
    net = Network.from_spec(CNN, (17, 13, 2), dtype=dtype)
    plan = plan_network(CNN, (17, 13, 2), dtype=dtype)
    assert plan.rows == net.summary_rows()
    assert plan.parameter_shapes == {name: p.shape for name, p in net.params.items()}
    assert plan.parameters == net.parameter_count
    assert plan.output_shape == net.output_shape
    assert plan.network_bytes == net.flat_params.nbytes + net.flat_grads.nbytes
    for layer, built in zip(plan.layers, net.layers):
        assert layer.parameter_bytes == sum(p.nbytes for p in built.parameters.values())
        assert layer.output_bytes == np.dtype(dtype).itemsize * int(np.prod(built.output_shape))
    x = np.zeros((5, 17, 13, 2), dtype=dtype)
    assert plan.activation_bytes(5) == sum(
        np.dtype(dtype).itemsize * 5 * int(np.prod(l.output_shape)) for l in net.layers
    )
    assert net.forward(x).shape == (5, *plan.output_shape)


def test_the_million_unit_layer_is_counted_without_allocating() -> None:
    tracemalloc.start()
    try:
        plan = plan_network(MILLION, (1000, 1000, 1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak  # well under a megabyte: nothing of the 8 TB was made
    conv, flatten, dense, out = plan.rows
    assert (conv.output_shape, conv.neurons, conv.parameters) == ((1000, 1000, 1), 1_000_000, 10)
    assert conv.dense_equivalent == 1_000_001_000_000
    assert (dense.neurons, dense.parameters) == (1_000_000, 1_000_001_000_000)
    assert plan.parameter_shapes["dense_1.W"] == (1_000_000, 1_000_000)
    assert plan.parameters == 10 + 1_000_001_000_000 + 10_000_010
    assert plan.parameter_bytes == 8 * plan.parameters
    assert plan.layers[2].parameter_bytes == 8_000_008_000_000
