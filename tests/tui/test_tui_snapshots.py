"""SVG snapshots of the app after a fixed number of steps in step mode (deterministic: no thread, no clock)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from tui_support import SMALL, WIDE, step_app

HUGE = (200, 60)
MID = (100, 30)
#: preset -> steps trained before the picture is taken
STEPS = {"xor": 300, "spiral": 300, "deep-sigmoid": 60, "digits-cnn": 25}


def test_xor_after_an_activation_switch(snap_compare) -> None:
    app = step_app("xor")

    async def run_before(pilot: Pilot) -> None:
        app.source.advance(6)
        await pilot.press("a")
        app.source.advance(3)
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize("size", [SMALL, MID, WIDE, HUGE], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("preset", list(STEPS))
def test_preset_at_size(snap_compare, preset: str, size: tuple[int, int]) -> None:
    app = step_app(preset)

    async def run_before(pilot: Pilot) -> None:
        app.source.advance(STEPS[preset])
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_spiral_with_a_unit_selected_in_256_colours(snap_compare) -> None:
    app = step_app("spiral")
    app.colour_system = "256"

    async def run_before(pilot: Pilot) -> None:
        app.source.advance(300)
        await pilot.press("full_stop", "full_stop", "full_stop", "full_stop")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize(
    "preset,size", [("spiral", HUGE), ("digits-cnn", SMALL)], ids=["spiral-200x60", "digits-cnn-80x24"]
)
def test_projector_mode(snap_compare, preset: str, size: tuple[int, int]) -> None:
    app = step_app(preset)

    async def run_before(pilot: Pilot) -> None:
        app.source.advance(STEPS[preset])
        await pilot.press("P")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
