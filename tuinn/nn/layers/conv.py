"""Conv2D: a 2-D convolution over NHWC images, computed by im2col and one GEMM."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tuinn.nn.im2col import ConvGeometry, Im2Col
from tuinn.nn.layers.base import ActivatedLayer, Shape, ShapeError
from tuinn.nn.layers.dense import default_init

Pair = tuple[int, int]


def as_pair(value: Any, what: str) -> Pair:
    """An int or a 2-list of positive ints as (rows, columns); ValueError otherwise."""
    pair = [value, value] if isinstance(value, int) else value
    if (
        not isinstance(pair, (list, tuple))
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in pair)
    ):
        raise ValueError(f"{what} must be a positive integer or a list of two, got {value!r}")
    return pair[0], pair[1]


def fmt_pair(pair: Pair) -> str:
    """(3, 3) -> '3', (3, 2) -> '3×2': for short labels."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def check_image(input_shape: Shape, kind: str) -> tuple[int, int, int]:
    """(H, W, C) of an image input shape; ShapeError suggesting an image dataset otherwise."""
    if len(input_shape) != 3:
        shape = "×".join(map(str, input_shape))
        raise ShapeError(f'{kind} needs an image input (H, W, C) but gets {shape}; load the data with shape = "image"')
    h, w, c = (int(d) for d in input_shape)
    return h, w, c


def same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Zero rows before and after so that the output is ceil(size / stride); extra one after."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv2D(ActivatedLayer):
    """2-D convolution: kernel W of shape (kh, kw, in_channels, filters), bias b of shape (filters,).

    Input and output are NHWC batches (N, H, W, C); the output is a view of
    (Ho, Wo, N, F)-ordered memory (see tuinn.nn.im2col). Padding "valid" adds none,
    "same" pads so the output is ceil(input / stride), an int pads every side by it.
    A training forward keeps its column matrix for the backward that follows it.
    """

    kind = "conv2d"
    penalized = ("W",)

    def __init__(
        self,
        filters: int,
        kernel_size: int | list[int],
        stride: int | list[int] = 1,
        padding: str | int = "valid",
        activation: str = "linear",
        init: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(activation, name)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters < 1:
            raise ValueError(f"filters must be a positive integer, got {filters!r}")
        if padding not in ("valid", "same") and not (
            isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0
        ):
            raise ValueError(f"padding must be 'valid', 'same' or a non-negative integer, got {padding!r}")
        self.filters = filters
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.stride = as_pair(stride, "stride")
        self.padding = padding
        self.init = init
        self.im2col: Im2Col | None = None

    def _pads(self, h: int, w: int) -> tuple[int, int, int, int]:
        if self.padding == "valid":
            return 0, 0, 0, 0
        if self.padding == "same":
            (kh, kw), (sh, sw) = self.kernel_size, self.stride
            return (*same_pads(h, kh, sh), *same_pads(w, kw, sw))
        assert isinstance(self.padding, int)  # the constructor allows only these three
        return (self.padding,) * 4

    def configure(self, input_shape: Shape) -> Shape:
        h, w, c = check_image(input_shape, "conv2d")
        geom = ConvGeometry(h, w, c, self.kernel_size, self.stride, self._pads(h, w))
        ho, wo = geom.output
        if ho == 0 or wo == 0:
            (kh, kw), (hp, wp) = self.kernel_size, geom.padded
            padding = f"'{self.padding}'" if isinstance(self.padding, str) else str(self.padding)
            raise ShapeError(
                f"a {kh}×{kw} kernel with padding {padding} on a {h}×{w}×{c} input gives a "
                f"{ho}×{wo} output; use a kernel of at most {min(kh, hp)}×{min(kw, wp)} or padding 'same'"
            )
        self._geometry = geom
        self.input_shape = (h, w, c)
        self.output_shape = (ho, wo, self.filters)
        return self.output_shape

    def parameter_shapes(self) -> dict[str, Shape]:
        kh, kw = self.kernel_size
        return {"W": (kh, kw, self.input_shape[2], self.filters), "b": (self.filters,)}

    def weight_fans(self) -> tuple[int, int]:
        kh, kw = self.kernel_size
        return kh * kw * self.input_shape[2], kh * kw * self.filters

    def weight_init(self) -> str:
        return default_init(self.activation) if self.init is None else self.init

    def allocate(self, rng: np.random.Generator, dtype: np.dtype[Any]) -> None:
        super().allocate(rng, dtype)
        self.im2col = Im2Col(self._geometry, dtype)
        # W and b stacked as one (K + 1, F) matrix for the kernel, and its gradient
        self._w = np.empty((self._geometry.rows + 1, self.filters), dtype=dtype)
        self._dw = np.empty_like(self._w)

    def linear_forward(self, x: np.ndarray) -> np.ndarray:
        self._w[:-1] = self.parameters["W"].reshape(-1, self.filters)
        self._w[-1] = self.parameters["b"]
        assert self.im2col is not None, "allocate makes the kernel"
        # a training forward keeps its column matrix for backward; inference needs none
        return self.im2col.forward(x, self._w, keep=self._training)

    def linear_backward(self, dz: np.ndarray) -> np.ndarray | None:
        assert self.im2col is not None, "allocate makes the kernel"
        dx = self.im2col.backward(dz, self._w, self._dw, not self.skip_input_grad)
        self.gradients["W"].reshape(-1, self.filters)[...] = self._dw[:-1]
        self.gradients["b"][...] = self._dw[-1]
        return dx

    def mult_adds(self) -> int:
        kh, kw = self.kernel_size
        return math.prod(self.output_shape) * kh * kw * self.input_shape[2]

    def dense_equivalent(self) -> int:
        inputs, outputs = math.prod(self.input_shape), math.prod(self.output_shape)
        return inputs * outputs + outputs

    def describe(self) -> str:
        stride = "" if self.stride == (1, 1) else f", s{fmt_pair(self.stride)}"
        return f"Conv2D({self.filters}, {self.kernel_size[0]}×{self.kernel_size[1]}{stride})"
