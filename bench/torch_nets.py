"""Build the PyTorch twin of a tuinn spec (for the benchmark only; torch is no tuinn dependency)."""

from __future__ import annotations

import math

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
#: output activations that PyTorch's losses include, as tuinn's fused losses do
FUSED = {"sigmoid", "softmax"}


def torch_model(spec: dict, input_shape: tuple[int, ...]) -> nn.Sequential:
    """An nn.Sequential with the spec's layers; images are NCHW, the output gives logits."""
    shape = (input_shape[-1], *input_shape[:-1]) if len(input_shape) == 3 else input_shape
    modules: list[nn.Module] = []
    layers = spec["layers"]
    for i, layer in enumerate(layers):
        kind = layer["type"]
        if kind == "dense":
            modules.append(nn.Linear(math.prod(shape), layer["units"]))
            shape = (layer["units"],)
        elif kind == "conv2d":
            k, pad = layer["kernel_size"], layer.get("padding", 0)
            modules.append(nn.Conv2d(shape[0], layer["filters"], k, padding=pad))
            shape = (layer["filters"], shape[1] + 2 * pad - k + 1, shape[2] + 2 * pad - k + 1)
        elif kind == "maxpool2d":
            p = layer["pool_size"]
            modules.append(nn.MaxPool2d(p))
            shape = (shape[0], shape[1] // p, shape[2] // p)
        elif kind == "flatten":
            modules.append(nn.Flatten())
            shape = (math.prod(shape),)
        else:
            raise ValueError(f"layer type {kind!r} has no PyTorch twin here")
        activation = layer.get("activation", "linear")
        last = i == len(layers) - 1
        if activation != "linear" and not (last and activation in FUSED):
            modules.append(ACTIVATIONS[activation]())
    return nn.Sequential(*modules)


def torch_versions() -> dict[str, str | int]:
    """PyTorch's version and its intra-op thread count."""
    return {"torch": torch.__version__, "torch_threads": torch.get_num_threads()}
