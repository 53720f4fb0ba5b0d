"""The lab: edits to a running experiment (data, features, layers, units, penalties, training settings, preset).

The Trainer applies them between steps through `Lab.apply_lab`. Every edit keeps what it
does not have to throw away: the weights that still fit (by the engine's surgery) and
their optimizer state. An edit that cannot apply changes nothing and leaves its message
in `refused`, the same message the command line gives for that key.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np

from tuinn.config import ConfigError, RunConfig
from tuinn.config.settings import config_table, get_key, with_settings
from tuinn.data import Dataset
from tuinn.data.features import PLAIN
from tuinn.nn import Network, SpecError, surgery
from tuinn.nn.plan import plan_network
from tuinn.train import commands as cmd
from tuinn.train.schedule import Schedule

LAB_COMMANDS = (cmd.Edit, cmd.AddLayer, cmd.RemoveLayer, cmd.NewSample, cmd.OpenPreset)
LIVE_LAYER_KEYS = ("units", "filters", "activation", "rate", "init")  # changed without a rebuild
ON_RESET = ("seed", "train.dtype")  # settings that only a reset can apply
MAX_PARAMETERS = 20_000_000  # a lab edit may not grow the network past this (it is built at once, live)
UNSET = {"model.l1": 0, "model.l2": 0, "data.features": list(PLAIN), "data.noise": 0}  # a key's value when absent
_LAYER_KEY = re.compile(r"model\.layers\[(\d+)\]\.")


def _short(key: str) -> str:
    """'data.noise' -> 'noise', 'model.layers[0].units' -> 'units': how events name a setting."""
    return key.rsplit(".", 1)[-1]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


class Lab:
    """The Trainer's lab edits (a mixin: the Trainer holds the state it changes)."""

    threads: int = 1  # worker threads a training step uses (the Trainer's setting)
    refused: str | None = None  # why the last edit was refused (None: it applied)
    refusals: int = 0  # how many edits were refused, so a view can tell a new refusal from an old one

    def load_dataset(self, config: RunConfig) -> Dataset:  # pragma: no cover - the Trainer's
        """The data `config` describes (the Trainer provides it)."""
        raise NotImplementedError

    def experiment(self) -> RunConfig:
        """The run as it is now, as a RunConfig: what `Save experiment as preset` writes."""
        config = self.config
        options = config.train.optimizer_options if self.optimizer_name == config.train.optimizer else {}
        train = self.schedule.train_config(
            dataclasses.replace(config.train, optimizer=self.optimizer_name, optimizer_options=options)
        )
        model = {**config.model, "layers": self._layer_specs()}
        if self.network.l1 or "l1" in config.model:
            model["l1"] = self.network.l1
        if self.network.l2 or "l2" in config.model:
            model["l2"] = self.network.l2
        return dataclasses.replace(config, train=train, model=model)

    def _layer_specs(self) -> list[dict]:
        """The config's layer tables with each layer's activation as it is now (after `a` or the picker)."""
        layers = [dict(spec) for spec in self.config.model["layers"]]
        for spec, layer in zip(layers, self.network.layers):
            if layer.activation is not None and ("activation" in spec or layer.activation != "linear"):
                spec["activation"] = layer.activation
        return layers

    def apply_lab(self, c: cmd.Command) -> None:
        """Apply one lab command, or refuse it (nothing changes) with the message in `refused`."""
        try:
            if isinstance(c, cmd.Edit):
                self._edit(c.settings)
            elif isinstance(c, cmd.AddLayer):
                self._add_layer(c.index, c.activation)
            elif isinstance(c, cmd.RemoveLayer):
                self._remove_layer(c.index)
            elif isinstance(c, cmd.NewSample):
                draw = int(self.config.data.get("seed", 0)) + 1
                self._edit((("data.seed", draw),), text=f"new sample (data seed {draw})")
            elif isinstance(c, cmd.OpenPreset):
                self._open(c.config)
            self.refused = None
        except SpecError as e:  # the engine's words, with the preset named as the CLI names it
            self._refuse(f"{self.config.source}: [model] {e}")
        except (ConfigError, ValueError, KeyError) as e:
            self._refuse(str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e))

    def _refuse(self, message: str) -> None:
        self.refused = message
        self.refusals += 1

    # --- the edits ---------------------------------------------------------------------
    def _edit(self, settings: tuple[tuple[str, Any], ...], text: str | None = None) -> None:
        old = self.experiment()
        new = with_settings(old, settings)
        self._check_size(new)
        dataset = self.dataset
        steps: list[surgery.Surgery] = []
        net = self.network
        if new.data != old.data:
            dataset = self.load_dataset(new)
            if dataset.input_shape != net.input_shape:
                steps += _input_surgeries(net, self.dataset, dataset, new)
                net = steps[-1].network
        model_steps = self._model_surgeries(net, old.model, new.model, dataset.input_shape)
        steps += model_steps
        net = steps[-1].network if steps else net
        self._check_fit(new, dataset, net)
        # nothing below can fail: commit, then say what changed
        before = config_table(old)
        self._commit(new, dataset, steps)
        if text:
            self._event("lab", text)
            return
        for key, value in settings:
            was = get_key(before, key)
            was = UNSET.get(key, "default") if was is None else was
            if was != value:
                later = " (on the next reset)" if _on_reset(key) else ""
                self._event("lab", f"{_short(key)} {_layer_name(self.network, key)}{_fmt(was)} -> {_fmt(value)}{later}")

    def _check_size(self, config: RunConfig) -> None:
        """Refuse a network too big to build live (the plan counts it without allocating)."""
        if config.data != self.config.data or config.model == self.config.model:
            return  # new data is checked when it loads; an unchanged model is the one running
        plan = plan_network(config.model, self.network.input_shape, dtype=config.train.dtype)
        if plan.parameters > MAX_PARAMETERS:
            raise ConfigError(
                f"{config.source}: [model] that network has {plan.parameters:,} parameters; "
                f"the lab changes networks of up to {MAX_PARAMETERS:,} while they train"
            )

    def _model_surgeries(self, net: Network, old: dict, new: dict, input_shape) -> list[surgery.Surgery]:
        """The surgeries that turn `net` (built from `old`) into one built from `new`, keeping weights."""
        old_layers, new_layers = old["layers"], new["layers"]
        steps: list[surgery.Surgery] = []
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
        for i, (a, b) in enumerate(zip(old_layers, new_layers)):
            for key in ("units", "filters"):
                if a.get(key) != b.get(key) and key in b:
                    steps.append(surgery.resize_layer(steps[-1].network if steps else net, i, b[key]))
        return steps

    def _add_layer(self, index: int, activation: str) -> None:
        self._check_hidden(index, insert=True)
        s = surgery.insert_layer(self.network, index, activation)
        layers = [dict(spec) for spec in self.experiment().model["layers"]]
        layers.insert(index, {"type": "dense", "units": s.network.layers[index].units, "activation": activation})
        config = self._with_layers(layers)
        self._commit(config, self.dataset, [s])
        self._event("lab", s.description)

    def _remove_layer(self, index: int) -> None:
        self._check_hidden(index, insert=False)
        s = surgery.remove_layer(self.network, index)
        layers = [dict(spec) for spec in self.experiment().model["layers"]]
        name = self.network.layers[index].name
        del layers[index]
        self._commit(self._with_layers(layers), self.dataset, [s])
        self._event("lab", f"removed layer {name}")

    def _check_hidden(self, index: int, insert: bool) -> None:
        last = len(self.network.layers) - 1
        if not 0 <= index <= last - (not insert):
            raise ConfigError(f"model.layers[{index}]: a hidden layer is one of model.layers[0] to [{last - 1}]")

    def _with_layers(self, layers: list[dict]) -> RunConfig:
        config = self.experiment()
        return with_settings(config, [("model.layers", layers)])

    def _open(self, config: RunConfig) -> None:
        dataset = self.load_dataset(config)
        self.config, self.dataset = config, dataset
        self.schedule = Schedule.of(config.train)
        self.lr, self.optimizer_name = self.schedule.lr_at(0, 0, 1), config.train.optimizer
        self.hidden_activation = None
        self.sample_index = 0
        paused = self.paused
        self._start()
        self._prepare_targets()
        self.events.clear()
        self.paused = paused
        if self.speed is not None:
            self.speed = self.watchable_speed()
        self._event("preset", f"opened preset {config.name}")

    # --- applying ----------------------------------------------------------------------
    def _check_fit(self, config: RunConfig, dataset: Dataset, net: Network) -> None:
        """Refuse (ConfigError, as the CLI words it) an output layer that does not fit the data."""
        saved = self.config, self.dataset, self.network
        self.config, self.dataset, self.network = config, dataset, net
        try:
            self._check_output()
        finally:
            self.config, self.dataset, self.network = saved

    def _commit(self, config: RunConfig, dataset: Dataset, steps: list[surgery.Surgery]) -> None:
        """Make `config`, `dataset` and the network after `steps` the run's, carrying optimizer state."""
        old_weighted = list(self.weighted_layers)
        if steps:
            net = self.network
            state = self.optimizer.state.get("all", {})
            for s in steps:
                for slot, values in state.items():
                    state[slot] = surgery.carry(net, s, values)
                net = s.network
            self.network = net
            net.set_threads(self.threads)
            self.weighted_layers = [l.name for l in net.layers if "W" in l.parameters]
            kept = self._kept_layers(steps, old_weighted)
            self.history.grad_norms = self.history.grad_norms.with_columns(kept)
            self.selected = min(self.selected, max(0, len(self.weighted_layers) - 1))
        self.network.l1 = float(config.model.get("l1", 0.0))
        self.network.l2 = float(config.model.get("l2", 0.0))
        for layer, spec in zip(self.network.layers, config.model["layers"]):
            if "rate" in spec and hasattr(layer, "rate"):
                layer.rate = float(spec["rate"])
            if "activation" in spec and layer.activation is not None and layer.activation != spec["activation"]:
                layer.set_activation(spec["activation"])
        if dataset is not self.dataset:
            self.dataset = dataset
            self._prepare_targets()
            self._order = np.arange(len(dataset.x_train))
            self._cursor = len(self._order)
            self._fixed_sample = dataset.x_val[0] if len(dataset.x_val) else dataset.x_train[0]
        old_config, self.config = self.config, config
        self._apply_training(old_config, config)
        self._evaluated_at = None

    def _kept_layers(self, steps: list[surgery.Surgery], old_weighted: list[str]) -> list[int | None]:
        """For each weighted layer now, the column of its gradient history before the steps (None: new)."""
        origin = {name: name for name in old_weighted}
        for s in steps:
            moved = {}
            for new_name, k in s.kept.items():
                layer_new, layer_old = new_name.split(".")[0], k.source.split(".")[0]
                if new_name.endswith(".W") and layer_old in origin:
                    moved[layer_new] = origin[layer_old]
            origin = moved
        return [old_weighted.index(origin[n]) if n in origin else None for n in self.weighted_layers]

    def _apply_training(self, old: RunConfig, config: RunConfig) -> None:
        train = config.train
        n_train = len(self.dataset.x_train)
        self.batch_size = min(train.batch_size or n_train, n_train)
        self.steps_per_epoch = -(-n_train // self.batch_size)
        if train.epochs != old.train.epochs:
            self.epoch_budget = max(train.epochs, self.epoch + 1)
        if train.optimizer != self.optimizer_name:
            self.optimizer_name = train.optimizer
            self.optimizer = self._make_optimizer(train.optimizer)
        else:
            for key, value in train.optimizer_options.items():
                setattr(self.optimizer, key, value)
        self.schedule = Schedule.of(train)
        self._follow_schedule()
        self.early_stop.target = config.target  # a new patience counts from the evaluations already waited


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


def _changed(a: dict, b: dict) -> set[str]:
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
