"""What the editor's fields mean as preset settings: each field names a preset key; a few stand for several."""

from __future__ import annotations

import copy
from typing import Any

from tuinn.config import OPTIMIZER_OPTIONS, ConfigError, RunConfig
from tuinn.config.settings import config_table, get_key, parse_setting, with_settings
from tuinn.data import KINDS, PLAYGROUND_SETS, TRUTH_TABLES
from tuinn.data.features import FEATURES, PLAIN

#: data kinds a learner can pick without a file, and the name each starts with
GENERATED = {"playground": "circle", "truth_table": "xor", "bars": None, "digits": None}
NAMES = {"playground": PLAYGROUND_SETS, "truth_table": TRUTH_TABLES}
DATA_FIELDS = ("name", "noise", "val_ratio", "samples", "classes", "size")  # shown when the kind takes them
OPTION_FIELDS = {"sgd": ("momentum",), "adam": ("beta1", "beta2"), "rmsprop": ("rho",), "adagrad": ()}
Settings = tuple[tuple[str, Any], ...]


def value_of(key: str, text: str) -> Any:
    """The value typed into the field for `key`, read as --set reads it."""
    return parse_setting(f"{key}={text}")[1]


def shown(value: Any) -> str:
    """A value as a field shows it ('' for none)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def check(experiment: RunConfig, settings: Settings) -> str | None:
    """The message the command line would give for these settings, or None when they are valid."""
    try:
        with_settings(experiment, settings)
    except ConfigError as e:
        return str(e)
    return None


def data_kind(experiment: RunConfig, kind: str, started_with: dict[str, Any]) -> Settings:
    """The settings for switching the data to `kind`: its own keys kept where they apply, or the run's first file."""
    if kind == started_with.get("kind") and kind not in GENERATED:
        return (("data", copy.deepcopy(started_with)),)
    old = experiment.data
    table = {"kind": kind, **{k: v for k, v in old.items() if k in KINDS[kind][0] and k != "kind"}}
    if kind in NAMES and table.get("name") not in NAMES[kind]:
        table["name"] = GENERATED[kind]
    if kind == "playground" and table["name"] not in ("gauss", "spiral"):
        table.pop("classes", None)
    if kind == "digits":
        table.setdefault("shape", "flat")
    if "features" in old and kind in ("playground", "truth_table"):
        table["features"] = old["features"]
    return (("data", table),)


def data_name(experiment: RunConfig, name: str) -> Settings:
    """Switch to another generator of the same kind (classes dropped where the new one has none)."""
    if "classes" in experiment.data and name not in ("gauss", "spiral"):
        data = {k: v for k, v in experiment.data.items() if k != "classes"}
        return (("data", {**data, "name": name}),)
    return (("data.name", name),)


def features(experiment: RunConfig) -> tuple[str, ...]:
    """The input features in use (x1, x2 when none are listed)."""
    return tuple(experiment.data.get("features", PLAIN))


def toggle_feature(experiment: RunConfig, name: str, on: bool) -> Settings:
    chosen = [f for f in FEATURES if (f in features(experiment) and f != name) or (f == name and on)]
    return (("data.features", chosen),)


def optimizer(experiment: RunConfig, name: str) -> Settings:
    """A new optimizer, without the options of the old one (they may not apply)."""
    train = {k: v for k, v in config_table(experiment)["train"].items() if k not in OPTIMIZER_OPTIONS}
    return (("train", {**train, "optimizer": name}),)


def initializer(experiment: RunConfig, name: str) -> Settings:
    """Every weighted layer's init (applied at the next reset); 'default' clears it."""
    layers = copy.deepcopy(experiment.model["layers"])
    for layer in layers:
        if layer.get("type") in ("dense", "conv2d", "maxout"):
            if name == "default":
                layer.pop("init", None)
            else:
                layer["init"] = name
    return (("model.layers", layers),)


def current_init(experiment: RunConfig) -> str:
    inits = {
        layer.get("init", "default")
        for layer in experiment.model["layers"]
        if layer.get("type") in ("dense", "conv2d", "maxout")
    }
    return inits.pop() if len(inits) == 1 else "default"


def dropout(experiment: RunConfig, rate: float) -> Settings:
    """Every dropout layer's rate; with none yet, a dropout layer after each hidden dense layer."""
    layers = copy.deepcopy(experiment.model["layers"])
    if any(layer.get("type") == "dropout" for layer in layers):
        for layer in layers:
            if layer.get("type") == "dropout":
                layer["rate"] = rate
        return (("model.layers", layers),)
    if not rate:
        return ()
    with_dropout = []
    for i, layer in enumerate(layers):
        with_dropout.append(layer)
        if layer.get("type") == "dense" and i < len(layers) - 1:
            with_dropout.append({"type": "dropout", "rate": rate})
    return (("model.layers", with_dropout),)


def current_dropout(experiment: RunConfig) -> float:
    rates = [layer.get("rate", 0.5) for layer in experiment.model["layers"] if layer.get("type") == "dropout"]
    return rates[0] if rates else 0.0


def current(experiment: RunConfig, key: str) -> Any:
    """The value a field for `key` shows."""
    return get_key(config_table(experiment), key)
