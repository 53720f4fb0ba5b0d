"""The gradients panel while a run pretrains: no backprop has run, so instead of gradients each pretrained layer gets
a lane of its own with its reconstruction loss over its pretraining, its latest figure, and whether it is done,
pretraining now or still to come."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tuinn.train.pretrain import PretrainStatus
from tuinn.train.snapshot import Curve, Snapshot
from tuinn.tui.widgets.heatmap import NO_DATA_RGB, fit_columns
from tuinn.tui.widgets.loss import BARS
from tuinn.tui.widgets.status import fmt

LANE = Color.from_rgb(*NO_DATA_RGB)  # a lane's ground: the heatmaps' colour of "no data yet"
CURVE = Style(color="yellow", bgcolor=LANE)  # pretraining's colour, as in the loss panel
NOW, DONE = "◀", "✓"  # the layer pretraining now (as the architecture table marks it), a layer done
FIGURE = ".3g"
#: a panel's text_lines: one line each for the texts, cut to the width
TextLines = Callable[[list[Text], int], list[Strip]]


@dataclass(frozen=True)
class Lane:
    """One pretrained layer: its losses over its pretraining so far, its latest figure and where it is."""

    name: str
    losses: np.ndarray
    figure: float | None
    state: str  # "done", "now" or "waiting"


def lanes(p: PretrainStatus, recon: Curve) -> list[Lane]:
    """Each pretrained layer's lane: its points of the reconstruction curve (those after its start and up to the
    next layer's), the loss it finished with (done), its last epoch's (now, or its latest point in its first)."""
    found = []
    for k, name in enumerate(p.names):
        begun = k < len(p.starts)
        end = p.starts[k + 1] if k + 1 < len(p.starts) else np.inf
        losses = recon.values[(recon.steps > p.starts[k]) & (recon.steps <= end)] if begun else np.zeros(0)
        if k < len(p.final_losses):
            found.append(Lane(name, losses, p.final_losses[k], "done"))
        elif begun:
            latest = (
                p.reconstruction_loss
                if p.reconstruction_loss is not None
                else (float(losses[-1]) if len(losses) else None)
            )
            found.append(Lane(name, losses, latest, "now"))
        else:
            found.append(Lane(name, losses, None, "waiting"))
    return found


def heights(lines: int, count: int) -> list[int]:
    """Lines of each of `count` lanes in `lines`: as even as whole lines go (the first ones one more), one at least."""
    each, extra = divmod(max(lines, count), count)
    return [each + (k < extra) for k in range(count)]


def bars(losses: np.ndarray, columns: int, lines: int) -> list[str]:
    """A lane's curve, `lines` tall: a column per group of points (log10, on the lane's own range), drawn top line
    first in eighths of a cell; columns without points yet are blank."""
    shown = fit_columns(np.log10(np.maximum(losses, 1e-12))[None], columns)[0] if len(losses) else np.zeros(0)
    lo, hi = (float(shown.min()), float(shown.max())) if len(shown) else (0.0, 0.0)
    level = (shown - lo) / (hi - lo) if hi > lo else np.full(len(shown), 0.5)
    eighths = 1 + np.rint(level * (8 * lines - 1)).astype(int)
    rows = []
    for above in range(lines - 1, -1, -1):  # eighths under this line, top line first
        fill = np.clip(eighths - 8 * above, 0, 8)
        rows.append("".join(BARS[f - 1] if f else " " for f in fill.tolist()).ljust(columns))
    return rows


def longest_fitting(texts: tuple[str, ...], width: int) -> str:
    """The first of `texts` (longest first) that fits in `width` cells, else the last."""
    return next((text for text in texts if len(text) <= width), texts[-1])


def pretrain_lines(s: Snapshot, width: int, height: int, texts: TextLines) -> list[Strip]:
    """The heading, a lane per pretrained layer (its name and, right, its figure and mark) and a line saying where
    pretraining is: the lanes fill the `height` lines, the heading and that line where the lanes keep one each."""
    p = s.pretrain
    assert p is not None
    found = lanes(p, s.curves["recon_loss"])
    label = max(len(lane.name) for lane in found) + 1
    figures = [fmt(lane.figure, FIGURE) if lane.state != "waiting" else "" for lane in found]
    right = max(map(len, figures)) + 3  # " 0.123 ◀"
    columns = max(1, width - label - right)
    heading, footer = height >= len(found) + 1, height >= len(found) + 2
    titles = ("reconstruction loss per layer as it pretrains →", "reconstruction loss per layer", "reconstruction loss")
    lines = texts([Text(longest_fitting(titles, width), "dim")], width) if heading else []
    for lane, figure, tall in zip(found, figures, heights(height - heading - footer, len(found))):
        name_style = {"now": "bold yellow", "done": "", "waiting": "dim"}[lane.state]
        mark = {"now": NOW, "done": DONE, "waiting": ""}[lane.state]
        name, numbers = texts(
            [Text(lane.name.ljust(label), name_style), Text(f" {figure.rjust(right - 3)} {mark}", name_style)],
            max(label, right),
        )
        for k, row in enumerate(bars(lane.losses, columns, tall)):
            left, end = (name, numbers) if k == 0 else (Strip.blank(label), Strip.blank(right))
            lines.append(Strip.join([left.crop(0, label), Strip([Segment(row, CURVE)], columns), end.crop(0, right)]))
    if footer:
        where = f"layer {p.index}/{p.layers}, epoch {min(p.epoch + 1, p.epochs)}/{p.epochs}"
        lines += texts(
            [Text(longest_fitting((f"{where} · each lane on its own log scale", where), width), "dim")], width
        )
    return lines
