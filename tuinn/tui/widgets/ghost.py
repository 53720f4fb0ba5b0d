"""The pinned baseline as the panels draw it: a ghost beside the live run, a label and the figures side by side."""

from __future__ import annotations

from rich.text import Text

from tuinn.train.baseline import Baseline, figure_name
from tuinn.train.snapshot import Snapshot

GHOST_STYLE = "grey58"  # the ghost's curves: dimmer than any live curve, in a colour none of them has
GHOST_MARKER = "·"  # the full chart draws the ghost in dots, the live curves in lines


def pinned(app: object) -> Baseline | None:
    """The baseline the app holds (None: none pinned, or a host app that holds none)."""
    baseline = getattr(app, "baseline", None)
    return baseline if isinstance(baseline, Baseline) else None


def shown(value: float | None, key: str, metric_name: str) -> str:
    """A figure for the comparison line: accuracies to two places, losses to three digits."""
    if value is None:
        return "—"
    return f"{value:.2f}" if key.endswith("metric") and metric_name == "accuracy" else f"{value:.3g}"


def comparison(baseline: Baseline, s: Snapshot) -> Text:
    """ "baseline: deep-sigmoid · activation sigmoid→relu · final val acc 0.50 vs 0.97 now"."""
    key = baseline.key_figure
    was, now = baseline.figures.get(key), getattr(s, key)
    figures = (
        f"final {figure_name(baseline.metric_name, key)} "
        f"{shown(was, key, baseline.metric_name)} vs {shown(now, key, s.metric_name)} now"
    )
    return Text.assemble(("baseline: ", GHOST_STYLE), baseline.label(s.experiment), (f" · {figures}", GHOST_STYLE))
