"""Small runs for the Trainer tests."""

import pytest

from tuinn.config import parse_config

XOR = """
name = "t-xor"
description = "XOR for tests."
seed = 1
[data]
kind = "truth_table"
name = "xor"
[model]
loss = "binary_cross_entropy"
[[model.layers]]
type = "dense"
units = 4
activation = "tanh"
[[model.layers]]
type = "dense"
units = 4
activation = "tanh"
[[model.layers]]
type = "dense"
units = 1
activation = "sigmoid"
[train]
epochs = 500
batch_size = 0
lr = 0.5
optimizer = "sgd"
[target]
metric = "train_accuracy"
value = 1.0
"""


@pytest.fixture
def xor_config():
    return parse_config(XOR, source="t.toml", base_dir=None)


@pytest.fixture
def make_config():
    def make(**replace):
        text = XOR
        for old, new in replace.items():
            assert old in text
            text = text.replace(old, new)
        return parse_config(text, source="t.toml", base_dir=None)

    return make
