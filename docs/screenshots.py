"""Regenerate the README's screenshots: train a preset in step mode (deterministic), press keys, save SVG.

    python docs/screenshots.py      # writes docs/spiral.svg, docs/digits-cnn.svg, docs/deep-sigmoid-switch.svg
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tuinn.config import load_preset
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp

#: file stem -> (preset, steps, keys pressed after them, steps after the keys)
SHOTS = {
    "spiral": ("spiral", 3000, (), 0),
    "digits-cnn": ("digits-cnn", 300, (), 0),
    "deep-sigmoid-switch": ("deep-sigmoid", 400, ("a",) * 4, 600),  # sigmoid stalls; elu learns
}
SIZE = (120, 40)


async def screenshot(preset: str, steps: int, keys: tuple[str, ...], steps_after: int, out: Path) -> None:
    """Train `preset` for `steps` steps, press `keys`, train `steps_after` more, save the screen to `out`."""
    app = TuinnApp(trainer=Trainer(load_preset(preset), stop_at_target=False), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        app.advance(steps)
        await pilot.press(*keys)
        app.advance(steps_after)
        await pilot.pause()
        app.save_screenshot(str(out))


if __name__ == "__main__":
    here = Path(__file__).parent
    for stem, (preset, steps, keys, steps_after) in SHOTS.items():
        asyncio.run(screenshot(preset, steps, keys, steps_after, here / f"{stem}.svg"))
