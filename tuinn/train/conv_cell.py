"""How one output cell of a conv or pooling layer is computed: the probe behind the conv-cell view.

The numbers come from the network's own arrays in its dtype: the window of the layer's input
(the previous layer's output for the sample, from the probe's one forward pass), the kernel,
their products, sum and bias, and the layer's output at the cell.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from tuinn.nn import Network
from tuinn.nn.layers import AvgPool2D, Conv2D, MaxPool2D
from tuinn.train.commands import MoveConvCell, SelectConvCell
from tuinn.train.snapshot import ConvCell

CellLayer = Conv2D | MaxPool2D | AvgPool2D


def cell_layers(net: Network) -> list[CellLayer]:
    """The layers whose cells the view can show: conv and pooling layers, input to output."""
    return [l for l in net.layers if isinstance(l, (Conv2D, MaxPool2D, AvgPool2D))]


def resolve(
    net: Network, current: SelectConvCell | None, request: SelectConvCell | MoveConvCell
) -> SelectConvCell | None:
    """The cell `request` asks for, on this network: an unknown layer is the first; channels wrap; rows and
    columns stop at the edges. A move starts from `current` (the first layer's first cell without one)."""
    layers = cell_layers(net)
    if not layers or (isinstance(request, SelectConvCell) and request.layer is None):
        return None
    names = [l.name for l in layers]
    if isinstance(request, SelectConvCell):
        index = names.index(request.layer) if request.layer in names else 0
        channel, row, col = request.channel, request.row, request.col
    else:
        start = current if current is not None and current.layer in names else SelectConvCell(names[0])
        index = (names.index(cast(str, start.layer)) + request.layers) % len(names)
        channel, row, col = start.channel + request.channels, start.row + request.rows, start.col + request.cols
    ho, wo, channels = layers[index].output_shape
    return SelectConvCell(names[index], channel % channels, min(max(row, 0), ho - 1), min(max(col, 0), wo - 1))


def conv_cell(
    layer: CellLayer, names: tuple[str, ...], source: str, x: np.ndarray, y: np.ndarray, at: SelectConvCell
) -> ConvCell:
    """Cell `at` of `layer`'s output `y` (H, W, C) from its input `x` (H, W, C_in), for one sample."""
    c, r, q = at.channel, at.row, at.col
    if isinstance(layer, Conv2D):
        assert layer.im2col is not None, "a built layer has its kernel"
        (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
        top, _, left, _ = layer.im2col.geom.pads
        patch, padded = window(x, r * sh - top, q * sw - left, kh, kw)
        weights = np.array(layer.parameters["W"][:, :, :, c])
        terms = patch * weights
        kernel, products, winner = weights, terms, None
        total, bias = terms.sum(dtype=terms.dtype), layer.parameters["b"][c]
    else:
        (kh, kw), (sh, sw), top, left = layer.pool_size, layer.stride, 0, 0
        patch, padded = window(x[:, :, c : c + 1], r * sh, q * sw, kh, kw)
        plane, kernel, products, bias = patch[:, :, 0], None, None, np.zeros((), dtype=patch.dtype)
        if isinstance(layer, MaxPool2D):
            total, winner = plane.max(), divmod(int(np.argmax(plane)), kw)  # the first max, as the layer's rule
        else:
            total, winner = plane.mean(dtype=plane.dtype), None
    return ConvCell(
        layer=layer.name,
        kind=layer.kind,
        layers=names,
        source=source,
        in_shape=image_shape(layer.input_shape),
        out_shape=image_shape(layer.output_shape),
        channel=c,
        row=r,
        col=q,
        origin=(r * sh - top, q * sw - left),
        patch=patch,
        padded=padded,
        kernel=kernel,
        products=products,
        total=float(total),
        bias=float(bias),
        preactivation=float(total + bias),
        activation=layer.activation or "linear",
        value=float(y[r, q, c]),
        winner=winner,
    )


def image_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """An (H, W, C) layer shape as a typed triple."""
    h, w, c = shape
    return h, w, c


def window(x: np.ndarray, r0: int, c0: int, kh: int, kw: int) -> tuple[np.ndarray, np.ndarray]:
    """The kh × kw window of `x` (H, W, C) at (r0, c0), zeros outside it, and the mask of the cells outside."""
    h, w, channels = x.shape
    patch = np.zeros((kh, kw, channels), dtype=x.dtype)
    rows, cols = np.arange(r0, r0 + kh), np.arange(c0, c0 + kw)
    inside_r, inside_c = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    patch[np.ix_(inside_r, inside_c)] = x[np.ix_(rows[inside_r], cols[inside_c])]
    return patch, ~(inside_r[:, None] & inside_c[None, :])
