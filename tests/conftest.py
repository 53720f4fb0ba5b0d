"""Shared test material: a small XOR preset as TOML text."""

import pytest

XOR_TOML = """
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
units = 1
activation = "sigmoid"
[train]
epochs = 500
batch_size = 0
lr = 0.5
optimizer = "sgd"
momentum = 0.9
[target]
metric = "train_accuracy"
value = 1.0
"""


@pytest.fixture
def xor_toml() -> str:
    """A valid 2-4-1 XOR preset, as the text of a TOML file."""
    return XOR_TOML
