"""Regenerate the README's screenshots: train a preset in step mode (deterministic), press keys, save SVG.

    python docs/screenshots.py      # writes docs/spiral.svg, docs/digits-cnn.svg, docs/deep-sigmoid-switch.svg,
                                    # docs/spiral-editor.svg
    python docs/screenshots.py spiral-editor   # only the named ones
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sys

from tuinn.config import load_preset
from tuinn.train import commands as cmd
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp

#: file stem -> (preset, steps, keys pressed after them, steps after the keys)
SHOTS = {
    "spiral": ("spiral", 3000, (), 0),
    "digits-cnn": ("digits-cnn", 300, (), 0),
    "deep-sigmoid-switch": ("deep-sigmoid", 400, ("a",) * 4, 600),  # sigmoid stalls; elu learns
}
SIZE = (120, 40)
#: the lab on spiral, as the README tells it: the editor open, a layer added and widened, x1² and sin x1 on,
#: noise and L2 raised, each marked on the loss history
LAB_EDITS = (
    cmd.AddLayer(3, "tanh"),
    cmd.Edit((("model.layers[3].units", 24),)),
    cmd.Edit((("data.features", ["x1", "x2", "x1^2", "sin(x1)"]),)),
    cmd.Edit((("data.noise", 20),)),
    cmd.Edit((("model.l2", 0.0005),)),
)


async def screenshot(preset: str, steps: int, keys: tuple[str, ...], steps_after: int, out: Path) -> None:
    """Train `preset` for `steps` steps, press `keys`, train `steps_after` more, save the screen to `out`."""
    app = TuinnApp(trainer=Trainer(load_preset(preset), stop_at_target=False), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        app.advance(steps)
        await pilot.press(*keys)
        app.advance(steps_after)
        await pilot.pause()
        app.save_screenshot(str(out))


async def lab_screenshot(out: Path) -> None:
    """spiral: train, open the editor, make the lab's edits with training in between, save the screen."""
    app = TuinnApp(trainer=Trainer(load_preset("spiral"), stop_at_target=False), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        app.advance(1000)
        await pilot.press("e")
        for edit in LAB_EDITS:
            app.send(edit)
            app.advance(400)
        await pilot.pause()
        app.save_screenshot(str(out))


if __name__ == "__main__":
    here = Path(__file__).parent
    wanted = set(sys.argv[1:])
    for stem, (preset, steps, keys, steps_after) in SHOTS.items():
        if not wanted or stem in wanted:
            asyncio.run(screenshot(preset, steps, keys, steps_after, here / f"{stem}.svg"))
    if not wanted or "spiral-editor" in wanted:
        asyncio.run(lab_screenshot(here / "spiral-editor.svg"))
