"""The app over the links users have: a default 80x24 terminal, a 256-colour terminal without COLORTERM (what OpenSSH
gives), and a locale that is not UTF-8 (a remote tmux with LANG unset)."""

import re

import pytest

SPIRAL = "tuinn --preset spiral --epochs 100000000"
TRUECOLOR = re.compile(r"\x1b\[[0-9;]*[34]8;2;")  # an SGR with a 24-bit colour
PALETTE_256 = re.compile(r"\x1b\[[0-9;]*48;5;\d+")  # an SGR with a 256-colour background


def quits_cleanly(pane) -> None:
    pane.send_keys("q")
    pane.assert_exit(0, timeout=20)
    pane.assert_restored()
    history = pane.capture(history=200)
    assert "Traceback" not in history, history


@pytest.mark.e2e
def test_at_80x24_the_network_and_the_picture_share_the_first_tab_the_loss_its_own_with_help_and_quit_on_the_footer(
    terminal,
):
    pane = terminal(SPIRAL, width=80, height=24)
    screen = pane.wait_for("Training", "Network", "Decision boundary", "P(class 1)", "q quit", timeout=30)
    footer = screen.splitlines()[23]
    assert "? help" in footer and "q quit" in footer and "space pause" in footer, footer
    assert "●" in screen or "○" in screen  # the data points on the picture
    pane.send_keys(".")
    pane.wait_for(re.compile(r"input 1/2|dense_1 unit"))  # the selected unit's map is shown in the picture's place
    # the loss did not fit beside them: it has a tab (the sparklines, or the chart when the tab is tall enough)
    pane.open_tab(re.compile(r"╭─ Loss"), re.compile(r"train loss|━━ train"))
    quits_cleanly(pane)


@pytest.mark.e2e
def test_a_256_colour_terminal_without_colorterm_gets_256_colour_ramps(terminal):
    pane = terminal(f"env -u COLORTERM TERM=screen-256color {SPIRAL}", width=120, height=40)
    pane.wait_for("Network", "Decision boundary", "Confusion", re.compile(r"State +running"), timeout=30)
    coloured = pane.capture(escapes=True)
    assert PALETTE_256.search(coloured), "no 256-colour cells reached the terminal"
    assert not TRUECOLOR.search(coloured), "a 24-bit colour was sent to a 256-colour terminal"
    quits_cleanly(pane)


@pytest.mark.e2e
def test_without_a_utf8_locale_the_app_draws_ascii_and_says_how_to_fix_it(terminal):
    pane = terminal(f"env LANG=C LC_ALL=C {SPIRAL}", width=120, height=40)
    screen = pane.wait_for("Decision boundary", "not UTF-8", "LANG=C.UTF-8", timeout=30)
    body = screen.splitlines()[:-1]  # Textual's own footer is left as it is
    panels = "\n".join(body)
    assert "▀" not in panels and "●" not in panels and "╭" not in panels, panels
    assert "+-" in panels and "o" in panels  # ASCII borders and points
    quits_cleanly(pane)
