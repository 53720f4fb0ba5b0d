"""What a frame costs the event loop: each panel's build and the whole screen's paint, in CPU milliseconds.

Trains each preset in this process (no thread), takes a Snapshot every few steps as the
app would show them, and hands each to the dashboard (every panel on one screen) in a
headless Textual app of the given size, timing with the process's CPU clock:

- per panel: `update_snapshot` (the panel decides whether its data changed, builds its
  lines and marks the rows that differ);
- frame: the dashboard's `show` plus Textual's layout and paint of the screen (what the
  event loop spends between two frames; the headless driver writes nothing). The screen
  paints on its own update timer, as in the app; the harness only waits until the
  process is idle (no Pilot round trip through every widget), and the garbage collector
  is frozen after the first paint, as the app freezes it.

A second pass hands the same Snapshot again (a paused run): what an unchanged frame costs.
Not a test; the machine's load shows in the figures:

    python bench/frame_cost.py [--presets xor spiral digits-cnn] [--sizes 120x40 200x60] [--frames 30] [--every 5]

`--profile PRESET SIZE` runs cProfile over the changing frames of one preset at one size
(the panels' updates and Textual's layout and paint) and prints the functions that cost most.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's tuinn
from textual.app import App, ComposeResult  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

import tuinn.tui  # noqa: E402
from tuinn.config import load_preset  # noqa: E402
from tuinn.train.setup import quiet_float_errors  # noqa: E402
from tuinn.train.snapshot import Snapshot  # noqa: E402
from tuinn.train.trainer import Trainer  # noqa: E402
from tuinn.tui.layout import plan_layout  # noqa: E402
from tuinn.tui.widgets.dashboard import Dashboard, lesson_of, panel_needs  # noqa: E402
from tuinn.tui.widgets.panel import Panel  # noqa: E402

HUGE = (180, 50)  # the app's projector-sized layout from this size up (screen class -huge)


class DashboardHost(App[None]):
    """The dashboard alone, styled by the app's stylesheet, as the app shows it on one screen."""

    CSS_PATH = str(Path(tuinn.tui.__file__).parent / "app.tcss")

    def __init__(self, snapshot: Snapshot, colour_system: str) -> None:
        super().__init__()
        self.first = snapshot
        self.colour_system = colour_system
        self.ascii = False
        self.show_rate = True

    def compose(self) -> ComposeResult:
        s, size = self.first, self.size  # the panels where the app puts them on this screen (no banner)
        plan = plan_layout((size.width, size.height), lesson_of(s), panel_needs(s), banner=False)
        yield Dashboard(s, plan, show_rate=True)

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width >= HUGE[0] and self.size.height >= HUGE[1], "-huge")


def snapshots(preset: str, frames: int, every: int) -> list[Snapshot]:
    """`frames` + 1 Snapshots of `preset`, `every` steps apart, after a short warm-up: the screen opens on the
    first, each of the others is a frame (a frame of the first would change nothing)."""
    trainer = Trainer(load_preset(preset), stop_at_target=False)
    shots = []
    with quiet_float_errors():
        for _ in range(20):
            trainer.step()
        for _ in range(frames + 1):
            for _ in range(every):
                trainer.step()
            shots.append(trainer.snapshot())
    return shots


IDLE_SLICE = 0.02  # seconds slept at a time while waiting for the app to finish a frame
IDLE_CPU = 0.001  # CPU seconds used during a slice below which the app is idle


async def settle(pilot: Pilot) -> None:
    """Let Textual lay out and paint what the last show() changed: wait until a slice passes with no work done."""
    while True:
        start = time.process_time()
        await asyncio.sleep(IDLE_SLICE)
        if time.process_time() - start < IDLE_CPU:
            return


async def frame(pilot: Pilot, dashboard: Dashboard, panels: list[Panel], snapshot: Snapshot) -> None:
    """One frame as the app makes it: every panel handed the Snapshot, then Textual's layout and paint."""
    for panel in panels:
        panel.update_snapshot(snapshot)
    dashboard.snapshot = snapshot
    await settle(pilot)


async def profile(shots: list[Snapshot], size: tuple[int, int], colour_system: str, top: int) -> None:
    """cProfile over the changing frames of `shots`: the functions with the most cumulative and own time."""
    app = DashboardHost(shots[0], colour_system)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        gc.freeze()  # as the app does after its first paint
        dashboard = app.query_one(Dashboard)
        panels = list(dashboard.query(Panel))
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for snapshot in shots[1:]:
            await frame(pilot, dashboard, panels, snapshot)
        profiler.disable()
    gc.unfreeze()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"{len(shots) - 1} frames; CPU ms per frame: {1000 * stats.total_tt / (len(shots) - 1):.1f}")  # type: ignore[attr-defined]
    for order in ("cumulative", "tottime"):
        stats.sort_stats(order).print_stats(top)


async def measure(shots: list[Snapshot], size: tuple[int, int], colour_system: str) -> dict[str, list[float]]:
    """CPU milliseconds per frame: per panel type, 'frame' (show + layout + paint) and 'same frame' (nothing new)."""
    app = DashboardHost(shots[0], colour_system)
    costs: dict[str, list[float]] = defaultdict(list)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        gc.freeze()  # as the app does after its first paint
        dashboard = app.query_one(Dashboard)
        panels = list(dashboard.query(Panel))
        for label, sequence in (("frame", shots[1:]), ("same frame", [shots[-1]] * (len(shots) - 1))):
            for snapshot in sequence:
                start = time.process_time()
                for panel in panels:
                    t0 = time.process_time()
                    panel.update_snapshot(snapshot)
                    if label == "frame":
                        costs[type(panel).__name__].append(time.process_time() - t0)
                dashboard.snapshot = snapshot
                await settle(pilot)
                costs[label].append(time.process_time() - start)
    gc.unfreeze()
    return {name: [1000 * c for c in values] for name, values in costs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["xor", "spiral", "digits-cnn"])
    parser.add_argument("--sizes", nargs="+", default=["120x40", "200x60"])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--every", type=int, default=5, help="training steps between two frames")
    parser.add_argument("--colours", default="truecolor", choices=["truecolor", "256"])
    parser.add_argument("--profile", nargs=2, metavar=("PRESET", "SIZE"), help="profile one preset at one size")
    parser.add_argument("--top", type=int, default=40, help="functions listed by --profile")
    args = parser.parse_args()
    if args.profile:
        preset, text = args.profile
        w, h = (int(v) for v in text.split("x"))
        asyncio.run(profile(snapshots(preset, args.frames, args.every), (w, h), args.colours, args.top))
        return
    print(f"CPU ms per frame, median (max) of {args.frames} frames, {args.colours}")
    for preset in args.presets:
        shots = snapshots(preset, args.frames, args.every)
        for text in args.sizes:
            w, h = (int(v) for v in text.split("x"))
            costs = asyncio.run(measure(shots, (w, h), args.colours))
            parts = [
                f"{name} {statistics.median(v):.1f} ({max(v):.1f})"
                for name, v in sorted(costs.items(), key=lambda kv: -statistics.median(kv[1]))
            ]
            print(f"{preset:11} {text:7} " + " · ".join(parts))


if __name__ == "__main__":
    main()
