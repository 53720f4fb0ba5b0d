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
