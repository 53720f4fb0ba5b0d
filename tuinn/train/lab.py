"""The lab's planner: an edit of a running experiment becomes a planned change, checked before anything changes.

A Plan holds the new RunConfig, the data (new or the same), the surgeries that turn the
running network into the new one keeping the weights that still fit, and the events that
say what changed. Planning is pure: it reads the run and returns a Plan, or raises
ConfigError (a SpecError from the engine) with the message the command line gives for that
key. The Trainer commits a Plan in one place.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuinn.config import ConfigError, RunConfig
from tuinn.config.settings import config_table, get_key, with_settings
from tuinn.data import Dataset
from tuinn.data.features import PLAIN
from tuinn.nn import Network, surgery
from tuinn.nn.activations import HIDDEN_ACTIVATIONS
from tuinn.nn.layers import Dense
from tuinn.nn.optimizers import OPTIMIZERS
from tuinn.nn.plan import plan_network
from tuinn.train import commands as cmd
from tuinn.train.schedule import Schedule
from tuinn.train.setup import check_output

LIVE_LAYER_KEYS = ("units", "filters", "activation", "rate", "init")  # changed without a rebuild
ON_RESET = ("seed", "train.dtype")  # settings that only a reset can apply
MAX_PARAMETERS = 20_000_000  # a lab edit may not grow the network past this (it is built at once, live)
UNSET = {"model.l1": 0, "model.l2": 0, "data.features": list(PLAIN), "data.noise": 0}  # a key's value when absent
_LAYER_KEY = re.compile(r"model\.layers\[(\d+)\]\.")
Settings = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Run:
    """What a plan starts from: the run's record, data and network, how data loads, and the next step's lr."""

    config: RunConfig
    dataset: Dataset
    network: Network
    load_dataset: Callable[[RunConfig], Dataset]
    lr: float  # the lr of the next step, as the schedule gives it
    schedule: Schedule
    position: tuple[int, int, int]  # (epoch, batch, steps per epoch) of the next step


@dataclass(frozen=True)
class Plan:
    """A change ready to commit: the new record, the data, the surgeries in order, and (kind, text) events."""

    config: RunConfig
    dataset: Dataset
    surgeries: tuple[surgery.Surgery, ...]
    events: tuple[tuple[str, str], ...]

    @property
    def network(self) -> Network | None:
        """The network after the surgeries (None: the running one, unchanged in shape)."""
        return self.surgeries[-1].network if self.surgeries else None


def plan_command(run: Run, c: cmd.Command) -> Plan | None:
    """The change a command makes to the run, resolved against its record (None: nothing to change)."""
    match c:
        case cmd.SetActivation() | cmd.CycleActivation():
            old = hidden_activation(run.config, run.network)
            if old is None:
                return None
            name = c.name if isinstance(c, cmd.SetActivation) else _cycled(HIDDEN_ACTIVATIONS, old, c.direction)
            event = ("activation", f"activation {old} -> {name}") if old != name else None
            return plan_settings(run, activation_settings(run.network, name), event)
        case cmd.SetOptimizer() | cmd.CycleOptimizer():
            old = run.config.train.optimizer
            name = c.name if isinstance(c, cmd.SetOptimizer) else _cycled(list(OPTIMIZERS), old, c.direction)
            event = ("optimizer", f"optimizer {old} -> {name}") if old != name else None
            return plan_settings(run, (("train.optimizer", name),), event)
        case cmd.SetLearningRate() | cmd.ScaleLearningRate():
            return plan_lr(run, c)
        case cmd.Edit(settings=settings):
            return plan_settings(run, settings)
        case cmd.ResizeLayer(index=index, delta=delta):
            return plan_settings(run, resize_settings(run.config, index, delta))
        case cmd.AddLayer(index=index, activation=activation):
            return plan_add_layer(run, index, activation)
        case cmd.RemoveLayer(index=index):
            return plan_remove_layer(run, index)
        case cmd.NewSample():
            draw = int(run.config.data.get("seed", 0)) + 1
            return plan_settings(run, (("data.seed", draw),), ("lab", f"new sample (data seed {draw})"))
    raise TypeError(f"not an edit: {c!r}")  # pragma: no cover - a programming error, not user input


def plan_lr(run: Run, c: cmd.SetLearningRate | cmd.ScaleLearningRate) -> Plan:
    """`+`/`-` or a set lr: the schedule, peak and floor, scaled from the next step on."""
    old, before = run.lr, run.schedule
    # (a cosine down to 0 ends at 0: then a set lr sets the peak)
    factor = c.factor if isinstance(c, cmd.ScaleLearningRate) else c.lr / (old or before.lr)
    after = before.scaled(factor)
    settings = run.config.train.schedule
    scheduled = settings.kind != "constant" or settings.warms_up
    scale = f" (schedule ×{after.lr / before.lr:.3g} from here)" if scheduled else ""
    config = dataclasses.replace(run.config, train=after.train_config(run.config.train))
    return plan_config(run, config, (("lr", f"lr {old:.4g} -> {after.lr_at(*run.position):.4g}{scale}"),))


def plan_settings(run: Run, settings: Settings, event: tuple[str, str] | None = None) -> Plan:
    """Preset keys set to values (as `--set` sets them); the events name each key that changed, or are `event`."""
    new = with_settings(run.config, settings)
    plan = plan_config(run, new, ())
    events = (event,) if event else _setting_events(run.config, settings, plan.network or run.network)
    return Plan(plan.config, plan.dataset, plan.surgeries, events)


def plan_config(run: Run, new: RunConfig, events: tuple[tuple[str, str], ...]) -> Plan:
    """The run turned into `new`: data reloaded if it changed, then the surgeries the model needs."""
    old = run.config
    _check_size(old, new, run.network)
    dataset, net = run.dataset, run.network
    steps: list[surgery.Surgery] = []
    if new.data != old.data:
        dataset = run.load_dataset(new)
        if dataset.input_shape != net.input_shape:
            steps += _input_surgeries(net, run.dataset, dataset, new)
            net = steps[-1].network
    steps += _model_surgeries(net, old.model, new.model, dataset.input_shape)
    check_output(new, dataset, steps[-1].network if steps else net)
    return Plan(new, dataset, tuple(steps), events)


def plan_add_layer(run: Run, index: int, activation: str) -> Plan:
    """A dense layer inserted before layer `index`, as close to the identity as `activation` allows."""
    _check_hidden(run.network, index, insert=True)
    s = surgery.insert_layer(run.network, index, activation)
    inserted = s.network.layers[index]
    assert isinstance(inserted, Dense)
    layers = [dict(spec) for spec in run.config.model["layers"]]
    layers.insert(index, {"type": "dense", "units": inserted.units, "activation": activation})
    new = with_settings(run.config, [("model.layers", layers)])
    return Plan(new, run.dataset, (s,), (("lab", s.description),))


def plan_remove_layer(run: Run, index: int) -> Plan:
    """Hidden layer `index` removed, its weights folded into the next layer."""
    _check_hidden(run.network, index, insert=False)
    s = surgery.remove_layer(run.network, index)
    layers = [dict(spec) for spec in run.config.model["layers"]]
    del layers[index]
    new = with_settings(run.config, [("model.layers", layers)])
    return Plan(new, run.dataset, (s,), (("lab", f"removed layer {run.network.layers[index].name}"),))


def hidden_activation(config: RunConfig, network: Network) -> str | None:
    """The activation of the first hidden layer, as the record names it (None: no hidden layer)."""
    hidden = network.hidden_layers
    if not hidden:
        return None
    index = network.layers.index(hidden[0])
    return str(config.model["layers"][index].get("activation", hidden[0].activation))


def activation_settings(network: Network, name: str) -> Settings:
    """Every hidden layer's activation set to `name` (what `a` and SetActivation change)."""
    return tuple((f"model.layers[{network.layers.index(l)}].activation", name) for l in network.hidden_layers)


def resize_settings(config: RunConfig, index: int, delta: int) -> Settings:
    """Layer `index` given `delta` more units (or filters) than the record says it has."""
    layers = config.model["layers"]
    if not 0 <= index < len(layers) - 1:
        raise ConfigError(f"model.layers[{index}]: a hidden layer is one of model.layers[0] to [{len(layers) - 2}]")
    key = "filters" if layers[index].get("type") == "conv2d" else "units"
    if key not in layers[index]:
        raise ConfigError(f"model.layers[{index}]: a {layers[index].get('type')} layer has no {key} to change")
    return ((f"model.layers[{index}].{key}", int(layers[index][key]) + delta),)


def carry(state: dict[str, np.ndarray], network: Network, surgeries: Sequence[surgery.Surgery]) -> Network:
    """The network after the surgeries, the optimizer's `state` slots carried through each (in place)."""
    for s in surgeries:
        for slot, values in state.items():
            state[slot] = surgery.carry(network, s, values)
        network = s.network
    return network


def kept_columns(
    surgeries: Sequence[surgery.Surgery], old_weighted: list[str], weighted: list[str]
) -> list[int | None]:
    """For each weighted layer after the surgeries, its column of the gradient history before them (None: new)."""
    origin = {name: name for name in old_weighted}
    for s in surgeries:
        moved = {}
        for new_name, k in s.kept.items():
            layer_new, layer_old = new_name.split(".")[0], k.source.split(".")[0]
            if new_name.endswith(".W") and layer_old in origin:
                moved[layer_new] = origin[layer_old]
        origin = moved
    return [old_weighted.index(origin[n]) if n in origin else None for n in weighted]


def _cycled(names: Sequence[str], current: str, direction: int) -> str:
    """The name `direction` steps from `current` in `names`, round the end (from the first if not listed)."""
    index = names.index(current) if current in names else -1
    return names[(index + direction) % len(names)]


def _check_size(old: RunConfig, new: RunConfig, network: Network) -> None:
    """Refuse a network too big to build live (the plan counts it without allocating)."""
    if new.data != old.data or new.model == old.model:
        return  # new data is checked when it loads; an unchanged model is the one running
    plan = plan_network(new.model, network.input_shape, dtype=new.train.dtype)
    if plan.parameters > MAX_PARAMETERS:
        raise ConfigError(
            f"{new.source}: [model] that network has {plan.parameters:,} parameters; "
            f"the lab changes networks of up to {MAX_PARAMETERS:,} while they train"
        )


def _model_surgeries(
    net: Network, old: dict[str, Any], new: dict[str, Any], input_shape: tuple[int, ...]
) -> list[surgery.Surgery]:
    """The surgeries that turn `net` (built from `old`) into one built from `new`, keeping weights."""
    old_layers, new_layers = old["layers"], new["layers"]
    live = (
        len(old_layers) == len(new_layers)
        and all(
            a.get("type") == b.get("type") and _changed(a, b) <= set(LIVE_LAYER_KEYS)
            for a, b in zip(old_layers, new_layers)
        )
        and _changed(old, new) <= {"layers", "l1", "l2"}
    )
    if not live:  # a change of kernel, loss, layer list, ...: keep what fits by name and shape
        return [surgery.rebuild(net, {**new, "layers": new_layers}, input_shape)]
    steps: list[surgery.Surgery] = []
    for i, (a, b) in enumerate(zip(old_layers, new_layers)):
        for key in ("units", "filters"):
            if a.get(key) != b.get(key) and key in b:
                steps.append(surgery.resize_layer(steps[-1].network if steps else net, i, b[key]))
    return steps


def _check_hidden(network: Network, index: int, insert: bool) -> None:
    last = len(network.layers) - 1
    if not 0 <= index <= last - (not insert):
        raise ConfigError(f"model.layers[{index}]: a hidden layer is one of model.layers[0] to [{last - 1}]")


def _input_surgeries(net: Network, old: Dataset, new: Dataset, config: RunConfig) -> list[surgery.Surgery]:
    """Add and remove first-layer inputs to go from `old`'s features to `new`'s; ConfigError if not features."""
    before = old.features or (PLAIN if old.input_shape == (2,) else None)
    after = new.features or (PLAIN if new.input_shape == (2,) else None)
    if before is None or after is None:
        shape = "×".join(map(str, new.input_shape))
        raise ConfigError(
            f"{config.source}: [data] the new data's samples are {shape}, the network takes "
            f"{'×'.join(map(str, net.input_shape))}: open a preset made for this data instead"
        )
    steps: list[surgery.Surgery] = []
    current = list(before)
    for name in before:
        if name not in after:
            steps.append(surgery.remove_input(steps[-1].network if steps else net, current.index(name)))
            current.remove(name)
    for position, name in enumerate(after):
        if name not in current:
            steps.append(surgery.add_input(steps[-1].network if steps else net, position))
            current.insert(position, name)
    return steps


def _setting_events(
    old: RunConfig, settings: Iterable[tuple[str, Any]], network: Network
) -> tuple[tuple[str, str], ...]:
    """One 'lab' event per key whose value changed: 'units dense_1 4 -> 8', '(on the next reset)' where it waits."""
    before = config_table(old)
    events = []
    for key, value in settings:
        was = get_key(before, key)
        was = UNSET.get(key, "default") if was is None else was
        if was != value:
            later = " (on the next reset)" if _on_reset(key) else ""
            events.append(("lab", f"{_short(key)} {_layer_name(network, key)}{_fmt(was)} -> {_fmt(value)}{later}"))
    return tuple(events)


def _changed(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    """The keys whose values differ between two tables (present in one only counts)."""
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def _layer_name(net: Network, key: str) -> str:
    """'dense_1 ' for a layer's key, '' otherwise: so events read 'units dense_1 4 -> 8'."""
    match = _LAYER_KEY.match(key)
    if match and int(match.group(1)) < len(net.layers):
        return net.layers[int(match.group(1))].name + " "
    return ""


def _on_reset(key: str) -> bool:
    return key in ON_RESET or key.endswith(".init")


def _short(key: str) -> str:
    """'data.noise' -> 'noise', 'model.layers[0].units' -> 'units': how events name a setting."""
    return key.rsplit(".", 1)[-1]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)
