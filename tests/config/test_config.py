"""Preset parsing and validation: every error names the file and the key."""

from __future__ import annotations

import pytest

from tests.conftest import XOR_TOML
from tuinn.config import ConfigError, load_config_file, load_preset, parse_config, preset_names, with_overrides

GOOD = XOR_TOML.replace("seed = 1", "seed = 3").replace("epochs = 500", "epochs = 10")

REQUIRED_PRESETS = {
    "and",
    "perceptron-xor",
    "xor",
    "circle",
    "gauss",
    "spiral",
    "deep-sigmoid",
    "deep-relu",
    "regression",
    "digits-mlp",
    "digits-cnn",
    "seed-conv",
    "mnist-cnn",
    "fashion-cnn",
    "dense-vs-conv",
}


def test_every_required_preset_ships_and_parses():
    names = set(preset_names())
    assert REQUIRED_PRESETS <= names
    for name in names:
        config = load_preset(name)
        assert config.name == name
        assert len(config.description) > 60, f"{name} needs a one-paragraph description"


def test_good_config_parses_with_types_and_options():
    config = parse_config(GOOD, source="t.toml", base_dir=None)
    assert config.seed == 3
    assert config.train.epochs == 10 and config.train.batch_size == 0
    assert config.train.optimizer_options == {"momentum": 0.9}
    assert config.target.met(1.0) and not config.target.met(0.75)
    assert config.target.describe() == "train accuracy >= 1"


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("epochs = 10", "epochs = 10\nepochz = 3", "train.epochz"),
        ("epochs = 10", 'epochs = "ten"', "train.epochs"),
        ("epochs = 10", "epochs = 0", "train.epochs"),
        ("lr = 0.5", "lr = -1", "train.lr"),
        ('optimizer = "sgd"', 'optimizer = "adamw"', "train.optimizer"),
        ('activation = "tanh"', 'activation = "tanhh"', "model.layers[0].activation"),
        ("value = 1.0", "value = 1.5", "target.value"),
        ('metric = "train_accuracy"', 'metric = "acc"', "target.metric"),
        ("seed = 3", 'seed = 3\ncolour = "red"', "colour"),
        ("seed = 3", "seed = true", "seed"),
        ("seed = 3", "seed = -5", "seed"),
        ("momentum = 0.9", "momentum = 0.9\nbeta1 = 0.8", "train.beta1"),
        ("momentum = 0.9", "momentum = 1.0", "train.momentum"),
        ('optimizer = "sgd"\nmomentum = 0.9', 'optimizer = "adam"\nbeta2 = 1.5', "train.beta2"),
        ('optimizer = "sgd"\nmomentum = 0.9', 'optimizer = "rmsprop"\nrho = 5.0', "train.rho"),
    ],
)
def test_bad_values_name_the_key(old, new, key):
    with pytest.raises(ConfigError) as err:
        parse_config(GOOD.replace(old, new, 1), source="mine.toml", base_dir=None)
    assert "mine.toml" in str(err.value)
    assert f"'{key}'" in str(err.value)


def test_invalid_toml_names_the_file(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("name = [unclosed\n")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config_file(bad)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: cannot read"):
        load_config_file(tmp_path / "nope.toml")


def test_unknown_preset_lists_known_ones():
    with pytest.raises(ConfigError, match="unknown preset 'xr'.*xor"):
        load_preset("xr")


def test_overrides_replace_only_what_is_given():
    config = parse_config(GOOD, source="t.toml", base_dir=None)
    new = with_overrides(config, epochs=3, lr=None, optimizer="adam", activation="relu", seed=9)
    assert new.train.epochs == 3 and new.train.lr == 0.5 and new.seed == 9
    assert new.train.optimizer == "adam" and new.train.optimizer_options == {}
    assert [l["activation"] for l in new.model["layers"]] == ["relu", "sigmoid"]
    assert config.model["layers"][0]["activation"] == "tanh"  # the original is untouched


@pytest.mark.parametrize(
    "flags, message",
    [
        ({"optimizer": "adamw"}, "--optimizer"),
        ({"activation": "softmax"}, "--activation"),
        ({"epochs": 0}, "--epochs"),
        ({"batch_size": -1}, "--batch-size"),
        ({"lr": 0.0}, "--lr"),
    ],
)
def test_bad_overrides_name_the_flag(flags, message):
    config = parse_config(GOOD, source="t.toml", base_dir=None)
    with pytest.raises(ConfigError, match=message):
        with_overrides(config, **flags)
