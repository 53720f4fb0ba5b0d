"""Every built-in preset in a real terminal: opened at 80x24 (tabs), every tab visited, grown to 120x40, the chart and
projector mode opened, quit."""

import re
import shlex
import time

import pytest

from tuinn.config import load_preset

STATE = re.compile(r"State +(running|paused|finished)")


def close(pane, shown: str, timeout: float = 10.0) -> None:
    """Press Escape and wait until the screen no longer shows `shown` (a key sent with it would read as Alt+key)."""
    pane.send_keys("Escape")
    deadline = time.monotonic() + timeout
    while shown in pane.capture():
        assert time.monotonic() < deadline, f"still on screen: {shown}"
        time.sleep(0.1)


@pytest.mark.e2e
def test_preset_opens_shows_every_tab_and_panel_and_quits_cleanly(terminal, app_preset, mnist_folder):
    data = f" --data {shlex.quote(str(mnist_folder))}" if load_preset(app_preset).needs_data else ""
    pane = terminal(f"tuinn --preset {app_preset} --epochs 100000000{data}", width=80, height=24)
    pane.wait_for("Training", "Architecture", "Gradients", STATE, timeout=30)
    bar = pane.capture()
    tabs = [re.compile(r"Layer +Type +Output"), "log10"]  # what the Architecture and Gradients tabs show
    tabs += ["●"] * ("Decision boundary" in bar) + [re.compile(r"= [\d,]+ neurons")] * ("Feature maps" in bar)
    for shown in tabs:  # → opens the next tab
        pane.send_keys("Right")
        pane.wait_for(shown)
    pane.tmux("resize-window", "-t", "e2e", "-x", "120", "-y", "40")
    pane.wait_for("Architecture", "Status", "Loss", "Gradients", re.compile(r"Layer +Type +Output"), STATE)
    pane.send_keys("?")
    pane.wait_for("escape or ? closes")
    close(pane, "escape or ? closes")
    pane.send_keys("p")
    pane.wait_for("Loss history")
    close(pane, "Loss history")
    pane.send_keys("P")  # projector mode, and back
    pane.wait_for(re.compile(r"epoch \(of 100,000,000\)"))
    pane.send_keys("P")
    pane.wait_for(re.compile(r"Layer +Type +Output"), STATE)
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)
    pane.assert_restored()
    history = pane.capture(history=300)
    assert "Traceback" not in history and "Error" not in history, history


@pytest.mark.e2e
def test_summary_only_preset_says_so_and_exits_2(terminal, summary_preset):
    pane = terminal(f"tuinn --preset {summary_preset}", width=80, height=24)
    pane.assert_exit(2, timeout=20)
    screen = pane.capture(history=50)
    assert "--summary" in screen and "Traceback" not in screen, screen
