"""Regenerate the README's screenshots: train a preset on the tests' stepping source (deterministic), press keys, save SVG.

python docs/screenshots.py                 # writes docs/*.svg (the README's pictures)
python docs/screenshots.py spiral-editor   # only the named ones
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from tuinn.config import load_preset
from tuinn.train import commands as cmd
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' stepping source
from tests.tui.tui_support import StepSource  # noqa: E402

WIDE, SMALL, HUGE = (120, 40), (80, 24), (200, 60)
MIDDLE = (100, 30)  # between the tabs of 80x24 and the one screen of 120x40
SETTLE_PAUSES = 3  # on a busy machine one pause can leave the footer's keys undrawn


@dataclass(frozen=True)
class Shot:
    """A picture: `preset` trained `steps` steps, `keys` pressed, `steps_after` more steps, `keys_after`, at `size` in `colours`."""

    preset: str
    steps: int
    keys: tuple[str, ...] = ()
    steps_after: int = 0
    size: tuple[int, int] = WIDE
    colours: str = "truecolor"
    keys_after: tuple[str, ...] = ()  # pressed after the last steps


SHOTS = {
    "spiral": Shot("spiral", 3000),
    "spiral-unit": Shot("spiral", 3000, ("full_stop",) * 20),  # dense_2's 2nd unit in the big panel
    "spiral-80x24": Shot("spiral", 3000, (), size=SMALL),
    "spiral-256": Shot("spiral", 3000, colours="256"),
    "digits-cnn": Shot("digits-cnn", 300, ("m",)),  # a digit the net gets wrong
    "digits-cnn-80x24": Shot("digits-cnn", 300, (), size=SMALL),
    "spiral-100x30": Shot("spiral", 3000, size=MIDDLE),
    "spiral-200x60": Shot("spiral", 3000, size=HUGE),
    "deep-sigmoid-100x30": Shot("deep-sigmoid", 400, size=MIDDLE),
    "deep-sigmoid-200x60": Shot("deep-sigmoid", 400, size=HUGE),
    "digits-cnn-100x30": Shot("digits-cnn", 300, ("m",), size=MIDDLE),
    "digits-cnn-200x60": Shot("digits-cnn", 300, ("m",), size=HUGE),
    "seed-conv-cell": Shot("seed-conv", 300, ("x", "right", "c")),  # how one conv cell is computed
    "deep-sigmoid-switch": Shot("deep-sigmoid", 400, tuple("aaaa"), 600),  # sigmoid stalls; elu learns
    "deep-sigmoid-chart": Shot("deep-sigmoid", 400, tuple("aaaa"), 600, keys_after=("p",)),  # the full chart
    "spiral-projector": Shot("spiral", 3000, ("P",), size=HUGE),  # projector mode, as a room sees it
    "digits-cnn-projector": Shot("digits-cnn", 300, ("P", "m"), size=HUGE),
}
#: the lab on spiral, as the README tells it: the editor open, a layer added and widened, x1² and sin x1 on,
#: noise and L2 raised, each marked on the loss history
LAB_EDITS = (
    cmd.AddLayer(3, "tanh"),
    cmd.Edit((("model.layers[3].units", 24),)),
    cmd.Edit((("data.features", ["x1", "x2", "x1^2", "sin(x1)"]),)),
    cmd.Edit((("data.noise", 20),)),
    cmd.Edit((("model.l2", 0.0005),)),
)


async def settle(pilot) -> None:
    """Let the app finish what the last Snapshot started (a recompose, the footer's keys) before the picture."""
    for _ in range(SETTLE_PAUSES):
        await pilot.pause()


async def screenshot(shot: Shot, out: Path) -> None:
    """Take `shot` and save the screen to `out`."""
    trainer = Trainer(load_preset(shot.preset), stop_at_target=False)
    source = StepSource(trainer)
    app = TuinnApp(source, colour_system=shot.colours)
    async with app.run_test(size=shot.size) as pilot:
        source.advance(shot.steps)
        trainer.evaluate()
        await pilot.press(*shot.keys)
        source.advance(shot.steps_after)
        await pilot.press(*shot.keys_after)
        await settle(pilot)
        app.save_screenshot(str(out))


async def lab_screenshot(out: Path) -> None:
    """spiral: train, open the editor, make the lab's edits with training in between, save the screen."""
    source = StepSource(Trainer(load_preset("spiral"), stop_at_target=False))
    app = TuinnApp(source)
    async with app.run_test(size=WIDE) as pilot:
        source.advance(1000)
        await pilot.press("e")
        for edit in LAB_EDITS:
            app.send(edit)
            source.advance(400)
        await settle(pilot)
        app.save_screenshot(str(out))


#: the baseline pictures: deep-sigmoid's whole run pinned (B), then deep-relu opened and trained beside its ghost
BASELINE_SHOTS = {"deep-relu-baseline": (WIDE, ()), "deep-relu-baseline-chart": (WIDE, ("p",))}


async def baseline_screenshot(size: tuple[int, int], keys: tuple[str, ...], out: Path) -> None:
    """deep-sigmoid trained through its budget and pinned as the baseline; deep-relu opened and trained; `keys`."""
    source = StepSource(Trainer(load_preset("deep-sigmoid"), stop_at_target=False))
    app = TuinnApp(source)
    async with app.run_test(size=size) as pilot:
        source.advance(2500)
        await pilot.press("B")
        app.send(cmd.OpenPreset(load_preset("deep-relu")))
        source.advance(600)
        app.clear_notifications()
        await pilot.pause()
        await pilot.press(*keys)
        await settle(pilot)
        app.save_screenshot(str(out))


if __name__ == "__main__":
    here = Path(__file__).parent
    wanted = set(sys.argv[1:])
    for stem, shot in SHOTS.items():
        if not wanted or stem in wanted:
            asyncio.run(screenshot(shot, here / f"{stem}.svg"))
    if not wanted or "spiral-editor" in wanted:
        asyncio.run(lab_screenshot(here / "spiral-editor.svg"))
    for stem, (size, keys) in BASELINE_SHOTS.items():
        if not wanted or stem in wanted:
            asyncio.run(baseline_screenshot(size, keys, here / f"{stem}.svg"))
