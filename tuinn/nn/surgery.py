"""Network surgery for the lab: change a network's shape and keep every weight that still fits.

Each operation returns a `Surgery`: the new network and, for each of its parameters
that inherits values from the old one, a `Kept` record saying which part came from
where, so a caller can carry other per-parameter arrays along (an optimizer's
momentum, Adam's moments) with `carry`.

- `resize_layer`: a dense layer's units or a conv layer's filters. Growing keeps the
  old units and adds new ones whose outgoing weights are zero, so the network computes
  the same function (as in Net2Net); shrinking drops the units with the smallest
  outgoing weight norm.
- `insert_layer`: a dense layer as close to the identity as its activation allows
  (exactly the identity for linear, and for the ReLU family on non-negative inputs).
- `remove_layer`: a hidden dense layer, folded linearly into the next one.
- `add_input` / `remove_input`: an input feature of the first (dense) layer; a new
  input's weights start at zero, so the outputs do not change.

Layers are addressed by their index in `network.layers` (0-based).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tuinn.nn.activations import get_activation
from tuinn.nn.layers import Layer
from tuinn.nn.network import Network
from tuinn.nn.spec import SpecError

RESIZABLE = {"dense": ("units", 1), "conv2d": ("filters", 3)}  # kind -> (spec key, output axis of W)
INPUT_AXIS = {"dense": 0, "maxout": 0, "conv2d": 2}  # kind -> the axis of W its inputs run along
PASS_THROUGH = ("dropout", "flatten", "maxpool2d", "avgpool2d")  # layers that keep channels as they are
SLOPE_AT = 1e-12  # where the slope of an activation "just above 0" is taken


@dataclass(frozen=True)
class Kept:
    """Which part of a new parameter came from an old one.

    With `axis` None the whole array is the old `source`; otherwise
    ``new.take(new_index, axis) == old.take(old_index, axis)``.
    """

    source: str
    axis: int | None = None
    old_index: np.ndarray | None = None
    new_index: np.ndarray | None = None


@dataclass(frozen=True)
class Surgery:
    """The result of one operation: the new network and what each of its parameters kept."""

    network: Network
    kept: dict[str, Kept]
    description: str


def _spec_of(net: Network) -> dict[str, Any]:
    if net.spec is None:
        raise SpecError("only a network built from a spec can be changed")
    spec = net.current_spec()
    spec["l1"], spec["l2"] = net.l1, net.l2
    return spec


def _build(old: Network, spec: dict[str, Any], input_shape: tuple[int, ...] | None = None) -> Network:
    return Network.from_spec(spec, input_shape or old.input_shape, seed=old.seed, dtype=old.dtype)


def _keep_whole(old: Network, new: Network, pairs: list[tuple[int, int]], kept: dict[str, Kept]) -> None:
    """Copy every parameter of old layer i to new layer j for each (i, j)."""
    for i, j in pairs:
        lo, ln = old.layers[i], new.layers[j]
        for key, p in lo.parameters.items():
            ln.parameters[key][...] = p
            kept[f"{ln.name}.{key}"] = Kept(f"{lo.name}.{key}")


def _put(new: np.ndarray, old: np.ndarray, axis: int, new_index: np.ndarray, old_index: np.ndarray) -> None:
    where: list[slice | np.ndarray] = [slice(None)] * new.ndim
    where[axis] = new_index
    new[tuple(where)] = np.take(old, old_index, axis=axis)


def _next_weighted(net: Network, index: int) -> int | None:
    """The index of the first layer after `index` with weights, if only channel-keeping layers lie between."""
    for j in range(index + 1, len(net.layers)):
        layer = net.layers[j]
        if "W" in layer.parameters:
            return j
        if layer.kind not in PASS_THROUGH:
            return None
    return None


def _outgoing_norms(layer: Layer, channels: int) -> np.ndarray:
    """The norm of the weights leaving each of `channels` channels into `layer`."""
    w = np.moveaxis(layer.parameters["W"], INPUT_AXIS[layer.kind], 0)
    rows = np.sqrt((w.reshape(w.shape[0], -1) ** 2).sum(axis=1))
    return np.bincount(np.arange(len(rows)) % channels, weights=rows, minlength=channels)


def resize_layer(net: Network, index: int, size: int) -> Surgery:
    """Give layer `index` (dense: units, conv2d: filters) `size` units, keeping what fits.

    Raises SpecError when the layer cannot be resized or the new shape does not fit.
    """
    layer = net.layers[index]
    if layer.kind not in RESIZABLE:
        raise SpecError(
            f"layer {index + 1} ({layer.name}) is a {layer.kind} layer: only dense units and conv2d filters can change"
        )
    key, out_axis = RESIZABLE[layer.kind]
    old_size = getattr(layer, key)
    spec = _spec_of(net)
    spec["layers"][index][key] = size
    new = _build(net, spec)
    # which old unit each new unit is (-1: a new one)
    if size >= old_size:
        source = np.concatenate([np.arange(old_size), np.full(size - old_size, -1)])
    elif (following := _next_weighted(net, index)) is None:
        source = np.arange(size)
    else:
        norms = _outgoing_norms(net.layers[following], old_size)
        source = np.sort(np.argsort(-norms, kind="stable")[:size])
    nxt = _next_weighted(net, index)
    kept: dict[str, Kept] = {}
    _keep_whole(net, new, [(i, i) for i in range(len(net.layers)) if i not in (index, nxt)], kept)
    old_units = np.flatnonzero(source >= 0)
    ln = new.layers[index]
    for k, axis in (("W", out_axis), ("b", 0)):  # new units: fresh incoming weights, zero bias
        if k in layer.parameters:
            _put(ln.parameters[k], layer.parameters[k], axis, old_units, source[old_units])
            kept[f"{ln.name}.{k}"] = Kept(f"{layer.name}.{k}", axis, source[old_units], old_units)
    if nxt is not None:
        lo, lnx = net.layers[nxt], new.layers[nxt]
        axis = INPUT_AXIS[lo.kind]
        rows = lnx.parameters["W"].shape[axis]
        channel, place = np.arange(rows) % size, np.arange(rows) // size
        inherited = np.flatnonzero(source[channel] >= 0)
        old_rows = place[inherited] * old_size + source[channel[inherited]]
        lnx.parameters["W"][...] = 0.0  # a new unit's outgoing weights start at zero
        _put(lnx.parameters["W"], lo.parameters["W"], axis, inherited, old_rows)
        kept[f"{lnx.name}.W"] = Kept(f"{lo.name}.W", axis, old_rows, inherited)
        for k in lo.parameters:
            if k != "W":
                lnx.parameters[k][...] = lo.parameters[k]
                kept[f"{lnx.name}.{k}"] = Kept(f"{lo.name}.{k}")
    return Surgery(new, kept, f"{key} {layer.name} {old_size} -> {size}")


def activation_slope(name: str) -> tuple[float, float]:
    """(f(0), f'(0+)) of an activation: how to make it pass x through."""
    act = get_activation(name)
    z = np.full(1, SLOPE_AT)
    return float(act.fn(np.zeros(1))[0]), float(act.grad(z, act.fn(z))[0])


def insert_layer(net: Network, index: int, activation: str) -> Surgery:
    """Insert a dense layer before layer `index`, as wide as its input, close to the identity.

    Its weights are I / f'(0+) and the next layer's bias absorbs f(0), so a linear layer
    (and a ReLU-like one on non-negative inputs) changes nothing; a tanh or sigmoid layer
    changes the function only by its curvature.
    """
    if not 0 <= index < len(net.layers):
        raise SpecError(f"a layer can be inserted before layers 1..{len(net.layers)}, not {index + 1}")
    shape = net.input_shape if index == 0 else net.layers[index - 1].output_shape
    if len(shape) != 1:
        raise SpecError(
            f"a dense layer needs a flat input, but the output of layer {index} is {'×'.join(map(str, shape))}"
        )
    width = shape[0]
    spec = _spec_of(net)
    spec["layers"].insert(index, {"type": "dense", "units": width, "activation": activation})
    new = _build(net, spec)
    kept: dict[str, Kept] = {}
    _keep_whole(net, new, [(i, i + (i >= index)) for i in range(len(net.layers))], kept)
    zero, slope = activation_slope(activation)
    slope = slope if abs(slope) > 1e-6 else 1.0
    inserted = new.layers[index]
    inserted.parameters["W"][...] = np.eye(width) / slope
    inserted.parameters["b"][...] = 0.0
    nxt = _next_weighted(new, index)
    if zero and nxt is not None and "b" in new.layers[nxt].parameters:
        params = new.layers[nxt].parameters  # dense or maxout: inputs along axis 0 of W
        params["b"] -= zero * params["W"].sum(axis=0)
    return Surgery(new, kept, f"added {inserted.name} ({width} {activation} units)")


def remove_layer(net: Network, index: int) -> Surgery:
    """Remove hidden dense layer `index`, folding its weights linearly into the next dense layer."""
    layer = net.layers[index]
    if index == len(net.layers) - 1:
        raise SpecError("the output layer cannot be removed")
    nxt = _next_weighted(net, index)
    if layer.kind != "dense" or nxt is None or net.layers[nxt].kind != "dense":
        raise SpecError(
            f"layer {index + 1} ({layer.name}): only a dense layer followed by a dense layer can be removed"
        )
    spec = _spec_of(net)
    del spec["layers"][index]
    new = _build(net, spec)
    kept: dict[str, Kept] = {}
    _keep_whole(net, new, [(i, i - (i > index)) for i in range(len(net.layers)) if i not in (index, nxt)], kept)
    w1, w2 = layer.parameters["W"], net.layers[nxt].parameters["W"]
    folded = new.layers[nxt - 1]
    folded.parameters["W"][...] = w1 @ w2
    if "b" in folded.parameters:
        b1 = layer.parameters.get("b", np.zeros(w1.shape[1], w1.dtype))
        folded.parameters["b"][...] = b1 @ w2 + net.layers[nxt].parameters["b"]
    return Surgery(new, kept, f"removed {layer.name}")


def _first_dense(net: Network) -> int:
    for i, layer in enumerate(net.layers):
        if "W" in layer.parameters:
            if layer.kind not in ("dense", "maxout"):
                break
            return i
        if layer.kind != "dropout":
            break
    raise SpecError("inputs can be added or removed only when the first weighted layer is dense")


def _with_inputs(net: Network, position: int, grow: bool) -> Surgery:
    width = net.input_shape[0] if len(net.input_shape) == 1 else None
    if width is None:
        raise SpecError(f"inputs can be added or removed only on flat inputs, not {net.input_shape}")
    if not 0 <= position <= width - (not grow):
        raise SpecError(f"input position {position} is outside 0..{width - (not grow)}")
    if not grow and width == 1:
        raise SpecError("the network needs at least one input")
    first = _first_dense(net)
    new = _build(net, _spec_of(net), (width + 1 if grow else width - 1,))
    kept: dict[str, Kept] = {}
    _keep_whole(net, new, [(i, i) for i in range(len(net.layers)) if i != first], kept)
    lo, ln = net.layers[first], new.layers[first]
    rows = np.arange(width)
    if grow:
        old_rows, new_rows = rows, rows + (rows >= position)
    else:
        old_rows = rows[rows != position]
        new_rows = np.arange(width - 1)
    ln.parameters["W"][...] = 0.0
    _put(ln.parameters["W"], lo.parameters["W"], 0, new_rows, old_rows)
    kept[f"{ln.name}.W"] = Kept(f"{lo.name}.W", 0, old_rows, new_rows)
    for k in lo.parameters:
        if k != "W":
            ln.parameters[k][...] = lo.parameters[k]
            kept[f"{ln.name}.{k}"] = Kept(f"{lo.name}.{k}")
    verb = "added" if grow else "removed"
    return Surgery(new, kept, f"{verb} input {position + 1}")


def add_input(net: Network, position: int) -> Surgery:
    """Add an input at `position` (0-based) whose first-layer weights are zero: the outputs do not change."""
    return _with_inputs(net, position, grow=True)


def remove_input(net: Network, position: int) -> Surgery:
    """Remove input `position` (0-based) and its row of first-layer weights."""
    return _with_inputs(net, position, grow=False)


def _flat_views(net: Network, flat: np.ndarray) -> dict[str, np.ndarray]:
    """Views into `flat` (laid out like net.flat_params) by parameter name."""
    views, offset = {}, 0
    for name, p in net.params.items():
        views[name] = flat[offset : offset + p.size].reshape(p.shape)
        offset += p.size
    return views


def carry(old: Network, surgery: Surgery, flat: np.ndarray) -> np.ndarray:
    """An array laid out like the new network's flat parameters, holding `flat`'s values where kept, else 0.

    `flat` is laid out like the old network's flat parameters (an optimizer's state, say).
    """
    result = np.zeros(surgery.network.flat_params.size, dtype=flat.dtype)
    before, after = _flat_views(old, flat), _flat_views(surgery.network, result)
    for name, k in surgery.kept.items():
        if k.axis is None:
            after[name][...] = before[k.source]
        else:
            assert k.new_index is not None and k.old_index is not None  # recorded with every axis
            _put(after[name], before[k.source], k.axis, k.new_index, k.old_index)
    return result


def rebuild(net: Network, spec: dict[str, Any], input_shape: tuple[int, ...] | None = None) -> Surgery:
    """A network built from `spec` that keeps every parameter of `net` with the same name and shape."""
    new = _build(net, spec, input_shape)
    kept: dict[str, Kept] = {}
    for name, p in new.params.items():
        old = net.params.get(name)
        if old is not None and old.shape == p.shape:
            p[...] = old
            kept[name] = Kept(name)
    return Surgery(new, kept, "rebuilt the network, keeping the weights that fit")
