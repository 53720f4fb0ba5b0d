"""The lesson in view in a real terminal (tmux): each preset's lesson panel read whole from the captured screen at
100x30 and 200x60, and a node of spiral's network view selected with `.`, its equation read from the screen."""

from __future__ import annotations

import re
import shlex

import pytest

from tuinn.config import load_preset
from tuinn.train.setup import plan_model, preset_input_shape

SIZES = [(100, 30), (200, 60)]
#: what each lesson panel shows when it is on screen whole (besides its title)
SHOWS = {
    "network": [re.compile(r"│ +inputs "), re.compile(r"every weight drawn|strongest inputs")],
    "decision": [re.compile(r"● train")],
    "sample": [re.compile(r"true \S+ +predicted")],
    "feature_maps": [re.compile(r"= [\d,]+ neurons")],
    "confusion": [re.compile(r"samples · acc")],
    "loss": [re.compile(r"train loss|loss \(")],
    "status": [re.compile(r"State +running")],
    "architecture": [re.compile(r"Layer +Type +Output")],
}


def gradient_rows(preset: str) -> list[re.Pattern]:
    """A pattern per weighted layer's row of the gradient history, and its colour bar's ends."""
    config = load_preset(preset)
    plan = plan_model(config, preset_input_shape(config))
    names = [row.name for row in plan.rows if row.parameters]
    return [re.compile(rf"│ {name} +\S") for name in names] + [re.compile(r"-8 .*\+2")]


def command(preset: str, mnist_folder) -> str:
    data = f" --data {shlex.quote(str(mnist_folder))}" if load_preset(preset).needs_data else ""
    return f"tuinn --preset {preset} --epochs 100000000{data}"


@pytest.mark.e2e
@pytest.mark.slow  # every preset at two sizes
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_lesson_panel_is_on_screen_whole(terminal, app_preset, size, mnist_folder):
    lesson = load_preset(app_preset).lesson
    wants = [w for name in lesson for w in (gradient_rows(app_preset) if name == "gradients" else SHOWS[name])]
    pane = terminal(command(app_preset, mnist_folder), width=size[0], height=size[1])
    screen = pane.wait_for("? help", *wants, timeout=60)
    assert "Traceback" not in screen
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)


@pytest.mark.e2e
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deep_sigmoid_shows_all_nine_gradient_rows_and_the_colour_bar(terminal, size):
    pane = terminal(command("deep-sigmoid", None), width=size[0], height=size[1])
    screen = pane.wait_for(*gradient_rows("deep-sigmoid"), timeout=30)
    assert len(set(re.findall(r"│ (dense_\d) ", screen))) == 9
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)


@pytest.mark.e2e
def test_digits_cnn_shows_ten_confusion_rows(terminal):
    pane = terminal(command("digits-cnn", None), width=120, height=40)
    screen = pane.wait_for(re.compile(r"samples · acc"), timeout=60)
    rows = [line for line in screen.splitlines() if re.search(r"│ +\d( +\d+){10} +[\d.]+ ", line)]
    assert len(rows) == 10, screen
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)


@pytest.mark.e2e
def test_selecting_a_node_of_spirals_network_shows_its_equation(terminal):
    pane = terminal(command("spiral", None), width=120, height=40)
    pane.wait_for("Network", "every weight drawn", timeout=30)
    pane.send_keys(".", ".", ".")  # past the two inputs: dense_1's first unit
    screen = pane.wait_for(re.compile(r"= tanh\([+−-]?\d\.\d\d"), timeout=20)
    assert "dense_1 unit 1/16" in screen
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)
