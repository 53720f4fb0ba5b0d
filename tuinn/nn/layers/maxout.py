"""Maxout: each unit is the maximum of k linear pieces (Goodfellow et al., 2013)."""

from __future__ import annotations

import numpy as np

from tuinn.nn.layers.base import Layer, Shape, ShapeError, positive_int


class Maxout(Layer):
    """y[:, u] = max_j (x @ W[:, u, j] + b[u, j]); W is (inputs, units, pieces)."""

    kind = "maxout"
    penalized = ("W",)

    def __init__(self, units: int, pieces: int = 2, init: str = "glorot", name: str | None = None) -> None:
        super().__init__(name)
        self.units, self.pieces = positive_int("units", units), positive_int("pieces", pieces)
        self.init = init
        self._x: np.ndarray | None = None
        self._winner: np.ndarray | None = None

    def configure(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise ShapeError(f"maxout needs a flat input but gets {input_shape}; add a flatten layer")
        self.input_shape = tuple(input_shape)
        self.output_shape = (self.units,)
        return self.output_shape

    def parameter_shapes(self) -> dict[str, Shape]:
        return {"W": (self.input_shape[0], self.units, self.pieces), "b": (self.units, self.pieces)}

    def weight_fans(self) -> tuple[int, int]:
        return self.input_shape[0], self.units

    def weight_init(self) -> str:
        return self.init

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        n_in, u, k = self.parameters["W"].shape
        z = (x @ self.parameters["W"].reshape(n_in, u * k)).reshape(-1, u, k)
        z += self.parameters["b"]
        self._x = x
        self._winner = z.argmax(axis=2)
        return np.take_along_axis(z, self._winner[..., None], axis=2)[..., 0]

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        assert self._x is not None and self._winner is not None, "backward needs a forward first"
        n_in, u, k = self.parameters["W"].shape
        dz = np.zeros((dy.shape[0], u, k), dtype=dy.dtype)
        np.put_along_axis(dz, self._winner[..., None], dy[..., None], axis=2)
        self.gradients["W"][...] = (self._x.T @ dz.reshape(-1, u * k)).reshape(n_in, u, k)
        np.add.reduce(dz, axis=0, out=self.gradients["b"])
        if self.skip_input_grad:
            return None
        dx: np.ndarray = dz.reshape(-1, u * k) @ self.parameters["W"].reshape(n_in, u * k).T
        return dx

    def mult_adds(self) -> int:
        return self.input_shape[0] * self.units * self.pieces

    def describe(self) -> str:
        return f"Maxout({self.units}×{self.pieces})"
