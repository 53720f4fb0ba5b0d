"""The Textual app in a real terminal, directly and over SSH: panels, keys, pause, quit, terminal restored."""

import re
import time

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
    pane.open_tab(re.compile(rf"dense_1 +Dense\(4\) .* {new} "))  # the Architecture table, on its tab
    pane.send_keys("Space")
    pane.open_tab(re.compile(r"State +paused"))
    quits_cleanly(pane)


@pytest.mark.e2e
def test_tui_at_80x24_shows_tabs_and_quits_cleanly(terminal):
    """At 80x24 the panels move into tabs; → opens the next one; q exits 0."""
    pane = terminal(XOR, width=80, height=24)
    pane.wait_for("Training", "Architecture", "Gradients", "Decision boundary", "Status", "Loss", timeout=20)
    pane.send_keys("Right")
    pane.wait_for("dense_1")
    quits_cleanly(pane)


def palette(pane, name: str, found: str) -> None:
    """Run the command palette's entry `name` (once its description `found` shows) and wait for it to close."""
    pane.send_keys("C-p")
    pane.wait_for("Search for commands")
    pane.send_keys("-l", name)
    pane.wait_for(found)
    pane.send_keys("Enter")
    pane.wait_for(re.compile(rf"^(?!.*{re.escape(found)}).*$", re.S))


def events_logged(pane, *texts: str) -> None:
    """Leave the editor's form (escape) and find the events' texts in the full loss chart's list (p), then close it."""
    pane.send_keys("Escape")
    time.sleep(0.3)  # (a key sent with the escape would read as Alt+key)
    pane.send_keys("p")
    pane.wait_for("Loss history", "escape/p: close", *texts)  # the chart screen's own footer (a tall loss panel
    pane.send_keys("Escape")  # is titled "Loss history" too)
    pane.wait_for(re.compile(r"^(?!.*escape/p: close).*$", re.S))


def type_keys(pane, *keys: str) -> None:
    """Type keys one at a time, as a person does (a burst can outrun a busy app's input queue)."""
    for key in keys:
        pane.send_keys(key)
        time.sleep(0.15)


@pytest.mark.e2e
def test_tui_editor_changes_units_and_noise_while_training(terminal):
    """At 120x40 on spiral: e opens the editor; the noise and dense_1's units change while it trains; q exits 0."""
    pane = terminal("tuinn --preset spiral --epochs 100000000")
    pane.wait_for("Architecture", "dense_1", "running", timeout=20)
    pane.send_keys("e")
    pane.wait_for("Experiment (e closes)", "Noise %", "Layers")
    palette(pane, "Noise", "Noise of the data")
    type_keys(pane, "BSpace")
    pane.wait_for(re.compile(r"Noise % +default"))  # the field has the focus and is empty
    type_keys(pane, "3", "0")
    pane.wait_for(re.compile(r"Noise % +30 "))
    type_keys(pane, "Enter")
    pane.wait_for(re.compile(r"│ events +\S"))  # the loss panel marks the edit (its text is read below)
    palette(pane, "Units", "units (or filters) of the selected")
    type_keys(pane, "BSpace", "BSpace")
    pane.wait_for(re.compile(r"dense_1 +tanh"))
    type_keys(pane, "2", "4")
    pane.wait_for(re.compile(r"dense_1 +24 +tanh"))
    type_keys(pane, "Enter")
    screen = pane.capture()
    assert "Decision boundary" in screen and "Loss" in screen
    events_logged(pane, "noise 0 -> 30 at", "units dense_1 16 -> 24")
    pane.send_keys("e")  # the editor closes; the Architecture table is on a tab
    pane.wait_for(re.compile(r"^(?!.*Experiment \(e closes\)).*$", re.S))
    pane.send_keys("Tab")  # the tabs take the keys
    pane.open_tab(re.compile(r"Dens\S* +24 +24 +72 +tanh"))
    quits_cleanly(pane)


@pytest.mark.e2e
@pytest.mark.parametrize("width,height", [(80, 24), (200, 60)])
def test_tui_projector_mode_from_the_flag_and_the_key(terminal, width, height):
    """`--projector` starts the room's layout (the picture, epoch/loss/accuracy in large digits); P brings every panel back, P again the room's."""
    pane = terminal("tuinn --preset spiral --epochs 100000000 --projector", width=width, height=height)
    screen = pane.wait_for("Decision boundary", "epoch (of 100,000,000)", "validation accuracy, %", timeout=20)
    assert "Architecture" not in screen and re.search(r"[┏┓┗┛━┃╺╸╻╹]{2}", screen), screen  # Digits' box-drawn figures
    pane.send_keys("P")
    pane.wait_for("Architecture", "Status")
    pane.send_keys("P")
    pane.wait_for(re.compile(r"^(?!.*Architecture).*epoch \(of", re.S))
    quits_cleanly(pane)
