"""NeedsMemo: what each panel needs on screen for a Snapshot, worked out again only when what it read has changed.

The app asks the layout for a plan at every frame, and a panel's `need` can be costly
(the Architecture panel measures a whole Rich table). A need is a function of the
Snapshot's fields it reads; the memo notes which fields those were and, while they hold
the same values, gives the need it found before. Needs cheaper than comparing the
fields they read (the network's reads the whole decision surface) are not kept.
"""

from __future__ import annotations

import time
from typing import cast

from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.dashboard import PANELS, available
from tuinn.tui.widgets.panel import same_data

KEEP_ABOVE = 0.0002  # seconds: a need that took less is worked out again (comparing its fields costs about that)


class _Reads:
    """A Snapshot that notes the fields read from it."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.fields: dict[str, object] = {}

    def __getattr__(self, name: str) -> object:
        value = getattr(self._snapshot, name)
        self.fields[name] = value
        return value


class NeedsMemo:
    """Each available panel's Need for a Snapshot (as dashboard.panel_needs), kept while the fields it read are the same."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[dict[str, object], Need]] = {}

    def needs(self, snapshot: Snapshot) -> dict[str, Need]:
        """What each panel that applies to `snapshot` needs on screen."""
        return {name: self._need(name, snapshot) for name in available(snapshot)}

    def _need(self, name: str, snapshot: Snapshot) -> Need:
        kept = self._kept.get(name)
        if kept is not None and all(same_data(getattr(snapshot, f), v) for f, v in kept[0].items()):
            return kept[1]
        reads = _Reads(snapshot)
        started = time.perf_counter()
        need = PANELS[name].need(cast(Snapshot, reads))
        if time.perf_counter() - started >= KEEP_ABOVE:
            self._kept[name] = (reads.fields, need)
        else:
            self._kept.pop(name, None)
        return need
