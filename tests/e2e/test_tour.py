"""`tuinn tour` in a real terminal: > and < walk the stops in one window, t shows the whole text, q quits."""

import re

import pytest


def quits_cleanly(pane) -> None:
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()


@pytest.mark.e2e
def test_tour_walks_stops_in_truecolor(launch):
    """At 120x40 in 24-bit colour, directly and over SSH."""
    pane = launch("tuinn tour")
    pane.wait_for("Tour 1/14 · 1958", "Preset     and", timeout=20)
    assert "\x1b[38;2;" in pane.capture(escapes=True)
    pane.send_keys(">")
    pane.wait_for("Tour 2/14 · 1969", "Preset     perceptron-xor")
    pane.send_keys(">", ">")
    pane.wait_for("Tour 4/14", "Preset     spiral")
    pane.send_keys("<")
    pane.wait_for("Tour 3/14", "Preset     xor")
    quits_cleanly(pane)


@pytest.mark.e2e
@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_tour_in_256_colours(terminal, size):
    """Without COLORTERM the terminal gets 256-colour escapes; the tour works at 80x24 and 200x60."""
    width, height = size
    pane = terminal("env -u COLORTERM tuinn tour --stop 12", width=width, height=height)
    pane.wait_for("Tour 12/14", timeout=20)
    screen = pane.capture(escapes=True)
    assert "\x1b[38;5;" in screen and "\x1b[38;2;" not in screen
    pane.send_keys("t")
    pane.wait_for("History: Yann LeCun")
    pane.send_keys("End")  # the table is below the text on a small screen
    pane.wait_for(
        re.compile(r"dense_1 +Dense\(1000000\) .* 1,000,001,000,000"), "Total parameters: 1,000,011,000,020 (1.0 T)"
    )
    pane.send_keys("t")  # t closes it too (a lone Escape waits for a possible escape sequence)
    # the stop's banner again: its heading and keys (in short where the width leaves them little room)
    pane.wait_for(re.compile(r"Tour 12/14 · .*  t (the whole )?text · (> next · < prev|< >)"))
    pane.send_keys(">")
    pane.wait_for("Tour 13/14")
    pane.open_tab(re.compile(r"seed-conv"))  # the preset's name: on the Status tab where the banner is cut short
    quits_cleanly(pane)


@pytest.mark.e2e
def test_tour_in_projector_mode_for_a_class(terminal):
    """`tuinn tour --projector` in 256 colours at 200x60: each stop's picture large and its numbers in large digits."""
    pane = terminal("env -u COLORTERM tuinn tour --projector --stop 3", width=200, height=60)
    screen = pane.wait_for(
        "Tour 3/14", "Decision boundary", "xor · paused · space to start", "epoch (of", timeout=20
    )  # (the stop's lesson is over within seconds: it waits for space)
    assert "Architecture" not in screen
    pane.send_keys(">")
    pane.wait_for("Tour 4/14", re.compile(r"spiral · (running|finished)"), "validation accuracy, %")
    quits_cleanly(pane)


@pytest.mark.e2e
def test_tour_at_stop_8_shows_the_limited_data_pair_together(terminal):
    """`tuinn tour --stop 8`: the shallow net of stop 7 was never on screen; its whole run is computed and pinned,
    so its val acc ghost and final figure sit beside the deep net's; B unpins it."""
    pane = terminal("tuinn tour --stop 8", width=120, height=40)
    screen = pane.wait_for(
        "Tour 8/14",
        re.compile(r"baseline[^:\n]*: digits-small-shallow · layers 2→9"),
        re.compile(r"final val acc 0\.9\d vs"),
        timeout=20,
    )
    # the ghost: a row under the deep net's val acc on the compact loss panel, a dotted curve on the tall loss chart
    assert re.search(r"  baseline 0\.9\d{3} ", screen) or "··· baseline (validation): " in screen, screen
    pane.send_keys("B")
    pane.wait_for("baseline unpinned")
    quits_cleanly(pane)
