"""The Textual app in a real terminal, directly and over SSH: panels, keys, pause, quit, terminal restored."""

import re

import pytest

# A budget xor never reaches in a test, so the run is still training when keys arrive.
XOR = "tuinn --preset xor --epochs 1000000"
PANELS = ("Architecture", "dense_1", "Status", "Loss", "Gradients", "Decision boundary")


def shows_all(*texts: str):
    """A wait_for predicate: every one of `texts` is on screen."""
    return lambda screen: all(text in screen for text in texts)


def quits_cleanly(pane) -> None:
    """q ends the app with status 0 and leaves the terminal as it was."""
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()


@pytest.mark.e2e
def test_tui_switches_activation_pauses_and_quits_cleanly(launch):
    """At 120x40: every panel shows, `a` switches the hidden activation, space pauses, q exits 0 and restores the terminal."""
    pane = launch(XOR)
    pane.wait_for(shows_all(*PANELS, "tanh → sigmoid", "running"), timeout=20)
    pane.send_keys("a")
    switched = re.compile(r"activation tanh -> (\w+)")
    new = switched.search(pane.wait_for(switched.search)).group(1)
    pane.wait_for(f"Activation {new} → sigmoid")
    pane.send_keys("Space")
    pane.wait_for(re.compile(r"State +paused").search)
    quits_cleanly(pane)


@pytest.mark.e2e
def test_tui_at_80x24_shows_tabs_and_quits_cleanly(terminal):
    """At 80x24 the panels move into tabs; → opens the next one; q exits 0."""
    pane = terminal(XOR, width=80, height=24)
    pane.wait_for(shows_all("Training", "Architecture", "Gradients", "Decision boundary", "Status", "Loss"), timeout=20)
    pane.send_keys("Right")
    pane.wait_for("dense_1")
    quits_cleanly(pane)
