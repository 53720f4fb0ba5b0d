"""What differs between two runs' records, in a few words: the label of a pinned baseline."""

from __future__ import annotations

from tuinn.config import load_preset, with_overrides
from tuinn.config.config_diff import config_changes
from tuinn.config.settings import with_settings


def test_the_same_record_has_no_changes():
    assert config_changes(load_preset("spiral"), load_preset("spiral")) == []


def test_an_activation_switched_in_every_hidden_layer_is_one_change():
    sigmoid = load_preset("deep-sigmoid")
    assert config_changes(sigmoid, with_overrides(sigmoid, activation="relu")) == ["activation sigmoid→relu"]


def test_deep_sigmoid_against_deep_relu_names_the_activation_and_the_init():
    changes = config_changes(load_preset("deep-sigmoid"), load_preset("deep-relu"))
    assert changes == ["activation sigmoid→relu", "init glorot→he"]


def test_one_layers_change_names_the_layer():
    xor = load_preset("xor")
    wider = with_settings(xor, ["model.layers[0].units=8"])
    assert config_changes(xor, wider) == ["units 4→8"]  # its only hidden layer: no need to say which
    two = with_settings(load_preset("spiral"), ["model.layers[1].units=3"])
    assert config_changes(load_preset("spiral"), two) == ["layer 2 units 16→3"]


def test_a_different_number_of_layers_is_one_change_and_training_keys_follow():
    shallow, deep = load_preset("digits-small-shallow"), load_preset("digits-small-deep")
    assert config_changes(shallow, deep) == ["layers 2→9"]
    faster = with_overrides(deep, lr=0.01, seed=4)
    assert config_changes(shallow, faster) == ["layers 2→9", "seed 0→4", "lr 0.003→0.01"]


def test_data_keys_are_named_by_their_last_part():
    circle = load_preset("circle")
    noisy = with_settings(circle, ["data.noise=30"])
    assert config_changes(circle, noisy) == ["noise 0→30"]
