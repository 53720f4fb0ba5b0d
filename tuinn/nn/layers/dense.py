"""Dense (fully connected) layer: y = activation(x @ W + b), W of shape (inputs, units)."""

from __future__ import annotations

import numpy as np

from tuinn.nn.activations import relu_derivative, zeros_like
from tuinn.nn.arrays import REUSE_FROM, Scratch
from tuinn.nn.layers.base import ActivatedLayer, Shape, ShapeError, positive_int
from tuinn.nn.products import ProductSplit, both, matmul


class Dense(ActivatedLayer):
    """Fully connected layer with parameters W (inputs, units) and b (units,).

    A training pass writes z and the input gradient into arrays reused from step to step
    (valid until the layer's next training pass) unless they are small; an inference forward
    allocates its output. With relu, a training pass applies it to z in place (its output is
    z's array, so `preactivation` holds the output until the next pass) and its backward
    multiplies by the derivative in reused arrays: the same bits, fewer passes and allocations.
    While `products` is set (a step plan's), its large matrix products run on several threads.
    """

    kind = "dense"
    penalized = ("W",)

    def __init__(
        self,
        units: int,
        activation: str = "linear",
        init: str | None = None,
        use_bias: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(activation, name)
        self.units = positive_int("units", units)
        self.init = init
        self.use_bias = use_bias
        self.products: ProductSplit | None = None
        #: z, dx and relu's dz for up to four batch sizes (a plan in chunks steps on three)
        self._scratch = Scratch(keep=12)

    def configure(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            shape = "×".join(map(str, input_shape))
            raise ShapeError(f"dense layer needs a flat input but gets {shape}; put a flatten layer before it")
        self.input_shape = tuple(input_shape)
        self.output_shape = (self.units,)
        return self.output_shape

    def parameter_shapes(self) -> dict[str, Shape]:
        shapes: dict[str, Shape] = {"W": (self.input_shape[0], self.units)}
        if self.use_bias:
            shapes["b"] = (self.units,)
        return shapes

    def weight_fans(self) -> tuple[int, int]:
        return self.input_shape[0], self.units

    def weight_init(self) -> str:
        return default_init(self.activation) if self.init is None else self.init

    # ActivatedLayer's forward and backward with a relu case inline (a call more would cost a tiny net's step 5%)
    def forward(self, x: np.ndarray, training: bool = False, skip_activation: bool = False) -> np.ndarray:
        self._x, self._training = x, training
        z = self._z = self.linear_forward(x)
        if skip_activation:
            self._a = None
            return z
        if training and self._act.name == "relu":  # z is the layer's own array in training: relu may overwrite it
            a: np.ndarray = np.maximum(z, zeros_like(z), out=z)
        else:
            a = self._act.fn(z)
        self._a = a
        return a

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        name, a = self._act.name, self._a
        if name == "linear":
            dz = dy
        elif name == "relu" and a is self._z and a is not None and a.size >= REUSE_FROM:
            # relu's derivative (a > 0 where z > 0, NaN included) times dy, in a reused array: the generic path's bits
            dz = relu_derivative(a, self._scratch.get("dz", a.shape, a, a.dtype))
            np.multiply(dz, dy, out=dz)
        else:
            assert self._z is not None and a is not None, "backward needs a forward first"
            dz = self._act.grad(self._z, a)  # a new array: multiplied in place
            np.multiply(dz, dy, out=dz)
        return self.linear_backward(dz)

    def linear_forward(self, x: np.ndarray) -> np.ndarray:
        w = self.parameters["W"]
        if self._training and len(x) * self.units >= REUSE_FROM:
            z = matmul(x, w, self._scratch.get("z", (len(x), self.units), x, product_dtype(x, w)), self.products)
        else:
            z = x @ w
        if self.use_bias:
            z += self.parameters["b"]
        return z

    def linear_backward(self, dz: np.ndarray) -> np.ndarray | None:
        assert self._x is not None, "backward needs a forward first"
        xt, dw = self._x.T, self.gradients["W"]
        if self.use_bias:
            np.add.reduce(dz, axis=0, out=self.gradients["b"])
        if self.skip_input_grad:
            matmul(xt, dz, dw, self.products)
            return None
        w = self.parameters["W"].T
        if not self._training or len(dz) * w.shape[1] < REUSE_FROM:
            np.matmul(xt, dz, out=dw)
            dx: np.ndarray = dz @ w
            return dx
        dx = self._scratch.get("dx", (len(dz), w.shape[1]), dz, product_dtype(dz, w))
        both((xt, dz, dw), (dz, w, dx), self.products)
        return dx

    def mult_adds(self) -> int:
        return self.input_shape[0] * self.units

    def describe(self) -> str:
        return f"Dense({self.units})"


def product_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The dtype of `a @ b` (found without a NumPy call when both agree, as in training)."""
    return a.dtype if a.dtype == b.dtype else np.result_type(a, b)


def default_init(activation: str) -> str:
    """He for the ReLU family, Glorot otherwise: the usual defaults."""
    return "he" if activation in ("relu", "leaky_relu", "elu", "gelu", "swish") else "glorot"
