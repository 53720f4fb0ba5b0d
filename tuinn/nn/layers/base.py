"""The Layer interface every layer implements, and the activation handling they share."""

from __future__ import annotations

import math

import numpy as np

from tuinn.nn.activations import get_activation
from tuinn.nn.initializers import initialize

Shape = tuple[int, ...]


class ShapeError(ValueError):
    """A layer cannot be built on the shape it is given; the message says what would fit."""


def positive_int(name: str, value: object) -> int:
    """Return `value` if it is an int >= 1 (not a bool); otherwise ValueError naming `name`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class Layer:
    """One layer: `parameters` and `gradients` dicts with the same keys, forward and backward.

    Shapes are per sample (no batch axis): `(features,)` for vectors, `(H, W, C)`
    for images. `build` is `configure` (check the input shape, fix the output shape;
    allocates nothing, so a network can be planned from shapes alone) and then
    `allocate` (the arrays of `parameter_shapes`, weights drawn from the seeded
    Generator, the rest zeros).
    """

    kind = "layer"
    #: the keys of `parameters` that carry L1/L2 penalties (weights, not biases)
    penalized: tuple[str, ...] = ()

    def __init__(self, name: str | None = None) -> None:
        self.name = name or ""
        self.parameters: dict[str, np.ndarray] = {}
        self.gradients: dict[str, np.ndarray] = {}
        self.input_shape: Shape = ()
        self.output_shape: Shape = ()
        #: set by the network on its first layer: backward need not compute dx
        self.skip_input_grad = False

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: np.dtype) -> Shape:
        """Fix the input shape, create parameters, and return the output shape."""
        self.configure(input_shape)
        self.allocate(rng, dtype)
        return self.output_shape

    def configure(self, input_shape: Shape) -> Shape:
        """Check `input_shape` (ShapeError if it does not fit), fix both shapes; allocates nothing."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.input_shape
        return self.output_shape

    def parameter_shapes(self) -> dict[str, Shape]:
        """The shape of each parameter `allocate` creates, by key (once configured)."""
        return {}

    def weight_fans(self) -> tuple[int, int]:
        """(fan_in, fan_out) of the weights "W", for the initialiser."""
        raise NotImplementedError

    def weight_init(self) -> str:
        """The initialiser that draws the weights "W"."""
        return "glorot"

    def allocate(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        """Create the parameters of `parameter_shapes` ("W" drawn, others zero) and their gradients."""
        for key, shape in self.parameter_shapes().items():
            if key == "W":
                fan_in, fan_out = self.weight_fans()
                self.parameters[key] = initialize(self.weight_init(), rng, shape, fan_in, fan_out, dtype)
            else:
                self.parameters[key] = np.zeros(shape, dtype=dtype)
            self.gradients[key] = np.zeros_like(self.parameters[key])

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Map a batch `x` of shape (N, *input_shape) to (N, *output_shape)."""
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        """Given dLoss/d(output), fill `gradients` and return dLoss/d(input)."""
        raise NotImplementedError

    # --- summary ---------------------------------------------------------------
    @property
    def activation(self) -> str | None:
        return None

    @property
    def neurons(self) -> int:
        """Units this layer outputs per sample: H*W*C for images."""
        return math.prod(self.output_shape)

    @property
    def parameter_count(self) -> int:
        """Parameters of this layer, counted from their shapes (allocated or not)."""
        return sum(math.prod(shape) for shape in self.parameter_shapes().values())

    def mult_adds(self) -> int:
        """Multiply-adds per sample in the forward pass."""
        return 0

    def dense_equivalent(self) -> int | None:
        """Parameters a dense layer producing the same neurons from the same input would need."""
        return None

    def describe(self) -> str:
        """The layer's type and size in a few characters, e.g. 'Dense(4)'."""
        return type(self).__name__


class ActivatedLayer(Layer):
    """A layer computing z = linear(x) then a = activation(z); the activation can be switched."""

    def __init__(self, activation: str = "linear", name: str | None = None) -> None:
        super().__init__(name)
        self._act = get_activation(activation)
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None
        self._x: np.ndarray | None = None
        #: whether the last forward was a training pass (whose buffers a layer may reuse)
        self._training = False

    @property
    def activation(self) -> str:
        return self._act.name

    def set_activation(self, name: str) -> None:
        """Switch the activation; the weights are untouched."""
        self._act = get_activation(name)

    def linear_forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def linear_backward(self, dz: np.ndarray) -> np.ndarray | None:
        """Given dLoss/dz, fill `gradients` and return dLoss/dx."""
        raise NotImplementedError

    def forward(self, x: np.ndarray, training: bool = False, skip_activation: bool = False) -> np.ndarray:
        self._x, self._training = x, training
        z = self.linear_forward(x)
        self._z = z
        if skip_activation:
            self._a = None
            return z
        a = self._act.fn(z)
        self._a = a
        return a

    @property
    def output(self) -> np.ndarray | None:
        """a of the last forward pass (None when that pass stopped at z)."""
        return self._a

    @property
    def preactivation(self) -> np.ndarray:
        """z of the last forward pass (the logits, on an output layer)."""
        assert self._z is not None, "forward has not run"
        return self._z

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        if self._act.name == "linear":
            dz = dy
        else:
            assert self._z is not None and self._a is not None, "backward needs a forward first"
            dz = self._act.grad(self._z, self._a)  # a new array: multiplied in place
            np.multiply(dz, dy, out=dz)
        return self.linear_backward(dz)
