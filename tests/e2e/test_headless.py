"""Headless training in a real terminal: progress lines on screen and exit status 0."""

import re

import pytest


@pytest.mark.e2e
def test_headless_xor_prints_epoch_lines_and_exits_0(terminal):
    """`tuinn --preset xor --headless` prints Keras-like epoch lines and meets its target."""
    pane = terminal("tuinn --preset xor --headless")
    pane.assert_exit(0, timeout=30)
    assert re.search(r"Epoch +\d+/\d+ - step \d+ - loss: ", pane.capture(history=200))
