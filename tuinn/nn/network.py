"""Network: a stack of layers built from a spec, with a loss, weights in one flat buffer.

A spec is the same structure as a preset's ``[model]`` table::

    {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                {"type": "dense", "units": 1, "activation": "sigmoid"}],
     "loss": "binary_cross_entropy", "l1": 0.0, "l2": 0.0}

Parameters are named ``"<layer>.<key>"`` (``"dense_1.W"``, ``"dense_1.b"``) in
layer order. All parameters are views into one contiguous buffer (`flat_params`)
and all gradients into another (`flat_grads`), so an element-wise optimizer can
update the whole network in one pass.
"""

from __future__ import annotations

import json
import math
import os
import types
import typing
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from tuinn.nn.activations import ACTIVATIONS
from tuinn.nn.atomic import write_atomically
from tuinn.nn.fusion import training_path
from tuinn.nn.initializers import get_initializer
from tuinn.nn.layers import LAYERS, ActivatedLayer, Layer, ShapeError
from tuinn.nn.losses import Loss, get_loss
from tuinn.nn.parallel import DataParallel

FORMAT_VERSION = 1
DTYPES = ("float32", "float64")  # the floating-point types a network computes in


class SpecError(ValueError):
    """A model spec that cannot be built; the message names the layer and key."""


@dataclass(frozen=True)
class SummaryRow:
    """One row of the architecture table (Keras `summary()` style)."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    neurons: int
    parameters: int
    activation: str | None
    mult_adds: int
    dense_equivalent: int | None


class Network:
    """A feed-forward network: layers, a loss, and named parameters in flat buffers."""

    def __init__(
        self,
        layers: list[Layer],
        input_shape: tuple[int, ...],
        loss: str,
        seed: int = 0,
        dtype: Any = np.float64,
        l1: float = 0.0,
        l2: float = 0.0,
        spec: dict | None = None,
    ) -> None:
        self.layers = layers
        self.input_shape = _input_shape(input_shape)
        if not (_is_count(seed) and seed >= 0):
            raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise SpecError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}") from None
        if self.dtype.name not in DTYPES:
            raise SpecError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype.name}")
        self.loss = _loss(loss)
        self.l1, self.l2 = float(l1), float(l2)
        self.seed = int(seed)
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self._parallel: DataParallel | None = None
        self._build()

    # --- construction ------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: dict, input_shape: Iterable[int], seed: int = 0, dtype: Any = np.float64) -> "Network":
        """Build a network from a spec dict; raises SpecError naming the bad layer or key."""
        spec, layers, penalties = parse_spec(spec)
        return cls(layers, _input_shape(input_shape), spec["loss"], seed, dtype, spec=spec, **penalties)

    def _build(self) -> None:
        self.output_shape = configure_layers(self.layers, self.input_shape, self.loss)
        for layer in self.layers:  # in layer order: the seed's draws are the same as ever
            layer.allocate(self.rng, self.dtype)
        first_with_params = next((l for l in self.layers if l.parameters), None)
        if first_with_params is self.layers[0]:
            first_with_params.skip_input_grad = True
        #: the hidden layers as training runs them (max-pooling before a commuting activation)
        self._path = training_path(self.layers[:-1])
        self._pack()

    def _pack(self) -> None:
        """Move every parameter and gradient into one flat buffer each, as views."""
        total = sum(p.size for layer in self.layers for p in layer.parameters.values())
        self.flat_params = np.zeros(total, dtype=self.dtype)
        self.flat_grads = np.zeros(total, dtype=self.dtype)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        offset = 0
        for layer in self.layers:
            for key, p in layer.parameters.items():
                view = self.flat_params[offset : offset + p.size].reshape(p.shape)
                view[...] = p
                gview = self.flat_grads[offset : offset + p.size].reshape(p.shape)
                layer.parameters[key] = view
                layer.gradients[key] = gview
                self.params[f"{layer.name}.{key}"] = view
                self.grads[f"{layer.name}.{key}"] = gview
                offset += p.size

    # --- computation ---------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """The network's output for a batch (probabilities for classification losses); ArrayError if
        `x` is not (N, *input_shape) real numbers with N >= 1."""
        self._check_inputs(x)
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    predict = forward

    def backward(self, dout: np.ndarray) -> None:
        """Back-propagate dLoss/d(output) through every layer, filling the gradients."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def set_threads(self, threads: int) -> None:
        """Split training steps over up to `threads` worker threads (see tuinn.nn.parallel).

        Keep BLAS at one thread meanwhile (threadpoolctl's ``threadpool_limits(1)``).
        """
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._parallel = DataParallel(self, threads) if threads > 1 else None

    @property
    def threads(self) -> int:
        """The most worker threads a training step uses."""
        return 1 if self._parallel is None else self._parallel.threads

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Loss of the batch (with penalties) and the gradient of every parameter by name."""
        self._check_targets(x, y)
        shards = 1 if self._parallel is None else self._parallel.shards(len(x))
        if shards > 1:
            loss = self._parallel.loss_and_grads(x, y, shards)
        else:
            loss = self.shard_loss_and_grads(x, y)
        if self.l1 or self.l2:
            loss += self._add_penalties()
        return loss, self.grads

    def shard_loss_and_grads(self, x: np.ndarray, y: np.ndarray, share: float = 1.0) -> float:
        """`share` times the loss of (part of) a batch; its gradients, times `share`, fill `flat_grads`.

        No penalties. `share` is the part's fraction of the whole batch, so that the
        parts' gradients add up to the batch's.
        """
        last = self.layers[-1]
        h = x
        for layer in self._path:
            h = layer.forward(h, True)
        if self.loss.fused_activation is not None:
            # the loss takes the logits; its gradient is with respect to them
            loss, dz = self.loss.value_and_grad(last.forward(h, True, skip_activation=True), y)
            if share != 1.0:
                dz *= share
            d = last.linear_backward(dz)
        else:
            loss, dout = self.loss.value_and_grad(last.forward(h, True), y)
            if share != 1.0:
                dout *= share
            d = last.backward(dout)
        for layer in reversed(self._path):
            d = layer.backward(d)
        return loss * share

    def _check_inputs(self, x: np.ndarray) -> None:
        """ArrayError unless `x` is a batch of (N, *input_shape) real numbers, N >= 1."""
        shape = getattr(x, "shape", None)
        first = self.layers[0]
        if shape is None or len(shape) == 0 or tuple(shape[1:]) != self.input_shape or shape[0] == 0:
            raise ArrayError(
                f"layer 1 ({first.name}) takes a batch of shape (N, {', '.join(map(str, self.input_shape))}) "
                f"with N >= 1, got {'an object without a shape' if shape is None else f'shape {tuple(shape)}'}"
            )
        if x.dtype.kind not in "fiub":
            raise ArrayError(f"layer 1 ({first.name}) takes real numbers, got an array of {x.dtype}")

    def _check_targets(self, x: np.ndarray, y: np.ndarray) -> None:
        """Refuse inputs of the wrong shape, and targets whose shape is not the output's (the losses would broadcast them)."""
        self._check_inputs(x)
        if getattr(y, "shape", None) != (len(x), *self.output_shape):
            raise ArrayError(
                f"targets have shape {getattr(y, 'shape', None)}, but the network's output for {len(x)} samples "
                f"has shape {(len(x), *self.output_shape)} (its output layer is {self.layers[-1].name})"
            )

    def _add_penalties(self) -> float:
        penalty = 0.0
        for layer in self.layers:
            for key in layer.penalized:
                w, g = layer.parameters[key], layer.gradients[key]
                if self.l2:
                    penalty += self.l2 * float(np.vdot(w, w))
                    g += (2.0 * self.l2) * w
                if self.l1:
                    penalty += self.l1 * float(np.abs(w).sum())
                    g += self.l1 * np.sign(w)
        return penalty

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss (without penalties) and output on a batch, with no training behaviour."""
        self._check_targets(x, y)
        out = self.forward(x, training=False)
        if self.loss.fused_activation is not None:
            return self.loss.fn(self.layers[-1].preactivation, y), out
        return self.loss.fn(out, y), out

    # --- inspection and steering ---------------------------------------------------
    @property
    def activated_layers(self) -> list[ActivatedLayer]:
        return [l for l in self.layers if isinstance(l, ActivatedLayer)]

    @property
    def hidden_layers(self) -> list[ActivatedLayer]:
        """Activated layers other than the output layer: what activation switches change."""
        return [l for l in self.activated_layers if l is not self.layers[-1]]

    def set_activation(self, name: str, layers: Iterable[str] | None = None) -> list[str]:
        """Switch the activation of the named layers (default: hidden layers); keeps weights.

        Returns the names of the layers changed. The output layer of a loss that includes
        its activation (cross-entropies, perceptron) cannot be switched.
        """
        if name not in ACTIVATIONS or name == "softmax":
            raise KeyError(f"unknown hidden activation {name!r}")
        if layers is None:
            targets = self.hidden_layers
        else:
            by_name = {l.name: l for l in self.activated_layers}
            missing = [n for n in layers if n not in by_name]
            if missing:
                raise KeyError(f"no activated layer called {missing[0]!r}")
            targets = [by_name[n] for n in layers]
        fused = self.loss.fused_activation
        if fused is not None and self.layers[-1] in targets and name != fused:
            raise ValueError(f"the output layer's {fused} is part of loss {self.loss.name}")
        for layer in targets:
            layer.set_activation(name)
        return [l.name for l in targets]

    def summary_rows(self) -> list[SummaryRow]:
        """One row per layer: type, output shape, neurons, parameters, activation, mult-adds."""
        return [summary_row(l) for l in self.layers]

    @property
    def parameter_count(self) -> int:
        return int(self.flat_params.size)

    def weight_grad_norms(self) -> dict[str, float]:
        """L2 norm of each layer's weight gradient, by layer name, input to output."""
        return {l.name: float(np.linalg.norm(l.gradients["W"])) for l in self.layers if "W" in l.gradients}

    # --- persistence -----------------------------------------------------------------
    def current_spec(self) -> dict:
        """The spec with each layer's activation as it is now (after any switch)."""
        spec = json.loads(json.dumps(self.spec))
        for layer_spec, layer in zip(spec["layers"], self.layers):
            if layer.activation is not None:
                layer_spec["activation"] = layer.activation
        return spec

    def save(self, path: str | os.PathLike, extra: dict[str, np.ndarray] | None = None) -> Path:
        """Write spec and weights to `path` (.npz) through a temporary file and a rename.

        `extra` arrays are stored beside them (a checkpoint's training state); `load` ignores them.
        """
        if self.spec is None:
            raise ValueError("only a network built from a spec can be saved")
        path = Path(path)
        meta = {
            "format": FORMAT_VERSION,
            "spec": self.current_spec(),
            "input_shape": list(self.input_shape),
            "dtype": self.dtype.name,
            "seed": self.seed,
        }
        arrays = {name: p for name, p in self.params.items()}
        arrays["__meta__"] = np.array(json.dumps(meta))
        arrays.update(extra or {})
        write_atomically(path, lambda f: np.savez(f, **arrays))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Network":
        """Rebuild a network saved with `save` (never unpickles); ValueError if it is not one."""
        with _open_archive(path) as f:
            meta = _read_meta(f, path)
            net = cls.from_spec(meta["spec"], meta["input_shape"], meta["seed"], meta["dtype"])
            net.load_weights_from(f, str(path))
        return net

    def load_weights(self, path: str | os.PathLike) -> None:
        """Copy weights and activations saved with `save` into this network; the layers must match."""
        with _open_archive(path) as f:
            saved = _read_meta(f, path)["spec"]["layers"]
            kinds = [layer.get("type") for layer in saved]
            if kinds != [layer.kind for layer in self.layers]:
                raise ValueError(
                    f"{path}: saved from a network of layers {kinds}, not {[layer.kind for layer in self.layers]}"
                )
            self.load_weights_from(f, str(path))
        for layer, layer_spec in zip(self.layers, saved):
            if isinstance(layer, ActivatedLayer) and "activation" in layer_spec:
                layer.set_activation(layer_spec["activation"])

    def load_weights_from(self, arrays: np.lib.npyio.NpzFile, source: str) -> None:
        """Copy every parameter from an open .npz archive; names and shapes must match."""
        for name, p in self.params.items():
            if name not in arrays.files:
                raise ValueError(f"{source}: no weights for parameter {name!r}")
            w = arrays[name]
            if w.shape != p.shape:
                raise ValueError(f"{source}: parameter {name!r} has shape {w.shape}, the network needs {p.shape}")
            if w.dtype.kind not in "fiu":
                raise ValueError(f"{source}: parameter {name!r} holds {w.dtype} values, not real numbers")
            with np.errstate(over="ignore", invalid="ignore"):
                p[...] = w
            if not np.isfinite(p).all():
                raise ValueError(
                    f"{source}: parameter {name!r} holds NaN or infinite values (or values too large for {self.dtype})"
                )


@contextmanager
def _open_archive(path: str | os.PathLike) -> Iterator[np.lib.npyio.NpzFile]:
    """Open an .npz without unpickling anything; ValueError for any other kind of file."""
    try:
        f = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile):
        # (NumPy's own message would suggest allow_pickle=True: never for files from elsewhere)
        raise ValueError(f"{path}: not a tuinn network file (not an .npz archive)") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: not a tuinn network file (a single array, not an .npz archive)")
    with f:
        yield f


def _read_meta(f: np.lib.npyio.NpzFile, path: str | os.PathLike) -> dict:
    """The spec, input shape, seed and dtype stored beside the weights; ValueError if missing."""
    try:
        meta = json.loads(str(f["__meta__"]))
        if not isinstance(meta, dict):
            raise ValueError("its description is not a table")
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {meta.get('format')!r}, this tuinn reads {FORMAT_VERSION}")
        missing = {"spec", "input_shape", "seed", "dtype"} - meta.keys()
        if missing:
            raise ValueError(f"incomplete description: missing {sorted(missing)}")
        _check_saved_spec(meta)
    except SpecError as e:
        raise ValueError(f"{path}: not a tuinn network file (its spec: {e})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: not a tuinn network file ({e})") from None
    return meta


def _check_saved_spec(meta: dict) -> None:
    """The saved description, checked as strictly as a preset: ValueError or SpecError naming the field."""
    spec, shape, dtype, seed = meta["spec"], meta["input_shape"], meta["dtype"], meta["seed"]
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        raise ValueError(f"spec.layers must be a list of layers, got {type(spec).__name__} {spec!r:.60}")
    if not (isinstance(shape, list) and shape and all(_is_count(d) and d > 0 for d in shape)):
        raise ValueError(f"input_shape must be a list of positive integers, got {shape!r:.60}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r:.60}")
    if not (_is_count(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r:.60}")
    spec, layers, _ = parse_spec(spec)
    configure_layers(layers, tuple(shape), _loss(spec["loss"]))


def _is_count(value: Any) -> bool:
    """A whole number: an int or a NumPy integer (not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _plain(value: Any) -> Any:
    """NumPy scalars in a spec as Python numbers (json.dumps' fallback); TypeError for anything else."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(f"{type(value).__name__} {value!r:.40}")


def _input_shape(shape: Any) -> tuple[int, ...]:
    """The per-sample input shape as a tuple of positive ints; SpecError otherwise."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if not dims or not all(_is_count(d) and d > 0 for d in dims):
        raise SpecError(f"input_shape must be a tuple of positive integers such as (2,) or (28, 28, 1), got {shape!r}")
    return tuple(int(d) for d in dims)


class ArrayError(ValueError):
    """An input or target array the network cannot take; the message names the layer and both shapes."""


def parse_spec(spec: dict) -> tuple[dict, list[Layer], dict[str, float]]:
    """A private JSON-clean copy of `spec`, its layers (not yet configured) and its penalties.

    Raises SpecError naming the bad key or layer.
    """
    if not isinstance(spec, dict):
        raise SpecError(f"a model spec is a dict with 'layers' and 'loss', got {type(spec).__name__} {spec!r:.60}")
    try:
        spec = json.loads(json.dumps(spec, default=_plain))
    except (TypeError, ValueError) as e:  # a value of a kind no spec holds, or a circular spec
        raise SpecError(f"the spec holds a value that is not a number, string, bool, list or dict: {e}") from None
    unknown = set(spec) - {"layers", "loss", "l1", "l2"}
    if unknown:
        raise SpecError(f"unknown model key {sorted(unknown)[0]!r}")
    if "loss" not in spec:
        raise SpecError("the model needs a 'loss'")
    layer_specs = spec.get("layers")
    if not isinstance(layer_specs, list) or not layer_specs:
        raise SpecError("the model needs a non-empty 'layers' list")
    layers = [make_layer(i, s) for i, s in enumerate(layer_specs, start=1)]
    penalties = {key: _penalty(spec, key) for key in ("l1", "l2")}
    _loss(spec["loss"])
    return spec, layers, penalties


def configure_layers(layers: list[Layer], input_shape: tuple[int, ...], loss: Loss) -> tuple[int, ...]:
    """Name the unnamed layers, fix every layer's shapes (allocating nothing); the output shape.

    Raises SpecError naming the layer whose input does not fit, whose initialiser is
    unknown, or whose activation does not go with `loss`.
    """
    if not layers:
        raise SpecError("a network needs at least one layer")
    counts: dict[str, int] = {}
    shape = tuple(int(d) for d in input_shape)
    for i, layer in enumerate(layers, start=1):
        if not layer.name:
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            layer.name = f"{layer.kind}_{counts[layer.kind]}"
        try:
            shape = layer.configure(shape)
            if "W" in layer.parameter_shapes():
                get_initializer(layer.weight_init())
        except (ShapeError, KeyError) as e:
            raise SpecError(f"layer {i} ({layer.kind}): {e.args[0]}") from None
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise SpecError(f"layer names repeat: {names}")
    _check_output(layers, loss)
    return shape


def summary_row(layer: Layer) -> SummaryRow:
    """The architecture-table row of a configured layer (built or only planned)."""
    return SummaryRow(
        name=layer.name,
        type=layer.describe(),
        output_shape=layer.output_shape,
        neurons=layer.neurons,
        parameters=layer.parameter_count,
        activation=layer.activation,
        mult_adds=layer.mult_adds(),
        dense_equivalent=layer.dense_equivalent(),
    )


def _check_output(layers: list[Layer], loss: Loss) -> None:
    """SpecError unless the output activation goes with the loss and softmax is only at the end."""
    last = layers[-1]
    fused = loss.fused_activation
    out_act = last.activation
    if fused is not None and out_act != fused:
        raise SpecError(
            f"layer {len(layers)} ({last.name}): loss {loss.name} needs "
            f"activation {fused} on the output layer, not {out_act}"
        )
    for i, layer in enumerate(layers[:-1], start=1):
        if layer.activation == "softmax":
            raise SpecError(f"layer {i} ({layer.name}): softmax is only allowed on the output layer")
    if out_act == "softmax" and fused != "softmax":
        raise SpecError(
            f"layer {len(layers)} ({last.name}): a softmax output needs loss softmax_cross_entropy, not {loss.name}"
        )


def _loss(name: Any) -> Loss:
    """The loss called `name`; SpecError naming the choices otherwise."""
    try:
        return get_loss(name)
    except KeyError as e:
        raise SpecError(e.args[0]) from None


def _penalty(spec: dict, key: str) -> float:
    """The model's `key` penalty (l1 or l2) as a float >= 0; SpecError names the key."""
    value = spec.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise SpecError(f"model key {key!r} must be a number >= 0, got {value!r}")
    return float(value)


def make_layer(index: int, spec: Any) -> Layer:
    """Build layer number `index` (1-based) from its spec dict; SpecError names what is wrong."""
    if not isinstance(spec, dict):
        raise SpecError(f"layer {index}: expected a table, got {spec!r}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in LAYERS:
        raise SpecError(f"layer {index}: unknown type {kind!r}; known: {', '.join(LAYERS)}")
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    hints = typing.get_type_hints(LAYERS[kind].__init__)
    for key, value in kwargs.items():
        if key in hints and not _fits(value, hints[key]):
            raise SpecError(f"layer {index} ({kind}): {key} must be {_describe(hints[key])}, got {value!r}")
    try:
        return LAYERS[kind](**kwargs)
    except TypeError as e:
        # an unknown or missing keyword: name it plainly
        msg = str(e).split("() ", 1)[-1]
        raise SpecError(f"layer {index} ({kind}): {msg}") from None
    except (ValueError, KeyError) as e:
        raise SpecError(f"layer {index} ({kind}): {e.args[0]}") from None


def _fits(value: Any, hint: Any) -> bool:
    """Whether a value read from TOML has the type a layer's constructor declares."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint))
    if origin in (list, tuple):
        (item, *_) = typing.get_args(hint) or (Any,)
        return isinstance(value, (list, tuple)) and all(_fits(v, item) for v in value)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return _is_count(value)
    if hint in (str, bool, type(None)):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    """'an integer or a list of integers', for messages."""
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", type(None): ""}
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(d for d in map(_describe, typing.get_args(hint)) if d)
    if origin in (list, tuple):
        return "a list of " + _describe(typing.get_args(hint)[0]).removeprefix("an ").removeprefix("a ") + "s"
    return names.get(hint, str(hint))
