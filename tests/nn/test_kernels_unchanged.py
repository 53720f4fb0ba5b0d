"""The max-pool and im2col kernels give the same bits as the implementations they replaced.

The reference classes below are the kernels as they were before the buffers and views were
reused across steps (copied unchanged but for their names): every output and gradient of the
current ones must equal theirs exactly, signed zeros included, over several steps in a row (so
that a stale reused buffer shows), for float32 and float64, on random inputs and on inputs full
of ties (max-pooling's gradient goes to the first maximum in row-major order).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuinn.nn import Network, im2col
from tuinn.nn.activations import get_activation
from tuinn.nn.im2col import ConvGeometry, Im2Col, matmul_long
from tuinn.nn.layers import pooling
from tuinn.nn.layers.base import Shape
from tuinn.nn.layers.pooling import MaxPool2D, _Pool2D

DTYPES = [np.float32, np.float64]


# --- the references: today's kernels before the change -------------------------------------------------
class ReferenceMaxPool2D(_Pool2D):
    """MaxPool2D as it was: fresh arrays every step, the tie rule computed on every step."""

    kind = "maxpool2d"

    def configure(self, input_shape: Shape) -> Shape:
        shape = super().configure(input_shape)
        self._pairwise = self.pool_size == (2, 2) and min(self.stride) >= 2
        self._grads: dict[int, np.ndarray] = {}
        return shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        if self._pairwise:
            return self._forward_pairs(x, training)
        planes = self._planes(x)
        y = planes[0].copy()
        if training:
            self._winner = np.zeros(y.shape, dtype=np.uint8)
        for k, plane in enumerate(planes[1:], start=1):
            if training:
                np.copyto(self._winner, k, where=plane > y)
            np.maximum(y, plane, out=y)
        return y

    def _forward_pairs(self, x: np.ndarray, training: bool) -> np.ndarray:
        top, bottom = self._pair(x, 1)
        rows = np.maximum(top, bottom)
        left, right = self._pair(rows, 2)
        y = np.maximum(left, right)
        if training:
            self._rows, self._y = rows, y
            self._top_wins = top >= bottom
            top_left, top_right = self._pair(self._top_wins, 2)
            self._left_wins = (left >= right) & ~((left == right) & top_right & ~top_left)
        return y

    def _pair(self, a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
        (sh, sw), (ho, wo) = self.stride, self.output_shape[:2]
        step, count = (sh, ho) if axis == 1 else (sw, wo)
        first = [slice(None)] * 4
        second = [slice(None)] * 4
        first[axis] = slice(0, step * (count - 1) + 1, step)
        second[axis] = slice(1, step * (count - 1) + 2, step)
        return a[tuple(first)], a[tuple(second)]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if not self._pairwise:
            dx = np.zeros_like(self._x)
            for k, plane in enumerate(self._planes(dx)):
                plane += dy * (self._winner == k)
            return dx
        if dy.strides != self._y.strides:
            dy = copy_like(dy, self._y)
        drows = self._zeros_unless(self._rows, axis=2)
        left, right = self._pair(drows, 2)
        np.multiply(dy, self._left_wins, out=left)
        np.subtract(dy, left, out=right)
        dx = self._zeros_unless(self._x, axis=1)
        top, bottom = self._pair(dx, 1)
        np.multiply(drows, self._top_wins, out=top)
        np.subtract(drows, top, out=bottom)
        return dx

    def _zeros_unless(self, like: np.ndarray, axis: int) -> np.ndarray:
        buf = self._grads.get(axis)
        if buf is None or buf.shape != like.shape or buf.strides != like.strides or buf.dtype != like.dtype:
            buf = self._grads[axis] = np.empty_like(like)
        size, stride, count = like.shape[axis], self.stride[axis - 1], self.output_shape[axis - 1]
        if not (stride == 2 and size == 2 * count):
            buf.fill(0)
        return buf


class _ReferenceBuffers:
    def __init__(self, geom: ConvGeometry, n: int, dtype: np.dtype) -> None:
        self.batch = n
        self.xpad = np.zeros((geom.channels, *geom.padded, n), dtype=dtype)
        self.cols = np.empty((geom.rows + 1, math.prod(geom.output) * n), dtype=dtype)
        self.cols[-1] = 1.0
        self.z: np.ndarray | None = None
        self.dx: np.ndarray | None = None

    def output(self, filters: int) -> np.ndarray:
        if self.z is None or self.z.shape[1] != filters:
            self.z = np.empty((self.cols.shape[1], filters), dtype=self.cols.dtype)
        return self.z

    def gradients(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dx is None:
            self.dx = np.empty_like(self.xpad)
        self.dx.fill(0.0)
        return self.cols[:-1], self.dx


class ReferenceIm2Col:
    """Im2Col as it was: the column and window views rebuilt on every call."""

    def __init__(self, geom: ConvGeometry, dtype: np.dtype) -> None:
        self.geom = geom
        self.dtype = np.dtype(dtype)
        kh, kw = geom.kernel
        self.offsets = [(i, j) for i in range(kh) for j in range(kw)]
        self._sets: dict[int, _ReferenceBuffers] = {}
        self._kept: _ReferenceBuffers | None = None

    def forward(self, x: np.ndarray, w: np.ndarray, keep: bool = True) -> np.ndarray:
        if keep:
            self._kept = self._buffers(x.shape[0])
            return self._forward(x, w, self._kept, self._kept.output(w.shape[1]))
        self._kept = None
        per_sample = (self.geom.rows + 1) * math.prod(self.geom.output) * self.dtype.itemsize
        chunk = max(1, im2col.INFERENCE_COLUMN_BYTES // per_sample)
        if x.shape[0] <= chunk:
            return self._forward(x, w, self._buffers(x.shape[0]))
        z = np.empty((*self.geom.output, x.shape[0], w.shape[1]), dtype=self.dtype).transpose(2, 0, 1, 3)
        for start in range(0, x.shape[0], chunk):
            part = x[start : start + chunk]
            z[start : start + len(part)] = self._forward(part, w, self._buffers(len(part)))
        return z

    def backward(self, dz: np.ndarray, w: np.ndarray, dw: np.ndarray, need_dx: bool) -> np.ndarray | None:
        assert self._kept is not None
        buf = self._kept
        dout = dz.transpose(1, 2, 0, 3).reshape(-1, dz.shape[3])
        matmul_long(buf.cols, dout, dw)
        if not need_dx:
            return None
        self._kept = None
        dcols, dx = buf.gradients()
        np.matmul(w[:-1], dout.T, out=dcols)
        for block, window in self._blocks(dcols, dx):
            window += block
        return self._interior(dx)

    def _forward(
        self, x: np.ndarray, w: np.ndarray, buf: _ReferenceBuffers, out: np.ndarray | None = None
    ) -> np.ndarray:
        self._interior(buf.xpad)[...] = x
        for block, window in self._blocks(buf.cols, buf.xpad):
            block[...] = window
        z = np.matmul(buf.cols.T, w, out=out)
        return z.reshape(*self.geom.output, len(x), -1).transpose(2, 0, 1, 3)

    def _buffers(self, n: int) -> _ReferenceBuffers:
        buf = self._sets.pop(n, None) or _ReferenceBuffers(self.geom, n, self.dtype)
        self._sets[n] = buf
        if len(self._sets) > im2col.BUFFER_SETS:
            del self._sets[next(iter(self._sets))]
        return buf

    def _interior(self, xpad: np.ndarray) -> np.ndarray:
        top, _, left, _ = self.geom.pads
        h, w = self.geom.height, self.geom.width
        return xpad[:, top : top + h, left : left + w, :].transpose(3, 1, 2, 0)

    def _blocks(self, cols: np.ndarray, xpad: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        c, (ho, wo), (sh, sw) = self.geom.channels, self.geom.output, self.geom.stride
        n = xpad.shape[3]
        return [
            (
                cols[b * c : (b + 1) * c].reshape(c, ho, wo, n),
                xpad[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw, :],
            )
            for b, (i, j) in enumerate(self.offsets)
        ]


def copy_like(a: np.ndarray, template: np.ndarray) -> np.ndarray:
    """A copy of `a` in the memory layout of `template` (same shape), as max-pooling's backward made it."""
    out = np.empty_like(template)
    out[...] = a
    return out


# --- helpers --------------------------------------------------------------------------------------------
def assert_same_bits(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal values, dtypes and shapes, and the same sign on every zero."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


def images(rng: np.random.Generator, shape: tuple[int, ...], dtype: type, kind: str, layout: str) -> np.ndarray:
    """A batch (N, H, W, C): normal values or few distinct ones (ties everywhere, zeros of both signs),
    in NHWC memory or in the (H, W, N, C) memory a convolution's output has."""
    n, h, w, c = shape
    if kind == "ties":
        values = rng.integers(-2, 3, (h, w, n, c)).astype(dtype) * dtype(0.5)
        values[rng.random(values.shape) < 0.1] = -0.0
    else:
        values = rng.standard_normal((h, w, n, c)).astype(dtype)
    return values.transpose(2, 0, 1, 3) if layout == "conv" else np.ascontiguousarray(values.transpose(2, 0, 1, 3))


# --- max pooling ------------------------------------------------------------------------------------------
#: (input H×W×C, pool_size, stride): the 2×2 fast path (even and odd sizes, stride 2 and 3), overlapping,
#: larger and oblong windows on the general path
POOLS = [
    ((8, 8, 3), 2, None),
    ((7, 9, 2), 2, None),
    ((8, 8, 2), 2, 3),
    ((6, 6, 2), 2, 1),
    ((7, 7, 3), 3, 2),
    ((6, 6, 2), 3, None),
    ((5, 6, 2), [2, 3], [1, 2]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["random", "ties"])
@pytest.mark.parametrize("layout", ["nhwc", "conv"])
@pytest.mark.parametrize("case", POOLS)
def test_max_pooling_gives_the_same_bits_as_before(case, layout: str, kind: str, dtype: type) -> None:
    compare_max_pooling(case, layout, kind, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["random", "ties"])
@pytest.mark.parametrize("layout", ["nhwc", "conv"])
@pytest.mark.parametrize("case", POOLS[:3])
def test_max_pooling_in_blocks_of_rows_gives_the_same_bits(
    monkeypatch, case, layout: str, kind: str, dtype: type
) -> None:
    """A training pass over an input larger than the cache works through it a few output rows at a time."""
    monkeypatch.setattr(pooling, "BLOCK_BYTES", 1)  # every input is "large": blocks of one output row
    layer = MaxPool2D(case[1], case[2])
    layer.configure(case[0])
    x = images(np.random.default_rng(0), (5, *case[0]), dtype, kind, layout)
    assert len(layer._row_blocks(x)) == layer.output_shape[0] > 1
    compare_max_pooling(case, layout, kind, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["random", "ties"])
def test_max_pooling_in_blocks_with_a_shorter_last_one_gives_the_same_bits(monkeypatch, kind: str, dtype: type) -> None:
    """Blocks of two output rows over five: the last block uses part of the scratch arrays sized for one block."""
    case = ((10, 6, 2), 2, None)
    layer = MaxPool2D(case[1], case[2])
    layer.configure(case[0])
    x = images(np.random.default_rng(0), (5, *case[0]), dtype, kind, "conv")
    monkeypatch.setattr(pooling, "BLOCK_BYTES", 2 * (x.nbytes * 2 // 10))  # two output rows' input a block
    blocks = layer._row_blocks(x)
    assert blocks is not None and [len(range(5)[rows]) for _, rows in blocks] == [2, 2, 1]
    compare_max_pooling(case, "conv", kind, dtype)


def compare_max_pooling(case, layout: str, kind: str, dtype: type) -> None:
    """MaxPool2D against the reference: inference and training forwards and backwards, several steps."""
    shape, pool, stride = case
    new, old = MaxPool2D(pool, stride), ReferenceMaxPool2D(pool, stride)
    for layer in (new, old):
        layer.configure(shape)
    rng = np.random.default_rng(sum(map(ord, f"{case}{layout}{kind}")))
    for batch in (5, 5, 3, 5):  # steps in a row, and a batch size that comes back
        x = images(rng, (batch, *shape), dtype, kind, layout)
        assert_same_bits(new.forward(x, training=False), old.forward(x, training=False))
        y_new, y_old = new.forward(x, training=True), old.forward(x, training=True)
        assert_same_bits(y_new, y_old)
        for dy_layout in ("nhwc", "conv"):  # the gradient in the output's layout or another one
            dy = images(rng, (batch, *new.output_shape), dtype, kind, dy_layout)
            assert_same_bits(new.backward(dy), old.backward(dy))


def test_the_tie_rule_is_exercised() -> None:
    """The "ties" inputs hold windows whose maximum is shared, so the rule above is under test."""
    x = images(np.random.default_rng(0), (5, 8, 8, 3), np.float32, "ties", "conv")
    windows = x.reshape(5, 4, 2, 4, 2, 3)
    maxima = windows.max(axis=(2, 4), keepdims=True)
    assert ((windows == maxima).sum(axis=(2, 4)) > 1).mean() > 0.2


# --- im2col and col2im --------------------------------------------------------------------------------
#: (H, W, C, kernel, stride, pads top/bottom/left/right)
GEOMETRIES = [
    (8, 8, 1, (3, 3), (1, 1), (1, 1, 1, 1)),
    (9, 7, 3, (3, 3), (2, 2), (1, 1, 1, 1)),
    (6, 6, 2, (2, 2), (1, 1), (0, 0, 0, 0)),
    (10, 8, 2, (5, 3), (2, 1), (2, 2, 1, 1)),
    (7, 7, 4, (3, 3), (3, 2), (0, 1, 0, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2col_and_col2im_give_the_same_bits_as_before(geometry, dtype: type) -> None:
    compare_im2col(geometry, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", [g for g in GEOMETRIES if g[2] > 1])
def test_im2col_and_col2im_in_groups_of_channels_give_the_same_bits(monkeypatch, geometry, dtype: type) -> None:
    """A large padded input is copied, and its gradient zeroed and summed, a few channels at a time (and the
    input copied into it a few rows at a time)."""
    monkeypatch.setattr(im2col, "GROUP_BYTES", 1)  # every buffer is "large": one channel a group
    geom = ConvGeometry(*geometry)
    cols, dx = np.empty((geom.rows + 1, math.prod(geom.output))), np.empty((geom.channels, *geom.padded, 1))
    assert len(im2col.channel_groups(geom, cols, dx)) == geom.channels > 1
    buffers = Im2Col(geom, np.dtype(dtype))._buffers(2)
    assert len(buffers.column_groups) == geom.channels
    assert buffers.input_rows == [slice(row, row + 1) for row in range(geom.height)]  # the padding copy row by row
    compare_im2col(geometry, dtype)


def compare_im2col(geometry, dtype: type) -> None:
    """Im2Col against the reference: forwards with and without keeping the columns, backwards, batch sizes coming back."""
    geom = ConvGeometry(*geometry)
    filters = 5
    new, old = Im2Col(geom, np.dtype(dtype)), ReferenceIm2Col(geom, np.dtype(dtype))
    rng = np.random.default_rng(sum(geometry[:3]))
    for batch in (4, 4, 7, 3, 4, 9):  # more sizes than buffer sets kept, and sizes that come back
        x = images(rng, (batch, geom.height, geom.width, geom.channels), dtype, "random", "conv")
        w = rng.standard_normal((geom.rows + 1, filters)).astype(dtype)
        assert_same_bits(new.forward(x, w, keep=False), old.forward(x, w, keep=False))
        z_new, z_old = new.forward(x, w), old.forward(x, w)
        assert_same_bits(z_new, z_old)
        dz = images(rng, (batch, *geom.output, filters), dtype, "random", "conv")
        need_dx = batch != 7
        dw_new, dw_old = np.empty_like(w), np.empty_like(w)
        dx_new, dx_old = new.backward(dz, w, dw_new, need_dx), old.backward(dz, w, dw_old, need_dx)
        assert_same_bits(dw_new, dw_old)
        if need_dx:
            assert dx_new is not None and dx_old is not None
            assert_same_bits(dx_new, dx_old)
        else:
            assert dx_new is None and dx_old is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_inference_forward_in_chunks_gives_the_same_bits_as_before(monkeypatch, dtype: type) -> None:
    geom = ConvGeometry(9, 9, 2, (3, 3), (1, 1), (1, 1, 1, 1))
    per_sample = (geom.rows + 1) * math.prod(geom.output) * np.dtype(dtype).itemsize
    monkeypatch.setattr(im2col, "INFERENCE_COLUMN_BYTES", 3 * per_sample)  # chunks of 3 samples
    new, old = Im2Col(geom, np.dtype(dtype)), ReferenceIm2Col(geom, np.dtype(dtype))
    rng = np.random.default_rng(1)
    w = rng.standard_normal((geom.rows + 1, 4)).astype(dtype)
    for batch in (10, 7, 10):
        x = images(rng, (batch, 9, 9, 2), dtype, "random", "nhwc")
        assert_same_bits(new.forward(x, w, keep=False), old.forward(x, w, keep=False))


# --- a whole network ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_network_step_in_blocks_and_groups_gives_the_same_bits(monkeypatch, dtype: type) -> None:
    """A CNN's loss and gradients, step after step, are the same whether its pools work in blocks of rows and
    its convolutions in groups of channels or each in one piece."""
    spec = {
        "layers": [
            {"type": "conv2d", "filters": 6, "kernel_size": 3, "padding": 1, "activation": "relu"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "conv2d", "filters": 5, "kernel_size": 3, "padding": 1, "activation": "relu"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
        "loss": "softmax_cross_entropy",
    }
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 12, 12, 2)).astype(dtype)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 6)]

    def steps(piece_bytes: int) -> list[tuple[float, bytes]]:
        monkeypatch.setattr(pooling, "BLOCK_BYTES", piece_bytes)
        monkeypatch.setattr(im2col, "GROUP_BYTES", piece_bytes)
        net = Network.from_spec(spec, (12, 12, 2), seed=0, dtype=dtype)
        out = []
        for _ in range(3):
            loss, _ = net.loss_and_grads(x, y)
            out.append((loss, net.flat_grads.tobytes()))
            net.flat_params -= 0.1 * net.flat_grads
        return out

    assert steps(1) == steps(1 << 30)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relus_derivative_gives_the_same_bits_as_before(dtype: type) -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 33)).astype(dtype)
    x[0, :6] = [0.0, -0.0, np.inf, -np.inf, np.nan, np.finfo(dtype).tiny]
    got = get_activation("relu").grad(x, np.maximum(x, 0))
    before = (x > 0).astype(x.dtype)  # the derivative as it was computed
    assert got.dtype == x.dtype and got.tobytes() == before.tobytes()
