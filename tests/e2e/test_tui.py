"""The Textual app in a real terminal, directly and over SSH: panels, keys, pause, quit, terminal restored."""

import re

import pytest

# A budget xor never reaches in a test, so the run is still training when keys arrive.
XOR = "tuinn --preset xor --epochs 100000000"
PANELS = ("Architecture", "dense_1", "Status", "Loss", "Gradients", "Decision boundary")


def quits_cleanly(pane) -> None:
    """q ends the app with status 0 and leaves the terminal as it was."""
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()


@pytest.mark.e2e
def test_tui_switches_activation_pauses_and_quits_cleanly(launch):
    """At 120x40: every panel shows in 24-bit colour, `a` switches the hidden activation, space pauses, q exits 0 and restores the terminal."""
    pane = launch(XOR)
    pane.wait_for(*PANELS, "tanh → sigmoid", "running", timeout=20)
    assert "\x1b[38;2;" in pane.capture(escapes=True), "no 24-bit colour reached the terminal"
    pane.send_keys("a")
    switched = re.compile(r"Activation (?!tanh)(\w+) → sigmoid")
    new = switched.search(pane.wait_for(switched)).group(1)
    pane.wait_for(re.compile(rf"dense_1 +Dense\(4\) .* {new} "))
    pane.send_keys("Space")
    pane.wait_for(re.compile(r"State +paused"))
    quits_cleanly(pane)


@pytest.mark.e2e
def test_tui_at_80x24_shows_tabs_and_quits_cleanly(terminal):
    """At 80x24 the panels move into tabs; → opens the next one; q exits 0."""
    pane = terminal(XOR, width=80, height=24)
    pane.wait_for("Training", "Architecture", "Gradients", "Decision boundary", "Status", "Loss", timeout=20)
    pane.send_keys("Right")
    pane.wait_for("dense_1")
    quits_cleanly(pane)
