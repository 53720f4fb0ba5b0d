"""Dense (fully connected) layer: y = activation(x @ W + b), W of shape (inputs, units)."""

from __future__ import annotations

import numpy as np

from tuinn.nn.layers.base import ActivatedLayer, Shape, ShapeError, positive_int


class Dense(ActivatedLayer):
    """Fully connected layer with parameters W (inputs, units) and b (units,)."""

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

    def linear_forward(self, x: np.ndarray) -> np.ndarray:
        z: np.ndarray = x @ self.parameters["W"]
        if self.use_bias:
            z += self.parameters["b"]
        return z

    def linear_backward(self, dz: np.ndarray) -> np.ndarray | None:
        assert self._x is not None, "backward needs a forward first"
        np.matmul(self._x.T, dz, out=self.gradients["W"])
        if self.use_bias:
            np.add.reduce(dz, axis=0, out=self.gradients["b"])
        if self.skip_input_grad:
            return None
        dx: np.ndarray = dz @ self.parameters["W"].T
        return dx

    def mult_adds(self) -> int:
        return self.input_shape[0] * self.units

    def describe(self) -> str:
        return f"Dense({self.units})"


def default_init(activation: str) -> str:
    """He for the ReLU family, Glorot otherwise: the usual defaults."""
    return "he" if activation in ("relu", "leaky_relu", "elu", "gelu", "swish") else "glorot"
