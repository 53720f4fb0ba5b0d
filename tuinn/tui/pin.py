"""The pinned baseline in the app: pin the run on screen (key B), unpin it, or pin a preset's whole run computed
in the background (the tour's comparisons). It stays through a new preset, an edit and a reset."""

from __future__ import annotations

import threading
from typing import Awaitable, Callable

from textual.app import App

from tuinn.config import RunConfig
from tuinn.train.baseline import Baseline, run_baseline
from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.chart import LossChartScreen
from tuinn.tui.widgets.panel import Panel


class BaselineKeeper:
    """Holds the app's baseline and redraws what shows it when it changes."""

    def __init__(self, app: App[int], relayout: Callable[[], Awaitable[None]]) -> None:
        self.app = app
        self._relayout = relayout  # the loss panel wants rows for the ghost: the layout is planned again
        self.baseline: Baseline | None = None
        self.by_tour = False  # the tour pinned the baseline (it lets it go at a stop that compares with nothing)
        self._wanted = 0  # counts the pins asked for: a background run pins only if no later pin was asked for
        self._computing = -1  # the pin a background run is computing (stale once another pin is asked for)
        self._closing = threading.Event()

    def pin(self, snapshot: Snapshot) -> None:
        """Pin the run in `snapshot` as it is now."""
        if snapshot.step == 0:
            self.app.notify("nothing to pin yet: the run has not taken a step", timeout=3)
            return
        self.set(Baseline.of(snapshot))
        self.app.notify(
            f"pinned {snapshot.preset} at step {snapshot.step:,} as the baseline (B again unpins)", timeout=3
        )

    def unpin(self) -> None:
        """Let the baseline go."""
        if self.baseline is None:
            self.app.notify("no baseline is pinned: B pins the run on screen", timeout=3)
            return
        self.set(None)
        self.app.notify("baseline unpinned", timeout=2)

    def toggle(self, snapshot: Snapshot) -> None:
        """Key B: pin the run on screen, or unpin the baseline when one is pinned."""
        if self.baseline is None:
            self.pin(snapshot)
        else:
            self.unpin()

    def set(self, baseline: Baseline | None, by_tour: bool = False) -> None:
        """Hold `baseline` (None: none), pinned by the tour or not, and redraw the loss panels and an open chart."""
        self._wanted += 1
        self.baseline, self.by_tour = baseline, by_tour and baseline is not None
        dashboard = self.app.screen_stack[0] if self.app.screen_stack else self.app.screen
        for panel in dashboard.query(Panel):
            if panel.snapshot is not None:
                panel.update_snapshot(panel.snapshot)
        for screen in self.app.screen_stack:
            if isinstance(screen, LossChartScreen):
                screen.show_baseline()
        if self.app.is_running:
            self.app.call_later(self._relayout)

    def release_tour_pin(self) -> None:
        """Unpin the baseline if the tour pinned it (and a run it was computing, if any)."""
        if self.by_tour or self._computing == self._wanted:
            self.set(None)

    def compute(self, config: RunConfig) -> None:
        """Pin `config`'s whole run (for the tour), trained at full speed in a thread (a fraction of a second for
        the tour's presets); a pin asked for meanwhile wins."""
        self._wanted += 1
        wanted = self._computing = self._wanted

        def work() -> None:
            try:
                baseline = run_baseline(config, self._closing.is_set)
            except (ValueError, OSError, ArithmeticError) as e:  # its data or network would not build
                self._tell(f"could not compute {config.name}'s run to compare with: {e}")
                return
            if baseline is not None and not self._closing.is_set():
                self._tell(baseline, wanted)

        threading.Thread(target=work, name="tuinn-baseline", daemon=True).start()

    def _tell(self, result: Baseline | str, wanted: int = -1) -> None:
        """Hand the app a background run's baseline (or why there is none), on the app's thread."""
        try:
            self.app.call_from_thread(self._computed, result, wanted)
        except RuntimeError:  # the app has closed meanwhile
            pass

    def _computed(self, result: Baseline | str, wanted: int) -> None:
        if isinstance(result, str):
            self.app.notify(result, severity="warning", timeout=5)
        elif wanted == self._wanted:
            self.set(result, by_tour=True)

    def close(self) -> None:
        """Stop a background run (the app is closing)."""
        self._closing.set()
