"""The spec language: parse and check a model table, configure its layers, and describe them as summary rows.

A spec is the same structure as a preset's ``[model]`` table::

    {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                {"type": "dense", "units": 1, "activation": "sigmoid"}],
     "loss": "binary_cross_entropy", "l1": 0.0, "l2": 0.0}

Nothing here allocates weights: `Network.from_spec` and `plan.plan_network` both read a
spec through `parse_spec` and `configure_layers`, so they refuse the same specs with the
same messages.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuinn.nn.initializers import get_initializer
from tuinn.nn.layers import LAYERS, Layer, ShapeError
from tuinn.nn.losses import Loss, get_loss

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


def parse_spec(spec: Any) -> tuple[dict[str, Any], list[Layer], dict[str, float]]:
    """A private JSON-clean copy of `spec`, its layers (not yet configured) and its penalties.

    Raises SpecError naming the bad key or layer.
    """
    if not isinstance(spec, dict):
        raise SpecError(f"a model spec is a dict with 'layers' and 'loss', got {type(spec).__name__} {spec!r:.60}")
    try:
        clean: dict[str, Any] = json.loads(json.dumps(spec, default=_plain))
    except (TypeError, ValueError) as e:  # a value of a kind no spec holds, or a circular spec
        raise SpecError(f"the spec holds a value that is not a number, string, bool, list or dict: {e}") from None
    unknown = set(clean) - {"layers", "loss", "l1", "l2"}
    if unknown:
        raise SpecError(f"unknown model key {sorted(unknown)[0]!r}")
    if "loss" not in clean:
        raise SpecError("the model needs a 'loss'")
    layer_specs = clean.get("layers")
    if not isinstance(layer_specs, list) or not layer_specs:
        raise SpecError("the model needs a non-empty 'layers' list")
    layers = [make_layer(i, s) for i, s in enumerate(layer_specs, start=1)]
    penalties = {key: _penalty(clean, key) for key in ("l1", "l2")}
    loss_named(clean["loss"])
    return clean, layers, penalties


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


def loss_named(name: Any) -> Loss:
    """The loss called `name`; SpecError naming the choices otherwise."""
    try:
        return get_loss(name)
    except KeyError as e:
        raise SpecError(e.args[0]) from None


def checked_input_shape(shape: Any) -> tuple[int, ...]:
    """The per-sample input shape as a tuple of positive ints; SpecError otherwise."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if not dims or not all(is_count(d) and d > 0 for d in dims):
        raise SpecError(f"input_shape must be a tuple of positive integers such as (2,) or (28, 28, 1), got {shape!r}")
    return tuple(int(d) for d in dims)


def is_count(value: Any) -> bool:
    """A whole number: an int or a NumPy integer (not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


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


def _plain(value: Any) -> Any:
    """NumPy scalars in a spec as Python numbers (json.dumps' fallback); TypeError for anything else."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(f"{type(value).__name__} {value!r:.40}")


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


def _penalty(spec: dict[str, Any], key: str) -> float:
    """The model's `key` penalty (l1 or l2) as a float >= 0; SpecError names the key."""
    value = spec.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise SpecError(f"model key {key!r} must be a number >= 0, got {value!r}")
    return float(value)


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
        return is_count(value)
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
