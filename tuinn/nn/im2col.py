"""im2col / col2im kernels for Conv2D: the hot path of CNNs, in two memory layouts.

A kernel turns a batch of NHWC images into a column matrix, multiplies it by the
weights in one GEMM and, backwards, turns the output gradient into the weight
gradient (one GEMM) and the input gradient (one GEMM and a col2im). Weights come
in as one matrix ``w`` of shape (K + 1, F): the rows of ``W.reshape(K, F)``
(K = kh·kw·C, rows ordered kernel row, kernel column, channel) and the bias as
the last row. The column matrix carries a matching row (or column) of ones, so
the bias rides in the forward GEMM and its gradient comes out of the dW GEMM.

Two layouts, chosen per layer at build time by `choose_path`:

- ``"flat-shift"`` (stride 1 on inputs of at least `FLAT_SHIFT_MIN_PIXELS` pixels):
  channel-major. Each channel's zero-padded batch is one flat vector, so the
  (C, N·Hp·Wp) grid read at kernel offset (i, j) is the same vector shifted by
  i·Wp + j: every block of C rows of the column matrix is one contiguous slice
  copy. Outputs are computed on the whole padded grid; the invalid border is
  dropped by a strided view, and the output is an NHWC view of channel-major
  memory (element-wise ops downstream keep that layout). col2im is k·k
  contiguous shifted adds.
- ``"nhwc"`` (any stride, and small inputs where the padded-grid overhead
  loses): the column matrix is (N·Ho·Wo, K + 1), filled by k·k strided slice
  copies; col2im is k·k strided slice adds.

`FORCE_PATH` overrides the choice for layers built while it is set (tests use it);
stride > 1 always takes ``"nhwc"``.

The column matrix is kept between forward and backward and reused across steps
of the same batch size. For the 28×28×1 workload of the benchmark (batch 64,
conv 8 3×3 pad 1, pool 2, conv 16 3×3 pad 1) the flat-shift column matrices are
(9 + 1) × 64·30·30 and (72 + 1) × 64·16·16 float32: 2.3 MB and 4.8 MB; their
gradients (dcols) are as large and live only during backward, so the peak for
the larger layer is about 9.6 MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FLAT_SHIFT = "flat-shift"
NHWC = "nhwc"
PATHS = (FLAT_SHIFT, NHWC)

#: stride-1 convolutions on inputs with at least this many pixels (H·W) use flat-shift
FLAT_SHIFT_MIN_PIXELS = 144
#: column chunk of the weight-gradient GEMM (see `matmul_long`)
MATMUL_CHUNK = 8192
#: set to one of `PATHS` to force that path on the layers built while it is set
FORCE_PATH: str | None = None


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
        return tuple(
            max(0, (p - k) // s + 1) for p, k, s in zip(self.padded, self.kernel, self.stride)
        )

    @property
    def rows(self) -> int:
        """K = kh·kw·C: the column matrix's rows, without the bias row."""
        return self.kernel[0] * self.kernel[1] * self.channels


def choose_path(geom: ConvGeometry) -> str:
    """The kernel layout for this geometry: see the module docstring for the rule."""
    if geom.stride != (1, 1):
        return NHWC
    if FORCE_PATH is not None:
        if FORCE_PATH not in PATHS:
            raise ValueError(f"unknown im2col path {FORCE_PATH!r}; known: {', '.join(PATHS)}")
        return FORCE_PATH
    return FLAT_SHIFT if geom.height * geom.width >= FLAT_SHIFT_MIN_PIXELS else NHWC


def make_kernel(geom: ConvGeometry, dtype: np.dtype) -> "FlatShiftKernel | NhwcKernel":
    """The im2col kernel `choose_path` picks for `geom`."""
    cls = FlatShiftKernel if choose_path(geom) == FLAT_SHIFT else NhwcKernel
    return cls(geom, dtype)


def matmul_long(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b for a short, wide `a` and a long, thin `b`, summed over column chunks.

    OpenBLAS threads such GEMMs poorly: one call over 57 600 columns was ~4×
    slower than eight calls over chunks of `MATMUL_CHUNK`.
    """
    n = a.shape[1]
    np.matmul(a[:, :MATMUL_CHUNK], b[:MATMUL_CHUNK], out=out)
    if n > MATMUL_CHUNK:
        part = np.empty_like(out)
        for start in range(MATMUL_CHUNK, n, MATMUL_CHUNK):
            np.matmul(a[:, start : start + MATMUL_CHUNK], b[start : start + MATMUL_CHUNK], out=part)
            out += part


class _Kernel:
    """Shared state of both layouts: geometry, kernel offsets, per-batch-size buffers."""

    path = ""

    def __init__(self, geom: ConvGeometry, dtype: np.dtype) -> None:
        self.geom = geom
        self.dtype = np.dtype(dtype)
        kh, kw = geom.kernel
        self.offsets = [(i, j) for i in range(kh) for j in range(kw)]
        self.batch = 0
        self.cols = np.empty((0, 0), dtype=self.dtype)

    def _ensure(self, n: int) -> None:
        """(Re)allocate the buffers for batch size `n`; the zero borders are written once."""
        if n != self.batch:
            self.batch = n
            self._allocate(n)

    def _allocate(self, n: int) -> None:
        raise NotImplementedError

    def _interior(self, grid: np.ndarray) -> np.ndarray:
        """The unpadded part of a padded NHWC grid (N, Hp, Wp, C), as a view."""
        top, _, left, _ = self.geom.pads
        return grid[:, top : top + self.geom.height, left : left + self.geom.width, :]

    def column_bytes(self, n: int) -> int:
        """Bytes of the column matrix for a batch of `n`."""
        return self._column_count(n) * (self.geom.rows + 1) * self.dtype.itemsize

    def _column_count(self, n: int) -> int:
        raise NotImplementedError


class FlatShiftKernel(_Kernel):
    """Flat-shift im2col for stride 1: channel-major input, contiguous slice copies and adds.

    The padded input is a (C, Hp·Wp·N) matrix (pixels major, the batch minor), so
    the column matrix (K + 1, Ho·Wp·N) is built from k·k contiguous slices. The
    output comes out of the GEMM as (Ho·Wp·N, F): rows of Wo valid pixels and a
    gutter of Wp - Wo, which the returned NHWC view skips. That (H, W, N, C)
    memory order gives pooling and element-wise layers long contiguous runs.
    """

    path = FLAT_SHIFT

    def __init__(self, geom: ConvGeometry, dtype: np.dtype) -> None:
        super().__init__(geom, dtype)
        self._wp = geom.padded[1]

    def _column_count(self, n: int) -> int:
        return n * self.geom.output[0] * self._wp

    def _allocate(self, n: int) -> None:
        g = self.geom
        self.shifts = [(i * self._wp + j) * n for i, j in self.offsets]
        self.xflat = np.zeros((g.channels, n * math.prod(g.padded)), dtype=self.dtype)
        self.cols = np.zeros((g.rows + 1, self._column_count(n)), dtype=self.dtype)
        self.cols[-1] = 1.0
        self.dout = np.zeros((0, 0), dtype=self.dtype)

    def _valid(self, out: np.ndarray) -> np.ndarray:
        """The NHWC view (N, Ho, Wo, F) of the outputs in a (Ho·Wp·N, F) matrix, gutter skipped."""
        ho, wo = self.geom.output
        return out.reshape(ho, self._wp, self.batch, -1)[:, :wo].transpose(2, 0, 1, 3)

    def _interior_of(self, flat: np.ndarray) -> np.ndarray:
        """The NHWC view of the unpadded input in a (C, Hp·Wp·N) matrix."""
        grid = flat.reshape(flat.shape[0], *self.geom.padded, self.batch)
        return self._interior(grid.transpose(3, 1, 2, 0))

    def _spans(self):
        """(row block, shift, length) per kernel offset: where a block reads the padded input."""
        c, total, m = self.geom.channels, self.xflat.shape[1], self.cols.shape[1]
        # a block that would read past the end covers only gutter outputs there: cut it short
        return [(slice(b * c, (b + 1) * c), s, min(m, total - s)) for b, s in enumerate(self.shifts)]

    def forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """z = conv(x) + b for NHWC `x`: an NHWC view of (Ho, Wo, N, F)-ordered memory."""
        self._ensure(x.shape[0])
        self._interior_of(self.xflat)[...] = x
        for rows, shift, length in self._spans():
            self.cols[rows, :length] = self.xflat[:, shift : shift + length]
        return self._valid(self.cols.T @ w)

    def backward(self, dz: np.ndarray, w: np.ndarray, dw: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Fill `dw` (K + 1, F) from dL/dz and return dL/dx (or None when not needed)."""
        if self.dout.shape[1] != dz.shape[3]:
            # the gutter rows stay zero, so gutter columns of the column matrix add nothing
            self.dout = np.zeros((self.cols.shape[1], dz.shape[3]), dtype=self.dtype)
        self._valid(self.dout)[...] = dz
        matmul_long(self.cols, self.dout, dw)
        if not need_dx:
            return None
        dcols = w[:-1] @ self.dout.T
        dx = np.empty_like(self.xflat)
        spans = self._spans()
        rows, _, length = spans[0]  # kernel offset (0, 0): shift 0, sets every covered column
        dx[:, :length] = dcols[rows]
        dx[:, length:] = 0.0
        for rows, shift, length in spans[1:]:
            dx[:, shift : shift + length] += dcols[rows, :length]
        return self._interior_of(dx)


class NhwcKernel(_Kernel):
    """NHWC im2col for any stride: k·k strided slice copies into (N·Ho·Wo, K + 1)."""

    path = NHWC

    def _column_count(self, n: int) -> int:
        return n * math.prod(self.geom.output)

    def _allocate(self, n: int) -> None:
        g = self.geom
        self.xpad = np.zeros((n, *g.padded, g.channels), dtype=self.dtype)
        self.cols = np.empty((self._column_count(n), g.rows + 1), dtype=self.dtype)
        self.cols[:, -1] = 1.0

    def _windows(self, grid: np.ndarray, i: int, j: int) -> np.ndarray:
        """The (N, Ho, Wo, C) view of a padded NHWC grid read at kernel offset (i, j)."""
        (ho, wo), (sh, sw) = self.geom.output, self.geom.stride
        return grid[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw, :]

    def _blocks(self, cols: np.ndarray):
        """Pairs (kernel offset, its (N, Ho, Wo, C) block of a column matrix)."""
        c = self.geom.channels
        grid = cols.reshape(self.batch, *self.geom.output, cols.shape[1])
        return [((i, j), grid[..., b * c : (b + 1) * c]) for b, (i, j) in enumerate(self.offsets)]

    def forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """z = conv(x) + b for NHWC `x`, as a C-contiguous NHWC array."""
        self._ensure(x.shape[0])
        self._interior(self.xpad)[...] = x
        for (i, j), block in self._blocks(self.cols):
            block[...] = self._windows(self.xpad, i, j)
        return (self.cols @ w).reshape(self.batch, *self.geom.output, w.shape[1])

    def backward(self, dz: np.ndarray, w: np.ndarray, dw: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Fill `dw` (K + 1, F) from dL/dz and return dL/dx (or None when not needed)."""
        d = dz.reshape(self.cols.shape[0], dz.shape[3])
        matmul_long(self.cols.T, d, dw)
        if not need_dx:
            return None
        dcols = d @ w[:-1].T
        dxpad = np.zeros_like(self.xpad)
        for (i, j), block in self._blocks(dcols):
            self._windows(dxpad, i, j)[...] += block
        return self._interior(dxpad)
