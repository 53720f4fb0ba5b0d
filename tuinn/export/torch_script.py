"""PyTorch export: a readable `torch.nn.Module` script and its weights (.npz), written without torch.

The module is PyTorch-native: it takes NCHW images (``x.permute(0, 3, 1, 2)`` of tuinn's
NHWC), its weights are in PyTorch's layouts (Linear ``(out, in)``, Conv2d ``(F, C, kh, kw)``),
and the rows of the first dense weight after a Flatten are reordered at export time from
tuinn's (H, W, C) order to PyTorch's (C, H, W), so no transpose is left for run time.
"""

from __future__ import annotations

import keyword
import math
import os
from pathlib import Path
from typing import IO, Any

import numpy as np

from tuinn.export import conv_pads
from tuinn.nn import Network
from tuinn.nn.activations import ELU_ALPHA, LEAKY_SLOPE
from tuinn.nn.atomic import write_atomically
from tuinn.nn.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, Maxout, MaxPool2D

ACTIVATIONS = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE})",
    "elu": f"nn.ELU({ELU_ALPHA})",
    "gelu": "nn.GELU(approximate='tanh')",
    "softplus": "nn.Softplus()",
    "swish": "nn.SiLU()",
    "softmax": "nn.Softmax(dim=1)",
    "step": "Step()",
}

HELPERS = {
    "Step": '''
class Step(nn.Module):
    """Heaviside step: 1 where x >= 0, else 0 (tuinn's perceptron output)."""

    def forward(self, x):
        return (x >= 0).to(x.dtype)
''',
    "Maxout": '''
class Maxout(nn.Module):
    """Maxout (Goodfellow et al., 2013): each unit is the largest of `pieces` linear pieces."""

    def __init__(self, in_features, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x):
        return self.linear(x).view(-1, self.units, self.pieces).amax(dim=2)
''',
}

TEMPLATE = '''"""{title}, exported from tuinn as a PyTorch module.

    model = load()          # the weights from {weights} beside this file
    y = model(x)            # x: (N, {input_doc}) float32{nchw_note}

Move it with PyTorch's own tools: model.to("cuda"), torch.nn.DataParallel(model), ...
"""

from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn

WEIGHTS = Path(__file__).with_name({weights!r})
{helpers}

class Net(nn.Module):
    """{summary}"""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(OrderedDict([
{modules}
        ]))

    def forward(self, x):
        return self.layers(x)


def load(path=WEIGHTS):
    """A Net with the exported weights (read with allow_pickle=False), in eval mode."""
    model = Net()
    with np.load(path, allow_pickle=False) as arrays:
        model.load_state_dict({{k: torch.from_numpy(arrays[k]) for k in arrays.files}})
    return model.eval()
'''


def _module_name(name: str) -> str:
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return f"{safe}_" if keyword.iskeyword(safe) or not safe.isidentifier() else safe


class _Script:
    """Modules (as code) and the state dict, built layer by layer."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.state: dict[str, np.ndarray] = {}
        self.helpers: set[str] = set()
        self.chw: tuple[int, int, int] | None = None  # the (C, H, W) a Flatten saw, for the next dense

    def add(self, name: str, code: str, **params: np.ndarray) -> None:
        key = _module_name(name)
        self.lines.append(f"            ({key!r}, {code}),")
        for k, v in params.items():
            self.state[f"layers.{key}.{k}"] = np.ascontiguousarray(v, dtype=np.float32)

    def activation(self, layer: Layer) -> None:
        act = layer.activation
        if act not in (None, "linear"):
            if act == "step":
                self.helpers.add("Step")
            self.add(f"{layer.name}_{act}", ACTIVATIONS[act])

    def dense_weight(self, w: np.ndarray) -> np.ndarray:
        """(in, out) -> (out, in), with rows reordered from (H, W, C) to (C, H, W) after a Flatten."""
        if self.chw is not None:
            c, h, wd = self.chw
            w = w.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(c * h * wd, -1)
            self.chw = None
        return w.T


def _layer(s: _Script, layer: Layer) -> None:
    p = layer.parameters
    if isinstance(layer, Conv2D):
        top, bottom, left, right = conv_pads(layer)
        c, f = layer.input_shape[2], layer.filters
        if top == bottom and left == right:
            padding = f"padding={(top, left)}"
        else:
            s.add(f"{layer.name}_pad", f"nn.ZeroPad2d({(left, right, top, bottom)})")
            padding = "padding=0"
        s.add(
            layer.name,
            f"nn.Conv2d({c}, {f}, kernel_size={layer.kernel_size}, stride={layer.stride}, {padding})",
            weight=p["W"].transpose(3, 2, 0, 1),
            bias=p["b"],
        )
        s.activation(layer)
    elif isinstance(layer, (MaxPool2D, AvgPool2D)):
        kind = "MaxPool2d" if isinstance(layer, MaxPool2D) else "AvgPool2d"
        s.add(layer.name, f"nn.{kind}(kernel_size={layer.pool_size}, stride={layer.stride})")
    elif isinstance(layer, Flatten):
        if len(layer.input_shape) == 3:
            h, w, c = layer.input_shape
            s.chw = (c, h, w)
        s.add(layer.name, "nn.Flatten()")
    elif isinstance(layer, Dense):
        n_in = math.prod(layer.input_shape)
        params = {"weight": s.dense_weight(p["W"])}
        if layer.use_bias:
            params["bias"] = p["b"]
        s.add(layer.name, f"nn.Linear({n_in}, {layer.units}, bias={layer.use_bias})", **params)
        s.activation(layer)
    elif isinstance(layer, Maxout):
        n_in, units, pieces = p["W"].shape
        weight = s.dense_weight(p["W"].reshape(n_in, units * pieces))
        s.helpers.add("Maxout")
        maxout_params: dict[str, np.ndarray] = {"linear.weight": weight, "linear.bias": p["b"].reshape(-1)}
        s.add(layer.name, f"Maxout({n_in}, {units}, {pieces})", **maxout_params)
    elif isinstance(layer, Dropout):
        s.add(layer.name, f"nn.Dropout({layer.rate})")
    else:
        raise ValueError(f"layer {layer.name} ({layer.kind}) has no PyTorch mapping")


def torch_script(net: Network, weights_name: str, title: str = "tuinn network") -> tuple[str, dict[str, np.ndarray]]:
    """The module's source and its state dict (float32 arrays by parameter name)."""
    s = _Script()
    for layer in net.layers:
        _layer(s, layer)
    image = len(net.input_shape) == 3
    if image:
        h, w, c = net.input_shape
        input_doc = f"{c}, {h}, {w}"
        nchw_note = "\n                            # (NCHW: tuinn's NHWC images go in as x.permute(0, 3, 1, 2))"
    else:
        input_doc, nchw_note = ", ".join(map(str, net.input_shape)), ""
    summary = " -> ".join(row.type for row in net.summary_rows())
    source = TEMPLATE.format(
        title=title,
        weights=weights_name,
        input_doc=input_doc,
        nchw_note=nchw_note,
        summary=summary,
        helpers="".join(HELPERS[h] for h in sorted(s.helpers)),
        modules="\n".join(s.lines),
    )
    return source, s.state


def weights_path(script: Path) -> Path:
    """Where the weights of a script go: `net.py` -> `net.weights.npz`."""
    return script.with_name(f"{script.stem}.weights.npz")


def write_torch(net: Network, path: str | os.PathLike[str], title: str = "tuinn network") -> tuple[Path, Path]:
    """Write the script (`path`, a .py) and its weights beside it; returns both paths."""
    script = Path(path)
    weights = weights_path(script)
    source, state = torch_script(net, weights.name, title)

    def write_weights(f: IO[Any]) -> None:
        np.savez(f, **state)  # type: ignore[arg-type]  # (numpy's stub types **kwds as its allow_pickle)

    def write_script(f: IO[Any]) -> None:
        f.write(source)

    write_atomically(weights, write_weights)
    write_atomically(script, write_script, mode="w")
    return script, weights
