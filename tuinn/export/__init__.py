"""Writers that take a trained tuinn network to other engines: ONNX and a PyTorch script.

Each writer imports its heavy dependency (onnx) only when it runs; the PyTorch writer needs
no torch at all. `conv_pads` is the layout fact both share.
"""

from __future__ import annotations

from tuinn.nn.layers import Conv2D


def conv_pads(layer: Conv2D) -> tuple[int, int, int, int]:
    """Zero rows and columns a conv layer adds: (top, bottom, left, right)."""
    h, w, _ = layer.input_shape
    return layer._pads(h, w)
