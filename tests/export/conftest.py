"""Networks to export: every built-in preset, and specs that cover every layer and activation."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset, preset_names
from tuinn.export.service import preset_network
from tuinn.nn import Network
from tuinn.nn.activations import HIDDEN_ACTIVATIONS

#: one spec per layer feature the presets do not all use, on small inputs
EXTRA_SPECS = {
    "every-activation": (
        (5,),
        {
            "loss": "mse",
            "layers": [{"type": "dense", "units": 4, "activation": a} for a in HIDDEN_ACTIVATIONS if a != "step"]
            + [{"type": "dense", "units": 3, "activation": "step"}, {"type": "dense", "units": 2, "use_bias": False}],
        },
    ),
    "maxout-dropout": (
        (6,),
        {
            "loss": "softmax_cross_entropy",
            "layers": [
                {"type": "maxout", "units": 5, "pieces": 3},
                {"type": "dropout", "rate": 0.3},
                {"type": "dense", "units": 3, "activation": "softmax"},
            ],
        },
    ),
    "conv-variety": (
        (9, 7, 2),
        {
            "loss": "binary_cross_entropy",
            "layers": [
                {
                    "type": "conv2d",
                    "filters": 3,
                    "kernel_size": [3, 2],
                    "stride": [2, 1],
                    "padding": "same",
                    "activation": "gelu",
                },
                {"type": "avgpool2d", "pool_size": [2, 3], "stride": 1},
                {"type": "conv2d", "filters": 4, "kernel_size": 2, "padding": 1, "activation": "swish"},
                {"type": "maxpool2d", "pool_size": 3, "stride": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 1, "activation": "sigmoid"},
            ],
        },
    ),
    "conv-output": (
        (6, 6, 1),
        {
            "loss": "mse",
            "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 3, "activation": "elu"}],
        },
    ),
}

#: presets for --summary only, too large to build (export refuses them: tests/cli/test_export_command.py)
TOO_LARGE = {"million-pixels"}
NAMES = sorted(set(preset_names()) - TOO_LARGE) + sorted(EXTRA_SPECS)


def network(name: str) -> Network:
    """The network of a preset or extra spec, its weights and biases jittered off their init."""
    if name in EXTRA_SPECS:
        shape, spec = EXTRA_SPECS[name]
        net = Network.from_spec(spec, shape, seed=3)
    else:
        net = preset_network(load_preset(name))
    rng = np.random.default_rng(7)
    net.flat_params += rng.normal(0.0, 0.2, net.flat_params.shape).astype(net.dtype)
    return net


def batch(net: Network, n: int = 16) -> np.ndarray:
    """A random float32 batch in the network's input layout."""
    rng = np.random.default_rng(11)
    return rng.normal(0.0, 1.0, (n, *net.input_shape)).astype(np.float32)


@pytest.fixture(params=NAMES)
def named_network(request) -> tuple[str, Network]:
    return request.param, network(request.param)
