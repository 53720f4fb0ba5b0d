"""Small runs for the Trainer tests."""

import pytest

from tests.conftest import XOR_TOML
from tuinn.config import parse_config

XOR = XOR_TOML.replace(
    'activation = "tanh"\n', 'activation = "tanh"\n[[model.layers]]\ntype = "dense"\nunits = 4\nactivation = "tanh"\n'
).replace("momentum = 0.9\n", "")


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


@pytest.fixture
def diverging_config(make_config):
    """A linear net with mse and a learning rate of 1000: the loss overflows within a few steps."""
    return make_config(
        **{
            "lr = 0.5": "lr = 1000.0",
            'activation = "tanh"': 'activation = "linear"',
            'loss = "binary_cross_entropy"': 'loss = "mse"',
            'activation = "sigmoid"': 'activation = "linear"',
        }
    )
