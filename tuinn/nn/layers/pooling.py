"""MaxPool2D and AvgPool2D over NHWC images; windows that do not fit at the edge are dropped."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tuinn.nn.layers.base import Layer, Shape, ShapeError
from tuinn.nn.layers.conv import as_pair, check_image, fmt_pair

#: a max-pooling training pass over a larger input than twice this works through it in blocks of
#: output rows reading about this many input bytes each (cnn32's pools, 4-8 MiB: forward 9-13%,
#: backward 13-17% less CPU in the step than in one block; inputs that fit the cache stay in one)
BLOCK_BYTES = 1 << 20


class _Pool2D(Layer):
    """Shared shape logic: pool_size and stride (default: pool_size), valid windows only."""

    label = "Pool2D"

    def __init__(
        self,
        pool_size: int | list[int] = 2,
        stride: int | list[int] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.pool_size = as_pair(pool_size, "pool_size")
        self.stride = self.pool_size if stride is None else as_pair(stride, "stride")
        self._x: np.ndarray | None = None

    def configure(self, input_shape: Shape) -> Shape:
        h, w, c = check_image(input_shape, self.kind)
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        ho, wo = max(0, (h - ph) // sh + 1), max(0, (w - pw) // sw + 1)
        if ho == 0 or wo == 0:
            raise ShapeError(
                f"a {ph}×{pw} pool on a {h}×{w}×{c} input gives a {ho}×{wo} output; "
                f"use a pool of at most {min(ph, h)}×{min(pw, w)} or remove this layer"
            )
        self.input_shape = (h, w, c)
        self.output_shape = (ho, wo, c)
        return self.output_shape

    def _planes(self, x: np.ndarray) -> list[np.ndarray]:
        """The (N, Ho, Wo, C) views of `x` at each window offset, row by row."""
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        ho, wo, _ = self.output_shape
        return [
            x[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw, :]
            for i in range(ph)
            for j in range(pw)
        ]

    def describe(self) -> str:
        stride = "" if self.stride == self.pool_size else f", s{fmt_pair(self.stride)}"
        return f"{self.label}({self.pool_size[0]}×{self.pool_size[1]}{stride})"


class MaxPool2D(_Pool2D):
    """The maximum of each window; backward sends each window's gradient to one winner.

    Ties go to the first maximum in row-major window order (PyTorch's rule), on
    both paths. Non-overlapping 2×2 windows take a fast path: the maximum of row
    pairs, then of column pairs, with a boolean mask for each saying which of the
    pair won. A training forward writes its output, its masks and its row maxima
    into arrays reused from step to step (the output is valid until the next training
    forward); an inference forward allocates its output. On an input larger than the
    core's cache, training passes work through it in blocks of output rows (`BLOCK_BYTES`):
    each of a block's passes then finds its data in cache, and every element gets the same
    operations as in one block. The row maxima (forward) and row gradients (backward) are
    spent within a block, so those passes keep them for one block only, reused by every
    block: 4 MiB fewer written and read back a pass over cnn32's first pool (its forward
    2.06-2.15 -> 1.59-1.72 ms of CPU in the step, its backward 2.81-3.14 -> 2.38-2.57).
    """

    kind = "maxpool2d"
    label = "MaxPool2D"

    def configure(self, input_shape: Shape) -> Shape:
        shape = super().configure(input_shape)
        self._pairwise = self.pool_size == (2, 2) and min(self.stride) >= 2
        self._kept: dict[str, tuple[tuple[Any, ...], np.ndarray]] = {}
        self._pairs = {axis: self._pair_indices(axis) for axis in (1, 2)}
        return shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        if self._pairwise:
            return self._forward_pairs(x, training)
        planes = self._planes(x)
        y = planes[0].copy()
        if training:  # the first plane holding each window's maximum, for backward
            self._winner = np.zeros(y.shape, dtype=np.uint8)
        for k, plane in enumerate(planes[1:], start=1):
            if training:
                np.copyto(self._winner, k, where=plane > y)
            np.maximum(y, plane, out=y)
        return y

    def _forward_pairs(self, x: np.ndarray, training: bool) -> np.ndarray:
        """2×2 windows: rows first (long contiguous runs in every layout), then columns.

        Only training keeps the masks (which of each pair won) for backward.
        """
        top, bottom = self._pair(x, 1)
        if not training:
            rows = np.maximum(top, bottom)
            left, right = self._pair(rows, 2)
            pooled: np.ndarray = np.maximum(left, right)
            return pooled
        blocks = self._row_blocks(x)
        pooled_like = self._pair(top, 2)[0]  # (N, Ho, Wo, C) in x's memory order
        y = self._reused("y", pooled_like)
        top_wins = self._reused("top_wins", top, np.bool_)
        left_wins = self._reused("left_wins", pooled_like, np.bool_)
        # the row maxima and the ties are spent within a block: one block's worth, reused by every block
        rows = self._reused("rows", first_block(top, blocks))
        ties = self._reused("ties", self._pair(rows, 2)[0], np.bool_)
        in_blocks(self._pool_rows, (top, bottom, y, top_wins, left_wins), blocks, (rows, ties))
        self._y, self._top_wins, self._left_wins = y, top_wins, left_wins
        return y

    def _pool_rows(self, *arrays: np.ndarray) -> None:
        """The training forward's passes on (a block of rows of) x's pairs, y and the masks, with the block's
        row maxima and ties in scratch arrays."""
        top, bottom, y, top_wins, left_wins, rows, ties = arrays
        left, right = self._pair(rows, 2)
        np.maximum(top, bottom, out=rows)
        np.maximum(left, right, out=y)
        np.greater_equal(top, bottom, out=top_wins)
        # ties go to the first maximum in row-major order, as in the general path (and PyTorch):
        # equal column maxima go right only when the right one is in the top row and the left's is not
        np.greater_equal(left, right, out=left_wins)
        np.equal(left, right, out=ties)
        if ties.any():  # (rare on real numbers: skip the three passes that settle them)
            top_left, top_right = self._pair(top_wins, 2)
            ties &= top_right
            ties &= ~top_left
            left_wins &= ~ties

    def _reused(self, name: str, like: np.ndarray, dtype: type | None = None) -> np.ndarray:
        """An array in `like`'s shape and memory order (and dtype, unless given), kept under `name` from
        step to step: remade when the shape, the layout or the dtype changes."""
        key = (like.shape, like.strides, like.dtype if dtype is None else np.dtype(dtype))
        kept = self._kept.get(name)
        if kept is None or kept[0] != key:
            kept = self._kept[name] = (key, np.empty_like(like, dtype=key[2]))
        return kept[1]

    def _pair(self, a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """The first and second member of each window pair along `axis` (1 rows, 2 columns)."""
        first, second = self._pairs[axis]
        return a[first], a[second]

    def _pair_indices(self, axis: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
        """The indices `_pair` takes along `axis`, made once a shape."""
        (sh, sw), (ho, wo) = self.stride, self.output_shape[:2]
        step, count = (sh, ho) if axis == 1 else (sw, wo)
        first = [slice(None)] * 4
        second = [slice(None)] * 4
        first[axis] = slice(0, step * (count - 1) + 1, step)
        second[axis] = slice(1, step * (count - 1) + 2, step)
        return tuple(first), tuple(second)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        assert self._x is not None, "backward needs a training forward first"
        if not self._pairwise:
            dx = np.zeros_like(self._x)
            share = np.empty_like(dy)
            for k, plane in enumerate(self._planes(dx)):
                np.multiply(dy, self._winner == k, out=share)
                plane += share
            return dx
        dx = self._zeros_unless("dx", self._x, axis=1)
        top, bottom = self._pair(dx, 1)
        blocks = self._row_blocks(dx)
        drows = self._zeros_unless("drows", first_block(top, blocks), axis=2)  # one block's row gradients
        scratch: tuple[np.ndarray, ...] = (drows,)
        if dy.strides != self._y.strides:  # one transposing copy (a block at a time) beats ufuncs on mixed layouts
            scratch += (self._reused("dy", first_block(self._y, blocks)),)
        in_blocks(self._unpool_rows, (dy, self._left_wins, self._top_wins, top, bottom), blocks, scratch)
        return dx

    def _unpool_rows(self, *arrays: np.ndarray) -> None:
        """The training backward's passes on (a block of rows of) dy, the masks and dx's pairs, with the
        block's row gradients in a scratch array (and dy copied first into another in y's layout, if given)."""
        dy, left_wins, top_wins, top, bottom, drows, *in_y_layout = arrays
        if in_y_layout:
            np.copyto(in_y_layout[0], dy)
            dy = in_y_layout[0]
        left, right = self._pair(drows, 2)
        np.multiply(dy, left_wins, out=left)
        np.subtract(dy, left, out=right)
        np.multiply(drows, top_wins, out=top)
        np.subtract(drows, top, out=bottom)

    def _row_blocks(self, x: np.ndarray) -> list[tuple[slice, slice]] | None:
        """Indices of the blocks of output rows a training pass over `x` works through (axis 1 of
        every array it touches); None (all rows at once) unless `x` is over twice `BLOCK_BYTES`."""
        if x.nbytes <= 2 * BLOCK_BYTES:
            return None
        rows = self.output_shape[0]
        per_row = x.nbytes * self.stride[0] // max(1, x.shape[1])  # the input bytes an output row reads
        step = max(1, BLOCK_BYTES // max(1, per_row))
        return [(slice(None), slice(start, start + step)) for start in range(0, rows, step)]

    def _zeros_unless(self, name: str, like: np.ndarray, axis: int) -> np.ndarray:
        """The array `_reused` keeps under `name`, zeroed unless the pairs along `axis` tile it.

        The dx a backward returns is valid until the next backward.
        """
        buf = self._reused(name, like)
        size, stride, count = like.shape[axis], self.stride[axis - 1], self.output_shape[axis - 1]
        if not (stride == 2 and size == 2 * count):
            buf.fill(0)
        return buf


def in_blocks(
    passes: Callable[..., None],
    arrays: tuple[np.ndarray, ...],
    blocks: list[tuple[slice, slice]] | None,
    scratch: tuple[np.ndarray, ...],
) -> None:
    """`passes(*arrays, *scratch)`, or on each block of rows of `arrays` in turn (`MaxPool2D._row_blocks`)
    with `scratch` (arrays of one block's rows, see `first_block`) cut to the block's rows."""
    if blocks is None:
        passes(*arrays, *scratch)
        return
    rows = arrays[0].shape[1]
    for everything, rows_of in blocks:
        block = slice(0, min(rows, rows_of.stop) - rows_of.start)
        passes(*(a[everything, rows_of] for a in arrays), *(s[everything, block] for s in scratch))


def first_block(a: np.ndarray, blocks: list[tuple[slice, slice]] | None) -> np.ndarray:
    """`a`'s first block of rows (the largest), or all of `a` when there are no blocks: the shape of a scratch array."""
    return a if blocks is None else a[blocks[0]]


class AvgPool2D(_Pool2D):
    """The mean of each window; backward spreads each window's gradient evenly over it."""

    kind = "avgpool2d"
    label = "AvgPool2D"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        planes = self._planes(x)
        y = planes[0].copy()
        for plane in planes[1:]:
            y += plane
        y *= 1.0 / len(planes)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = np.zeros_like(self._x)
        planes = self._planes(dx)
        share = dy * (1.0 / len(planes))
        for plane in planes:
            plane += share
        return dx
