"""SVG snapshots of the app after a fixed number of steps in step mode (deterministic: no thread, no clock)."""

from __future__ import annotations

from textual.pilot import Pilot

from tui_support import SMALL, WIDE, step_app


def test_xor_after_an_activation_switch(snap_compare) -> None:
    app = step_app("xor")

    async def run_before(pilot: Pilot) -> None:
        app.advance(6)
        await pilot.press("a")
        app.advance(3)
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_digits_cnn_small_terminal(snap_compare) -> None:
    app = step_app("digits-cnn")

    async def run_before(pilot: Pilot) -> None:
        app.advance(25)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
