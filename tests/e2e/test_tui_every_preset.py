"""Every built-in preset in a real terminal: opened at 80x24 (tabs), every tab visited, grown to 120x40, the chart and
projector mode opened, quit."""

import re
import shlex
import time

import pytest

from tuinn.config import load_preset

STATE = re.compile(r"State +(running|paused|finished|pretraining)")  # the run's state, whatever it is


def close(pane, shown: str, timeout: float = 10.0) -> None:
    """Press Escape and wait until the screen no longer shows `shown` (a key sent with it would read as Alt+key)."""
    pane.send_keys("Escape")
    deadline = time.monotonic() + timeout
    while shown in pane.capture():
        assert time.monotonic() < deadline, f"still on screen: {shown}"
        time.sleep(0.1)


#: what a tab shows besides its panel's title, by the tab's name
TAB_SHOWS = {
    "Architecture": re.compile(r"Layer +Type +Output"),
    "Gradients": "log10",
    "Decision boundary": "●",
    "Feature maps": re.compile(r"= [\d,]+ neurons"),
    "Status": STATE,
}


def tab_names(screen: str) -> list[str]:
    """The tabs on the tab bar (the line that starts with Training), in order (the last one cut where the bar ends)."""
    (bar,) = [line for line in screen.splitlines() if line.startswith(" Training  ")]
    return re.split(r" {2,}", bar.strip())


@pytest.mark.e2e
def test_preset_opens_shows_every_tab_and_panel_and_quits_cleanly(terminal, app_preset, mnist_folder):
    data = f" --data {shlex.quote(str(mnist_folder))}" if load_preset(app_preset).needs_data else ""
    pane = terminal(f"tuinn --preset {app_preset} --epochs 100000000{data}", width=80, height=24)
    tabs = tab_names(pane.wait_for(re.compile(r"^ Training  \S", re.M), "? help", timeout=30))
    for name in tabs[1:]:  # → opens the next tab: its panel's title and what it shows
        pane.send_keys("Right")
        pane.wait_for(re.compile(rf"╭─ {re.escape(name)}"), TAB_SHOWS.get(name, "╮"))
    pane.tmux("resize-window", "-t", "e2e", "-x", "120", "-y", "40")
    pane.wait_for("Architecture", "Status", "Loss")
    pane.open_tab(re.compile(r"Layer +Type +Output"))
    pane.open_tab(STATE)
    pane.send_keys("?")
    pane.wait_for("escape or ? closes")
    close(pane, "escape or ? closes")
    pane.send_keys("p")  # the chart screen: its footer line is its own (a tall loss panel is titled "Loss history" too)
    pane.wait_for("Loss history", "escape/p: close")
    close(pane, "escape/p: close")
    pane.send_keys("P")  # projector mode, and back
    pane.wait_for(re.compile(r"epoch \(of 100,000,000\)"))
    pane.send_keys("P")
    pane.open_tab(re.compile(r"Layer +Type +Output"))
    pane.open_tab(STATE)
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
