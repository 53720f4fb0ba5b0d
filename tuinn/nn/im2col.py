"""im2col / col2im for Conv2D: the hot path of CNNs.

`Im2Col` turns a batch of NHWC images into a column matrix, multiplies it by
the weights in one GEMM and, backwards, turns the output gradient into the weight
gradient (one GEMM) and the input gradient (one GEMM and a col2im). Weights come
in as one matrix ``w`` of shape (K + 1, F): the rows of ``W.reshape(K, F)``
(K = kh·kw·C, ordered kernel row, kernel column, channel) and the bias as the
last row. The column matrix carries a matching row of ones, so the bias rides in
the forward GEMM and its gradient comes out of the dW GEMM.

Layout. NumPy is fast on long contiguous runs and slow on many short ones, so the
batch is the *innermost* axis: the zero-padded input is a (C, Hp, Wp, N) buffer
and the column matrix is (K + 1, Ho·Wo·N). Kernel offset (i, j) fills C rows of
the column matrix from the strided window ``xpad[:, i::sh, j::sw, :]``, runs of
Wo·N values at stride 1, every offset in one copy (a 6-axis view of xpad); col2im
is k·k adds of those blocks back into the windows (which overlap: one add each).
Outputs come out of the GEMM as (Ho·Wo·N, F), i.e. an NHWC view of (Ho, Wo, N, F)
memory, so activations and pooling after the layer also work on long runs.

Measured on the 2-core benchmark machine (training steps per CPU-second, 28×28
and 8×8 nets of the benchmark), this one layout beat both layouts of the earlier
prototype at every size tried (8 to 64 pixels, batch 1 to 64): ~1.45× the
channel-major "flat-shift" im2col at 28×28 and ~1.5× the NHWC im2col at 8×8,
and ≥ 1.0× a batch-minor flat-shift (which also pays for a gutter of padded
columns), so there is one path and no size rule.

Memory. A training forward keeps its column matrix for the backward; buffers are
kept per batch size (a few sizes at most) and reused, the output of training
forwards and the gradients of backwards too (valid until the next call): a step
allocates no large arrays, which here cost more in page faults than in copying. For the 28×28×1 benchmark
net (batch 64, float32; conv 8 3×3 pad 1, pool 2, conv 16 3×3 pad 1) the column
matrices are 10 × 28·28·64 (2.0 MB) and 73 × 14·14·64 (3.7 MB): 5.7 MB, plus the outputs
and dx. A backward writes its column gradient over the column matrix once the weight
gradient is done (steps ~5–10% faster than with a separate 3.6 MB buffer: fewer cache
misses), so one training forward serves one backward. An inference forward
(``keep=False``) keeps nothing and works through the batch in chunks whose column matrix
stays under `INFERENCE_COLUMN_BYTES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: column chunk of the weight-gradient GEMM (see `matmul_long`)
MATMUL_CHUNK = 8192
#: an inference forward works through the batch in chunks of at most this many column bytes
INFERENCE_COLUMN_BYTES = 8 << 20
#: buffer sets (one per batch size) a kernel keeps before dropping the least recently used
BUFFER_SETS = 3
#: im2col and col2im work through a padded input (or its gradient) over twice this size in groups of
#: channels of about this many bytes, each group's k·k copies (adds) while it is in cache (cnn32's second
#: conv, 2.5 MiB: im2col's copies 1.38 -> 0.85 ms of CPU in isolation; col2im 2.19 -> 1.81 ms, in the step
#: 2.76-3.06 -> 2.65-2.71); smaller ones stay in one group. The padding copy into such a buffer (a transposing
#: copy from the previous layer's layout) goes in blocks of input rows of about this many bytes (`input_rows`)
GROUP_BYTES = 1 << 19


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of one convolution: input (H, W, C), kernel, stride and padding per side."""

    height: int
    width: int
    channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]  # top, bottom, left, right

    @property
    def padded(self) -> tuple[int, int]:
        """(Hp, Wp): the input size with its zero border."""
        top, bottom, left, right = self.pads
        return self.height + top + bottom, self.width + left + right

    @property
    def output(self) -> tuple[int, int]:
        """(Ho, Wo), with 0 where the kernel does not fit."""
        (hp, wp), (kh, kw), (sh, sw) = self.padded, self.kernel, self.stride
        return max(0, (hp - kh) // sh + 1), max(0, (wp - kw) // sw + 1)

    @property
    def rows(self) -> int:
        """K = kh·kw·C: the column matrix's rows, without the bias row."""
        return self.kernel[0] * self.kernel[1] * self.channels

    def rows_view(self, cols: np.ndarray) -> np.ndarray:
        """The K rows of a column matrix as (kh, kw, C, Ho, Wo, N): kernel offset, channel, output position."""
        return cols[: self.rows].reshape(*self.kernel, self.channels, *self.output, -1)

    def windows_view(self, xpad: np.ndarray) -> np.ndarray:
        """A padded (C, Hp, Wp, N) buffer as (kh, kw, C, Ho, Wo, N): at [i, j], the window kernel offset (i, j) reads."""
        c_stride, h_stride, w_stride, n_stride = xpad.strides
        (sh, sw), (ho, wo) = self.stride, self.output
        shape = (*self.kernel, self.channels, ho, wo, xpad.shape[3])
        strides = (h_stride, w_stride, c_stride, sh * h_stride, sw * w_stride, n_stride)
        return np.lib.stride_tricks.as_strided(xpad, shape, strides, writeable=False)


def matmul_long(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b for a short, wide `a` and a long, thin `b`, summed over column chunks.

    OpenBLAS threads such GEMMs poorly: one (10 × 57 600) @ (57 600 × 8) call was
    ~4× slower than the same product in chunks of `MATMUL_CHUNK` columns.
    """
    n = a.shape[1]
    np.matmul(a[:, :MATMUL_CHUNK], b[:MATMUL_CHUNK], out=out)
    if n > MATMUL_CHUNK:
        part = np.empty_like(out)
        for start in range(MATMUL_CHUNK, n, MATMUL_CHUNK):
            np.matmul(a[:, start : start + MATMUL_CHUNK], b[start : start + MATMUL_CHUNK], out=part)
            out += part


class _Buffers:
    """The padded input (C, Hp, Wp, N), zero border written once, and the column matrix for one N.

    A backward writes its column gradient over the column matrix and adds a padded input
    gradient, made on first use and reused: the dx it returns is valid until the next backward.
    The views im2col and col2im copy between are made once with the arrays: a step builds
    no views. im2col copies every kernel offset's window in one call per group of channels
    (`column_groups`: the column matrix and xpad as (kh, kw, C, Ho, Wo, N); 8 calls fewer a
    3×3 conv than a copy per offset, 2-4% faster), col2im adds the blocks offset by offset, a
    group of channels at a time (`channel_groups`).
    """

    def __init__(self, geom: ConvGeometry, n: int, dtype: np.dtype[Any]) -> None:
        self.geom = geom
        self.batch = n
        self.xpad = np.zeros((geom.channels, *geom.padded, n), dtype=dtype)
        self.cols = np.empty((geom.rows + 1, math.prod(geom.output) * n), dtype=dtype)
        self.cols[-1] = 1.0
        self.z: np.ndarray | None = None
        self.dx: np.ndarray | None = None
        #: (the column matrix's K rows, xpad's windows) as (kh, kw, C', Ho, Wo, N) per group of channels,
        #: and the NHWC view of xpad's interior
        columns, windows, step = geom.rows_view(self.cols), geom.windows_view(self.xpad), channel_step(self.xpad)
        self.column_groups = [
            (columns[:, :, start : start + step], windows[:, :, start : start + step])
            for start in range(0, geom.channels, step)
        ]
        self.x_interior = interior(geom, self.xpad)
        #: the blocks of input rows the padding copy goes in
        self.input_rows = input_rows(geom, self.xpad)
        self._dx_groups: list[ChannelGroup] = []
        self._dx_interior: np.ndarray | None = None

    def output(self, filters: int) -> np.ndarray:
        """The reused (Ho·Wo·N, F) output of training forwards."""
        if self.z is None or self.z.shape[1] != filters:
            self.z = np.empty((self.cols.shape[1], filters), dtype=self.cols.dtype)
        return self.z

    def gradients(self) -> tuple[np.ndarray, list[ChannelGroup], np.ndarray]:
        """(dcols, the padded dx's groups of channels for col2im, dx's NHWC interior).

        dcols overwrites the column matrix (spent once dW is done); dx is reused, zeroed by
        `Im2Col.backward`.
        """
        if self.dx is None or self._dx_interior is None:
            self.dx = np.empty_like(self.xpad)
            self._dx_groups = channel_groups(self.geom, self.cols, self.dx)
            self._dx_interior = interior(self.geom, self.dx)
        return self.cols[:-1], self._dx_groups, self._dx_interior


class Im2Col:
    """Convolution by im2col and GEMM for one geometry, in the batch-minor layout above."""

    def __init__(self, geom: ConvGeometry, dtype: np.dtype) -> None:
        self.geom = geom
        self.dtype = np.dtype(dtype)
        self._sets: dict[int, _Buffers] = {}
        self._kept: _Buffers | None = None

    def forward(self, x: np.ndarray, w: np.ndarray, keep: bool = True) -> np.ndarray:
        """z = conv(x) + b for NHWC `x` (N, H, W, C): an NHWC view of (Ho, Wo, N, F) memory.

        `keep` holds the column matrix for `backward`; without it the batch is
        done in chunks of bounded memory.
        """
        if keep:
            self._kept = self._buffers(x.shape[0])
            return self._forward(x, w, self._kept, self._kept.output(w.shape[1]))
        self._kept = None
        per_sample = (self.geom.rows + 1) * math.prod(self.geom.output) * self.dtype.itemsize
        chunk = max(1, INFERENCE_COLUMN_BYTES // per_sample)
        if x.shape[0] <= chunk:
            return self._forward(x, w, self._buffers(x.shape[0]))
        z = np.empty((*self.geom.output, x.shape[0], w.shape[1]), dtype=self.dtype).transpose(2, 0, 1, 3)
        for start in range(0, x.shape[0], chunk):
            part = x[start : start + chunk]
            z[start : start + len(part)] = self._forward(part, w, self._buffers(len(part)))
        return z

    def backward(self, dz: np.ndarray, w: np.ndarray, dw: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Fill `dw` (K + 1, F) from dL/dz and return dL/dx (None when not `need_dx`).

        Follows a `forward` with `keep`, whose column matrix it uses (and, for dx, overwrites).
        """
        if self._kept is None:
            raise RuntimeError("backward needs a training forward (keep=True) first")
        buf = self._kept
        dout = dz.transpose(1, 2, 0, 3).reshape(-1, dz.shape[3])  # (Ho·Wo·N, F), a view when it can
        matmul_long(buf.cols, dout, dw)
        if not need_dx:
            return None
        self._kept = None  # the column gradient overwrites the column matrix
        dcols, groups, dx = buf.gradients()
        whole = len(groups) == 1
        if whole:  # zeroed before the product (cnn28's second conv: 4% faster than after it)
            groups[0][0].fill(0.0)
        np.matmul(w[:-1], dout.T, out=dcols)
        for zeroed, pairs in groups:  # col2im: each element is 0 plus its blocks in kernel-offset order
            if not whole:  # each group zeroed just before its adds, while it is in cache
                zeroed.fill(0.0)
            for block, window in pairs:
                window += block
        return dx

    @property
    def column_bytes(self) -> int:
        """Bytes of the column matrix kept for backward (0 when none is kept)."""
        return 0 if self._kept is None else self._kept.cols.nbytes

    def _forward(self, x: np.ndarray, w: np.ndarray, buf: _Buffers, out: np.ndarray | None = None) -> np.ndarray:
        """Pad `x` into `buf`, fill its column matrix and multiply (into `out`): the NHWC output view."""
        for rows in buf.input_rows:
            buf.x_interior[:, rows] = x[:, rows]
        for columns, windows in buf.column_groups:
            np.copyto(columns, windows)
        z = np.matmul(buf.cols.T, w, out=out)
        return z.reshape(*self.geom.output, len(x), -1).transpose(2, 0, 1, 3)

    def _buffers(self, n: int) -> _Buffers:
        """The buffer set for batch size `n`, made on first use; the least recently used goes."""
        buf = self._sets.pop(n, None) or _Buffers(self.geom, n, self.dtype)
        self._sets[n] = buf
        if len(self._sets) > BUFFER_SETS:
            del self._sets[next(iter(self._sets))]
        return buf


def interior(geom: ConvGeometry, xpad: np.ndarray) -> np.ndarray:
    """The NHWC view (N, H, W, C) of the unpadded part of a (C, Hp, Wp, N) buffer."""
    top, _, left, _ = geom.pads
    return xpad[:, top : top + geom.height, left : left + geom.width, :].transpose(3, 1, 2, 0)


#: a group of channels of a padded gradient (C', Hp, Wp, N), and its (column block, window) pairs by kernel offset
ChannelGroup = tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]


def channel_groups(geom: ConvGeometry, cols: np.ndarray, dx: np.ndarray) -> list[ChannelGroup]:
    """`dx` cut into groups of channels for col2im (see `channel_step`)."""
    pairs, step = blocks(geom, cols, dx), channel_step(dx)
    return [
        (
            dx[start : start + step],
            [(block[start : start + step], window[start : start + step]) for block, window in pairs],
        )
        for start in range(0, geom.channels, step)
    ]


def input_rows(geom: ConvGeometry, padded: np.ndarray) -> list[slice]:
    """Blocks of the input's rows for the copy into a padded (C, Hp, Wp, N) buffer: all rows at once unless
    it is over twice `GROUP_BYTES`, else about `GROUP_BYTES` of the input a block.

    NumPy's transposing copy from an NHWC-ordered input slows down sharply once its operands leave the
    core's cache (one thread, CPU ms: a 16×16×32 input, batch 64, 2 MiB: 1.05 at once, 0.48-0.50 in blocks
    of 1-4 rows; 16×16×64, 4 MiB: 6.77 at once, 1.30 a row at a time; 8×8×64, 1 MiB, and smaller: the same).
    """
    height = geom.height
    if padded.nbytes <= 2 * GROUP_BYTES:
        return [slice(0, height)]
    row_bytes = geom.width * geom.channels * padded.shape[3] * padded.itemsize
    step = max(1, GROUP_BYTES // max(1, row_bytes))
    return [slice(start, min(height, start + step)) for start in range(0, height, step)]


def channel_step(padded: np.ndarray) -> int:
    """Channels in a group of a padded (C, Hp, Wp, N) buffer: all of them unless it is over twice `GROUP_BYTES`."""
    channels, size = int(padded.shape[0]), int(padded.nbytes)
    if size <= 2 * GROUP_BYTES:
        return channels
    return max(1, GROUP_BYTES // max(1, size // channels))


def blocks(geom: ConvGeometry, cols: np.ndarray, xpad: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(C rows of `cols` as (C, Ho, Wo, N), the window of `xpad` they hold) per kernel offset, row by row."""
    c, (ho, wo), (sh, sw) = geom.channels, geom.output, geom.stride
    kh, kw = geom.kernel
    n = xpad.shape[3]
    offsets = [(i, j) for i in range(kh) for j in range(kw)]
    return [
        (
            cols[b * c : (b + 1) * c].reshape(c, ho, wo, n),
            xpad[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw, :],
        )
        for b, (i, j) in enumerate(offsets)
    ]
