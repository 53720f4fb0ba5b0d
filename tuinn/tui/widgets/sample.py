"""Sample panel (image presets): the input image the CNN sees, its true class, and a bar per class probability.

As CNN Explainer shows it: the predicted bar is marked, green when right and
red when wrong. `,` `.` step through the validation samples, `m` jumps to the
next one the model gets wrong.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.strip import Strip

from tuinn.train.snapshot import SampleView, Snapshot
from tuinn.tui.layout import Need
from tuinn.tui.widgets.heatmap import DIVERGING, GREY, Scale, heatmap_strips
from tuinn.tui.widgets.panel import Panel

BAR_CELLS = "▏▎▍▌▋▊▉█"  # eighths of a cell, for bars with sub-cell resolution
NAME = 4  # cells for a class name in front of its bar, at the least
MAX_NAME = 16  # and at the most (a longer name is cut with an ellipsis)
MIN_BAR = 6  # cells of bar at the least
MAX_ZOOM = 8
MIN_IMAGE, WANT_IMAGE = 16, 64  # cells across the image: the least that reads, and plenty
WANT_BAR = 20  # cells of bar worth growing to


def bar(p: float, cells: int) -> str:
    """A horizontal bar of `cells` cells filled to p (0..1), in eighths."""
    eighths = int(round(max(0.0, min(1.0, p)) * cells * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_CELLS[part - 1] if part else "")).ljust(cells)


def name_cells(v: SampleView) -> int:
    """Cells for the class names in front of the bars: the longest name and a space, within NAME..MAX_NAME."""
    return max(NAME, min(MAX_NAME, max((len(n) + 1 for n in v.class_names), default=NAME)))


def bar_line(v: SampleView) -> int:
    """Cells of a bar line besides the bar: marker, name, figure."""
    return 2 + name_cells(v) + 6


def image_values(v: SampleView) -> np.ndarray:
    """The image as one channel (the mean of its channels)."""
    return v.image.mean(axis=2) if v.image.ndim == 3 else v.image


class SamplePanel(Panel):
    """The selected sample: image on the left, probabilities on the right (or under it when narrow)."""

    TITLE = "Sample"
    READS = ("sample",)

    def __init__(self, *, id: str | None = None, max_zoom: int | None = MAX_ZOOM) -> None:
        super().__init__(id=id)
        self.max_zoom = max_zoom  # None: as large as the panel (projector mode)
        self._drawn_image: tuple[tuple[object, ...], list[Strip]] | None = None  # what the picture was drawn from

    def view(self) -> tuple[object, ...]:
        return (self.max_zoom,)

    @classmethod
    def need(cls, snapshot: Snapshot) -> Need:
        """Two lines of heading, then the image beside a bar per class: small but whole, or zoomed up (a picture that
        keeps its shape: a line more for each 2w/h cells more across), by whole zooms."""
        v = snapshot.sample
        if v is None:
            return super().need(snapshot)
        h, w = image_values(v).shape
        classes = len(v.probabilities)

        def size(zoom: int, bar_cells: int) -> tuple[int, int]:
            return w * zoom + 1 + bar_line(v) + bar_cells, 2 + max(-(-h * zoom // 2), classes)

        least = max(1, MIN_IMAGE // w)
        most = max(least, min(MAX_ZOOM, WANT_IMAGE // w))
        zooms = [size(zoom, MIN_BAR) for zoom in range(least, most + 1)]  # (whole zooms only)
        return Need.content(
            *size(least, MIN_BAR),
            *size(most, WANT_BAR),
            aspect=2 * w / h,
            steps=tuple(height for _, height in zooms),
            step_widths=tuple(width for width, _ in zooms),
        )

    def build(self, snapshot: Snapshot, width: int, height: int) -> list[Strip]:
        v = snapshot.sample
        if v is None:
            return []
        right = v.predicted == v.label
        verdict = Text.assemble(
            ("true ", "dim"),
            (v.class_names[v.label] if 0 <= v.label < len(v.class_names) else "?", "bold"),
            ("  predicted ", "dim"),
            (v.class_names[v.predicted], "bold green" if right else "bold red"),
            ("  ✓" if right else "  ✕ wrong", "green" if right else "bold red"),
        )
        where = Text(f"{v.source} {v.index + 1:,}/{v.count:,}  , . step  m: next wrong", "dim")
        head = self.text_lines([verdict, where], width)
        img = image_values(v)
        zoom, side_by_side = self._arrangement(v, img.shape, width, height - len(head))
        picture = self._picture(img, zoom)
        if not side_by_side:
            return head + picture + self._bars(v, width)
        bars = self._bars(v, width - img.shape[1] * zoom - 1)
        gap, blank = Strip.blank(1), Strip.blank(img.shape[1] * zoom)
        rows = max(len(picture), len(bars))
        body = [
            Strip.join([picture[r] if r < len(picture) else blank, gap, bars[r] if r < len(bars) else Strip.blank(0)])
            for r in range(rows)
        ]
        return head + body

    def _arrangement(self, v: SampleView, shape: tuple[int, ...], width: int, height: int) -> tuple[int, bool]:
        """The zoom and whether the bars stand beside the picture (else under it), for `height` lines under the
        heading: beside where the width allows, under where that zooms as much and leaves fewer lines empty."""
        h, w = (int(n) for n in shape)  # the picture's, as build made it
        classes = len(v.probabilities)

        def zoom(room_w: int, room_h: int) -> int:
            return max(1, min(self.max_zoom or room_w, room_w // w, (2 * max(room_h, 1)) // h))

        beside_w = width - 1 - (bar_line(v) + MIN_BAR)
        under = zoom(width, height - classes)
        if beside_w < w:
            return under, False
        beside = zoom(beside_w, height)
        empty_beside = height - max(-(-h * beside // 2), classes)
        empty_under = height - -(-h * under // 2) - classes
        return (under, False) if under >= beside and 0 <= empty_under < empty_beside else (beside, True)

    def _picture(self, img: np.ndarray, zoom: int) -> list[Strip]:
        """The image drawn `zoom` times up, on its own range; the lines kept while the sample stays (most frames)."""
        key = (img.tobytes(), img.shape, zoom, self.terminal.colour_system)
        if self._drawn_image is None or self._drawn_image[0] != key:
            lo, hi = float(img.min()), float(img.max())
            palette = self.ramp(GREY if lo >= 0 else DIVERGING)
            scale = Scale(0.0, hi or 1.0) if lo >= 0 else Scale(-max(-lo, hi), max(-lo, hi))
            lines = heatmap_strips(np.repeat(np.repeat(img, zoom, axis=0), zoom, axis=1), scale, palette)
            self._drawn_image = key, lines
        return self._drawn_image[1]

    def _bars(self, v: SampleView, width: int) -> list[Strip]:
        """One line per class: name, a bar of its probability, the figure; the predicted one marked."""
        cells, name_width = max(MIN_BAR, width - bar_line(v)), name_cells(v)
        lines = []
        for k, p in enumerate(v.probabilities.tolist()):
            predicted, true = k == v.predicted, k == v.label
            style = ("green" if v.predicted == v.label else "red") if predicted else "cyan"
            name = v.class_names[k]
            if len(name) >= name_width:
                name = name[: name_width - 2] + "…"
            lines.append(
                Text.assemble(
                    ("▶ " if predicted else "  ", style),
                    (name.ljust(name_width), "bold" if true else "dim"),
                    (bar(p, cells), style),
                    f" {p:5.3f}",
                )
            )
        return self.text_lines(lines, width)
