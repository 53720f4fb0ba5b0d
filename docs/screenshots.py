"""Regenerate the README's screenshots: run a preset for a fixed number of steps and save the screen as SVG.

    python docs/screenshots.py            # writes docs/spiral.svg and docs/digits-cnn.svg
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tuinn.config import load_preset
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp

SHOTS = {"spiral": 3000, "digits-cnn": 300}  # preset -> training steps before the picture
SIZE = (120, 40)


async def screenshot(preset: str, steps: int, out: Path) -> None:
    """Train `preset` for `steps` steps in step mode (deterministic) and save the screen to `out`."""
    app = TuinnApp(trainer=Trainer(load_preset(preset), stop_at_target=False), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        app.advance(steps)
        await pilot.pause()
        app.save_screenshot(str(out))


if __name__ == "__main__":
    here = Path(__file__).parent
    for preset, steps in SHOTS.items():
        asyncio.run(screenshot(preset, steps, here / f"{preset}.svg"))
