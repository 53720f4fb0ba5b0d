"""The architecture table of a PyTorch model: one row per leaf module, shapes found by forward hooks on a sample."""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from tuinn.nn import SummaryRow

ACTIVATIONS: dict[type[nn.Module], str] = {
    nn.ReLU: "relu",
    nn.LeakyReLU: "leaky_relu",
    nn.ELU: "elu",
    nn.GELU: "gelu",
    nn.SiLU: "swish",
    nn.Tanh: "tanh",
    nn.Sigmoid: "sigmoid",
    nn.Softmax: "softmax",
    nn.LogSoftmax: "log_softmax",
    nn.Softplus: "softplus",
}
POOLS: dict[type[nn.Module], str] = {
    nn.MaxPool2d: "MaxPool2D",
    nn.AvgPool2d: "AvgPool2D",
    nn.AdaptiveAvgPool2d: "AdaptiveAvgPool2D",
    nn.AdaptiveMaxPool2d: "AdaptiveMaxPool2D",
}


@dataclass(frozen=True)
class Leaf:
    """A leaf module of the model with its qualified name."""

    name: str
    module: nn.Module

    @property
    def weight(self) -> torch.Tensor | None:
        """The module's own weight parameter, when it has one that trains."""
        w = getattr(self.module, "weight", None)
        return w if isinstance(w, nn.Parameter) and w.requires_grad else None


def leaves(model: nn.Module, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[Leaf]:
    """The model's leaf modules in definition order, kept by `include` and dropped by `exclude` (fnmatch patterns)."""
    found = []
    for name, module in model.named_modules():
        if not name or any(True for _ in module.children()):
            continue
        if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in exclude):
            continue
        found.append(Leaf(name, module))
    return found


def image_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A per-sample shape as tuinn writes it: (C, H, W) becomes H×W×C, anything else is kept."""
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def describe(module: nn.Module) -> str:
    """The row's type in tuinn's words: Dense(10), Conv2D(8, 3×3), MaxPool2D(2×2), ..., or the class name."""
    if isinstance(module, nn.Linear):
        return f"Dense({module.out_features})"
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        stride = "" if module.stride == (1, 1) else f", s{module.stride[0]}×{module.stride[1]}"
        return f"Conv2D({module.out_channels}, {kh}×{kw}{stride})"
    for kind, label in POOLS.items():
        if isinstance(module, kind):
            size = getattr(module, "kernel_size", getattr(module, "output_size", ""))
            side = size if isinstance(size, int) else "×".join(str(s) for s in size)
            return f"{label}({side}×{side})" if isinstance(size, int) else f"{label}({side})"
    if isinstance(module, nn.Flatten):
        return "Flatten"
    if isinstance(module, nn.Dropout):
        return f"Dropout({module.p:g})"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return "BatchNorm"
    if type(module) in ACTIVATIONS:
        return f"Activation({ACTIVATIONS[type(module)]})"
    return f"other: {type(module).__name__}"


def mult_adds(module: nn.Module, output_shape: tuple[int, ...]) -> int:
    """Multiply-adds of one sample through a Linear or Conv2d (0 for the rest)."""
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return math.prod(output_shape) * kh * kw * module.in_channels // module.groups
    return 0


Shapes = dict[str, tuple[tuple[int, ...], tuple[int, ...]]]


def shapes_of(model: nn.Module, found: list[Leaf], sample: torch.Tensor) -> Shapes:
    """Each leaf's per-sample input and output shapes (as PyTorch orders them) from one forward pass of `sample`."""
    shapes: Shapes = {}

    def keep(name: str) -> Any:
        def hook(_module: nn.Module, inputs: Any, output: Any) -> None:
            first = inputs[0] if isinstance(inputs, tuple) and inputs else None
            if isinstance(output, torch.Tensor) and isinstance(first, torch.Tensor):
                shapes[name] = (tuple(first.shape[1:]), tuple(output.shape[1:]))

        return hook

    handles = [leaf.module.register_forward_hook(keep(leaf.name)) for leaf in found]
    try:
        with torch.no_grad():
            model(sample)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def following_activations(found: list[Leaf]) -> dict[str, str]:
    """For each weighted leaf directly followed by an activation module, that activation's name."""
    named = {}
    for leaf, after in zip(found, found[1:]):
        if leaf.weight is not None and type(after.module) in ACTIVATIONS:
            named[leaf.name] = ACTIVATIONS[type(after.module)]
    return named


def summary_rows(found: list[Leaf], shapes: Shapes) -> tuple[SummaryRow, ...]:
    """One architecture row per leaf: type, output shape (H×W×C for images), neurons, parameters, activation."""
    activations = following_activations(found)
    rows = []
    for leaf in found:
        torch_in, torch_shape = shapes.get(leaf.name, ((), ()))
        shape = image_shape(torch_shape)
        activation = ACTIVATIONS.get(type(leaf.module)) or activations.get(leaf.name)
        dense = None
        if isinstance(leaf.module, nn.Conv2d) and torch_shape:
            dense = math.prod(torch_in) * math.prod(torch_shape) + math.prod(torch_shape)
        rows.append(
            SummaryRow(
                name=leaf.name,
                type=describe(leaf.module),
                output_shape=shape,
                neurons=math.prod(shape) if shape else 0,
                parameters=sum(p.numel() for p in leaf.module.parameters(recurse=False)),
                activation=activation,
                mult_adds=mult_adds(leaf.module, torch_shape),
                dense_equivalent=dense,
            )
        )
    return tuple(rows)
