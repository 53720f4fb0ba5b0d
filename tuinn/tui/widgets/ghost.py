"""The pinned baseline as the panels draw it: a ghost beside the live run, a label and the figures side by side."""

from __future__ import annotations

from rich.console import Console
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


def figures_text(baseline: Baseline, s: Snapshot) -> str:
    """ "final val acc 0.50 vs 0.97 now": the baseline's figure against the live run's."""
    name, was, now = figures(baseline, s)
    return f"final {name} {was} vs {now} now"


def figures(baseline: Baseline, s: Snapshot) -> tuple[str, str, str]:
    """The figure compared by ("val acc"), the baseline's and the live run's, as shown."""
    key = baseline.key_figure
    if baseline.metric_name != s.metric_name:  # measured otherwise: the losses compare, the metrics do not
        key = key.replace("metric", "loss")
    was, now = baseline.figures.get(key), getattr(s, key)
    return figure_name(baseline.metric_name, key), shown(was, key, baseline.metric_name), shown(now, key, s.metric_name)


def short_comparison(baseline: Baseline, s: Snapshot) -> Text:
    """The comparison in one line for a short panel, the figures first: "baseline val acc 0.50 (now 0.97) · deep-sigmoid"."""
    name, was, now = figures(baseline, s)
    return Text(f"baseline {name} {was} (now {now}) · {baseline.preset}", GHOST_STYLE)


def comparison(baseline: Baseline, s: Snapshot, width: int, console: Console, most: int = 3) -> list[Text]:
    """ "baseline: deep-sigmoid · activation sigmoid→relu · final val acc 0.50 vs 0.97 now" in lines of `width`:
    one when it fits, else the label (wrapped, in `most` - 1 lines at most) and the figures on a line of their own."""
    figures = figures_text(baseline, s)
    label = Text.assemble(("baseline: ", GHOST_STYLE), baseline.label(s.experiment))
    whole = Text.assemble(label, (f" · {figures}", GHOST_STYLE))
    if whole.cell_len <= width:
        return [whole]
    wrapped = list(label.wrap(console, max(width, 1)))
    if len(wrapped) >= most:
        wrapped = wrapped[: most - 1]
        wrapped[-1] = wrapped[-1][: max(width - 1, 0)] + Text("…")
    return [*wrapped, Text(figures, GHOST_STYLE)]
