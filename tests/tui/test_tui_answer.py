"""A key's answer on a live run: the app tells the run's process what it drew, and training goes on."""

from __future__ import annotations

import asyncio
import time

from tui_support import WIDE, live_app

from tuinn.config import load_preset, with_overrides
from tuinn.train import runner


async def test_the_app_tells_the_run_its_answer_is_drawn_and_training_goes_on(monkeypatch) -> None:
    # without the app's word the run would publish nothing new for 30 s (the run's process is forked with this)
    monkeypatch.setattr(runner, "UNSEEN_WAIT", 30.0)
    app = live_app(with_overrides(load_preset("xor"), epochs=100_000_000))  # (never finished within the test)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")  # lifts the watching pace: full speed (a command, answered)
        deadline = time.monotonic() + 10
        while not (app.snapshot.step > 500 and not app.snapshot.watching) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.snapshot.step > 500 and not app.snapshot.watching
        await pilot.press("space")
        deadline = time.monotonic() + 10  # (each wait its own: a press waits for the app to be idle, long when loaded)
        while not app.snapshot.paused and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.snapshot.paused
        paused_at = app.snapshot.step
        await asyncio.sleep(0.3)
        assert app.snapshot.step == paused_at, "a paused run sends no new steps"
        await pilot.press("space")
        step = app.snapshot.step
        deadline = time.monotonic() + 10
        while app.snapshot.step < step + 500 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.snapshot.step >= step + 500 and not app.snapshot.paused
