"""Network: a stack of layers built from a spec, with a loss, weights in one flat buffer.

The spec language (what a model table may say) is `tuinn.nn.spec`; the file format of
`save` and `load` is `tuinn.nn.network_file`.

Parameters are named ``"<layer>.<key>"`` (``"dense_1.W"``, ``"dense_1.b"``) in
layer order. All parameters are views into one contiguous buffer (`flat_params`)
and all gradients into another (`flat_grads`), so an element-wise optimizer can
update the whole network in one pass.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Self

import numpy as np

from tuinn.nn import step_plan
from tuinn.nn.activations import ACTIVATIONS
from tuinn.nn.arrays import Array, FloatArray
from tuinn.nn.fusion import training_path
from tuinn.nn.layers import ActivatedLayer, Layer
from tuinn.nn.network_file import copy_weights, open_network_file, read_description, write_network_file
from tuinn.nn.parallel import DataParallel, chunked, sum_buffer
from tuinn.nn.spec import (
    DTYPES,
    SpecError,
    SummaryRow,
    checked_input_shape,
    configure_layers,
    is_count,
    loss_named,
    parse_spec,
    summary_row,
)
from tuinn.nn.step_plan import StepPlan


class ArrayError(ValueError):
    """An input or target array the network cannot take; the message names the layer and both shapes."""


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
        spec: dict[str, Any] | None = None,
    ) -> None:
        self.layers = layers
        self.input_shape = checked_input_shape(input_shape)
        if not (is_count(seed) and seed >= 0):
            raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise SpecError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}") from None
        if self.dtype.name not in DTYPES:
            raise SpecError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype.name}")
        self.loss = loss_named(loss)
        self.l1, self.l2 = float(l1), float(l2)
        self.seed = int(seed)
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self._parallel: DataParallel | None = None
        #: on one thread: the chunk each batch size steps in (0: whole), by (batch, layers); where chunks are summed
        self._chunks: dict[tuple[int, int], int] = {}
        self._chunk_sums: dict[int, Array] = {}
        self._build()

    # --- construction ------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: Any, input_shape: Iterable[int], seed: int = 0, dtype: Any = np.float64) -> Self:
        """Build a network from a spec dict; raises SpecError naming the bad layer or key."""
        spec, layers, penalties = parse_spec(spec)
        return cls(layers, checked_input_shape(input_shape), spec["loss"], seed, dtype, spec=spec, **penalties)

    def _build(self) -> None:
        self.output_shape = configure_layers(self.layers, self.input_shape, self.loss)
        for layer in self.layers:  # in layer order: the seed's draws are the same as ever
            layer.allocate(self.rng, self.dtype)
        first_with_params = next((l for l in self.layers if l.parameters), None)
        if first_with_params is self.layers[0]:
            first_with_params.skip_input_grad = True
        last = self.layers[-1]
        #: the output layer when the loss takes its logits (the spec's check makes it an activated layer)
        self._fused_output = (
            last if self.loss.fused_activation is not None and isinstance(last, ActivatedLayer) else None
        )
        #: the hidden layers as training runs them (max-pooling before a commuting activation)
        self._path = training_path(self.layers[:-1])
        self._pack()

    def _pack(self) -> None:
        """Move every parameter and gradient into one flat buffer each, as views."""
        total = sum(p.size for layer in self.layers for p in layer.parameters.values())
        self.flat_params = np.zeros(total, dtype=self.dtype)
        self.flat_grads = np.zeros(total, dtype=self.dtype)
        self.params: dict[str, FloatArray] = {}
        self.grads: dict[str, FloatArray] = {}
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
    def forward(self, x: Array, training: bool = False) -> Array:
        """The network's output for a batch (probabilities for classification losses); ArrayError if
        `x` is not (N, *input_shape) real numbers with N >= 1."""
        self._check_inputs(x)
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    predict = forward

    def backward(self, dout: Array) -> None:
        """Back-propagate dLoss/d(output) through every layer, filling the gradients."""
        d: Array | None = dout
        for layer in reversed(self.layers):
            assert d is not None, "only the first layer may skip its input gradient"
            d = layer.backward(d)

    def set_threads(self, threads: int) -> None:
        """Run training steps on up to `threads` cores: split over worker threads, or with BLAS threads.

        Which of the two (or neither) is measured per network shape (see tuinn.nn.step_plan).
        Keep BLAS at one thread around training (threadpoolctl's ``threadpool_limits(1)``):
        a step raises it only while it runs whole.
        """
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._parallel = DataParallel(self, threads) if threads > 1 else None

    @property
    def threads(self) -> int:
        """The most threads (workers or BLAS) a training step uses."""
        return 1 if self._parallel is None else self._parallel.threads

    def loss_and_grads(self, x: Array, y: Array) -> tuple[float, dict[str, FloatArray]]:
        """Loss of the batch (with penalties) and the gradient of every parameter by name."""
        self._check_targets(x, y)
        parallel = self._parallel
        if parallel is not None:
            loss = parallel.loss_and_grads(x, y)
        else:
            loss = self._one_thread(x, y)
        if self.l1 or self.l2:
            loss += self._add_penalties()
        return loss, self.grads

    def plan(self, batch: int) -> StepPlan:
        """How a training step on a batch of `batch` samples runs (`tuinn.nn.step_plan`): for a report."""
        if self._parallel is not None:
            return self._parallel.plan(batch)
        return step_plan.one_thread_plan(self.layers, batch, self.dtype.itemsize)

    def _one_thread(self, x: Array, y: Array) -> float:
        """The batch's loss and gradients on one thread: whole, or in chunks where the rule says (found once a batch size)."""
        key = (len(x), len(self.layers))
        chunk = self._chunks.get(key)
        if chunk is None:
            chunk = self._chunks[key] = step_plan.one_thread_plan(self.layers, len(x), self.dtype.itemsize).chunk
        if not chunk:
            return self.shard_loss_and_grads(x, y)
        return chunked(self, x, y, 1.0, chunk, sum_buffer(self._chunk_sums, self.flat_grads))

    def shard_loss_and_grads(self, x: Array, y: Array, share: float = 1.0) -> float:
        """`share` times the loss of (part of) a batch; its gradients, times `share`, fill `flat_grads`.

        No penalties. `share` is the part's fraction of the whole batch, so that the
        parts' gradients add up to the batch's.
        """
        last = self.layers[-1]
        h = x
        d: Any  # an input gradient; None only after the first layer (which is never backed through)
        for layer in self._path:
            h = layer.forward(h, True)
        fused = self._fused_output
        if fused is not None:
            # the loss takes the logits; its gradient is with respect to them
            loss, dz = self.loss.value_and_grad(fused.forward(h, True, skip_activation=True), y)
            if share != 1.0:
                dz *= share
            d = fused.linear_backward(dz)
        else:
            loss, dout = self.loss.value_and_grad(last.forward(h, True), y)
            if share != 1.0:
                dout *= share
            d = last.backward(dout)
        for layer in reversed(self._path):
            d = layer.backward(d)
        return loss * share

    def _check_inputs(self, x: Array) -> None:
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

    def _check_targets(self, x: Array, y: Array) -> None:
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

    def evaluate(self, x: Array, y: Array) -> tuple[float, Array]:
        """Loss (without penalties) and output on a batch, with no training behaviour."""
        self._check_targets(x, y)
        out = self.forward(x, training=False)
        if self._fused_output is not None:
            return self.loss.fn(self._fused_output.preactivation, y), out
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

    def views_of(self, flat: Array) -> dict[str, Array]:
        """`flat`, an array laid out as `flat_params`, cut into views named and shaped as `params`."""
        views, offset = {}, 0
        for name, p in self.params.items():  # in the order _pack laid them out
            views[name] = flat[offset : offset + p.size].reshape(p.shape)
            offset += p.size
        return views

    def weight_grad_norms(self) -> dict[str, float]:
        """L2 norm of each layer's weight gradient, by layer name, input to output."""
        return {l.name: float(np.linalg.norm(l.gradients["W"])) for l in self.layers if "W" in l.gradients}

    # --- persistence -----------------------------------------------------------------
    def current_spec(self) -> dict[str, Any]:
        """The spec with each layer's activation as it is now (after any switch)."""
        spec: dict[str, Any] = json.loads(json.dumps(self.spec))
        for layer_spec, layer in zip(spec["layers"], self.layers):
            if layer.activation is not None:
                layer_spec["activation"] = layer.activation
        return spec

    def save(self, path: str | os.PathLike[str], extra: dict[str, Array] | None = None) -> Path:
        """Write spec and weights to `path` (.npz, see network_file) through a temporary file and a rename.

        `extra` arrays are stored beside them (a checkpoint's training state); `load` ignores them.
        """
        if self.spec is None:
            raise ValueError("only a network built from a spec can be saved")
        description = {
            "spec": self.current_spec(),
            "input_shape": list(self.input_shape),
            "dtype": self.dtype.name,
            "seed": self.seed,
        }
        return write_network_file(path, description, self.params, extra)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Rebuild a network saved with `save` (never unpickles); ValueError if it is not one."""
        with open_network_file(path) as f:
            meta = read_description(f, path)
            net = cls.from_spec(meta["spec"], meta["input_shape"], meta["seed"], meta["dtype"])
            copy_weights(f, net.params, str(path))
        return net

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Copy weights and activations saved with `save` into this network; the layers must match."""
        with open_network_file(path) as f:
            saved = read_description(f, path)["spec"]["layers"]
            kinds = [layer.get("type") for layer in saved]
            if kinds != [layer.kind for layer in self.layers]:
                raise ValueError(
                    f"{path}: saved from a network of layers {kinds}, not {[layer.kind for layer in self.layers]}"
                )
            copy_weights(f, self.params, str(path))
        for layer, layer_spec in zip(self.layers, saved):
            if isinstance(layer, ActivatedLayer) and "activation" in layer_spec:
                layer.set_activation(layer_spec["activation"])

    def replica(self, parameters: Array | None = None) -> Network:
        """A network with these layers and activations whose parameters are this network's own arrays.

        It has its own buffers and gradients (same names, shapes and flat offsets as these):
        what a data-parallel worker computes a shard on. Given `parameters` (laid out as
        `flat_params`: a shared memory copy a worker process reads), its parameters are views of it.
        """
        if self.spec is None:
            raise ValueError("only a network built from a spec can be replicated")
        copy = Network.from_spec(self.current_spec(), self.input_shape, seed=self.seed, dtype=self.dtype)
        shapes = [(name, p.shape) for name, p in self.params.items()]
        if [(name, p.shape) for name, p in copy.params.items()] != shapes:
            raise ValueError("the network's layers no longer match its spec")
        if parameters is not None:
            copy.flat_params, copy.params = parameters, copy.views_of(parameters)
            for layer in copy.layers:
                layer.parameters.update({key: copy.params[f"{layer.name}.{key}"] for key in layer.parameters})
            return copy
        for mine, theirs in zip(copy.layers, self.layers):
            mine.parameters.update(theirs.parameters)
        copy.params = self.params
        copy.flat_params = self.flat_params
        return copy
