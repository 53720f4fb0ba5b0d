"""`--set KEY=VALUE` overrides any preset key from the command line, checked like the file."""

from __future__ import annotations

import json

import pytest

from tuinn.config import ConfigError, load_config_file, load_preset
from tuinn.config.settings import config_table, parse_setting, save_preset, with_settings


def start_line(out: str) -> dict:
    return json.loads(out.splitlines()[0])


@pytest.mark.parametrize(
    "setting, check",
    [
        ("data.noise=30", lambda c: c.data["noise"] == 30),
        ("data.name=circle", lambda c: c.data["name"] == "circle"),
        ('data.features=["x1", "x2", "sin(x1)"]', lambda c: c.data["features"] == ["x1", "x2", "sin(x1)"]),
        ("data.seed=4", lambda c: c.data["seed"] == 4),
        ("model.layers[0].units=8", lambda c: c.model["layers"][0]["units"] == 8),
        ("model.layers[1].activation=relu", lambda c: c.model["layers"][1]["activation"] == "relu"),
        ("model.l2=0.001", lambda c: c.model["l2"] == 0.001),
        (
            'model.layers[0]={type = "dense", units = 3, activation = "elu"}',
            lambda c: c.model["layers"][0]["units"] == 3,
        ),
        ("train.lr=0.05", lambda c: c.train.lr == 0.05),
        ("train.batch_size=0", lambda c: c.train.batch_size == 0),
        ("train.beta1=0.8", lambda c: c.train.optimizer_options == {"beta1": 0.8}),
        ("train.shuffle=false", lambda c: c.train.shuffle is False),
        ("target.value=0.9", lambda c: c.target.value == 0.9),
        ("seed=7", lambda c: c.seed == 7),
        ('try=["press e"]', lambda c: c.things_to_try == ("press e",)),
        ("description=hello", lambda c: c.description == "hello"),
    ],
)
def test_every_kind_of_key_can_be_set(setting, check):
    assert check(with_settings(load_preset("spiral"), [setting]))


def test_set_reaches_the_run(tuinn):
    r = tuinn(
        "--preset",
        "spiral",
        "--headless",
        "--json",
        "--epochs",
        "1",
        "--set",
        "model.layers[0].units=8",
        "--set",
        "data.noise=30",
        "--set",
        'data.features=["x1","x2","x1^2"]',
    )
    assert r.code in (0, 1), r.err
    layers = start_line(r.out)["layers"]
    assert layers[0]["neurons"] == 8 and layers[0]["parameters"] == 3 * 8 + 8


@pytest.mark.parametrize(
    "setting, named",
    [
        ("data.noise=60", "data.noise"),
        ("data.name=spirals", "data.name"),
        ('data.features=["x3"]', "data.features"),
        ("model.layers[7].units=8", "model.layers[7]"),
        ("model.layers[0].activation=relux", "model.layers[0].activation"),
        ("model.layers[0].units=0", "units"),
        ("model.l2=-1", "l2"),
        ("train.lr=-1", "train.lr"),
        ("train.momentum=0.5", "train.momentum"),
        ("train.optimizer=adamw", "train.optimizer"),
        ("target.value=3", "target.value"),
        ("nonsense=1", "nonsense"),
        ("train.lr", "KEY=VALUE"),
        ("data.noise.x=1", "data.noise"),
    ],
)
def test_a_bad_set_exits_2_naming_the_key(tuinn, setting, named):
    r = tuinn("--preset", "spiral", "--headless", "--epochs", "1", "--set", setting)
    assert r.code == 2, r.out + r.err
    assert named in r.err and "Traceback" not in r.err
    assert r.out == ""


def test_values_are_toml_or_else_strings():
    assert parse_setting("data.noise=30") == ("data.noise", 30)
    assert parse_setting("data.name=circle") == ("data.name", "circle")
    assert parse_setting('x=["a", "b"]') == ("x", ["a", "b"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_setting("=3")


def test_a_saved_preset_reads_back_to_the_same_config(tmp_path):
    config = with_settings(load_preset("deep-sigmoid"), ["data.noise=10", "model.layers[0].units=4"])
    path = save_preset(config, tmp_path / "mine.toml", name="mine")
    back = load_config_file(path)
    assert config_table(back) == {**config_table(config), "name": "mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]  # no temporary file left
