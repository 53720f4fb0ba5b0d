"""A layer's health as the panels write it: the update-to-weight ratio in its band's colour, the saturated or dead share."""

from __future__ import annotations

from rich.text import Text

from tuinn.train.health import DEAD_AT_ZERO, HEALTHY, SATURATION, band
from tuinn.train.snapshot import LayerStats

#: each band of log10(‖ΔW‖ / ‖W‖) in its colour
BAND_STYLES = {"not learning": "bold dodger_blue1", "healthy": "bold green3", "too fast": "bold red1"}
RATIO_CELLS = 5  # "-30.0"
WORD_CELLS = max(map(len, BAND_STYLES))  # "not learning"
SHARE_CELLS = 4  # "100%"
#: the word of the share each activation has: saturated outputs, or dead units
SHARE_WORDS = dict.fromkeys(SATURATION, "sat") | dict.fromkeys(DEAD_AT_ZERO, "dead")


def ratio_text(stats: LayerStats) -> Text:
    """log10(‖ΔW‖ / ‖W‖) with one decimal in its band's colour ('-' before a step)."""
    value = stats.log_update_ratio
    if value is None:
        return Text("-".rjust(RATIO_CELLS), "dim")
    return Text(f"{value:{RATIO_CELLS}.1f}", BAND_STYLES[band(value)])


def share_text(stats: LayerStats, short: bool = False) -> str:
    """'sat 37%' or 'dead 12%' ('37%' short), or '' where neither applies or before an evaluation."""
    for word, share in (("sat", stats.saturated), ("dead", stats.dead)):
        if share is not None:
            return f"{share:{SHARE_CELLS}.0%}" if short else f"{word} {share:{SHARE_CELLS}.0%}"
    return ""


def legend(width: int) -> Text:
    """What the ratio's colours mean, in the longest wording that fits `width` cells."""
    low, high = HEALTHY
    wordings = (
        ("log10 ‖ΔW‖/‖W‖ of the last step: ", "not learning", "healthy", "too fast"),
        ("‖ΔW‖/‖W‖ ", "not learning", "healthy", "too fast"),
        ("ΔW/W ", "slow", "ok", "fast"),
    )
    for head, slow, ok, fast in wordings:
        text = Text.assemble(
            (head, "dim"),
            (f"<{low:g} {slow}", BAND_STYLES["not learning"]),
            " ",
            (f"{low:g}…{high:g} {ok}", BAND_STYLES["healthy"]),
            " ",
            (f">{high:g} {fast}", BAND_STYLES["too fast"]),
        )
        if text.cell_len <= width:
            return text
    return Text.assemble(("ok ", "dim"), (f"{low:g}…{high:g}", BAND_STYLES["healthy"]))


def caption(stats: LayerStats | None) -> str:
    """A node column's health in a few cells: 'Δ-4.8 sat 37%' ('' with nothing to say)."""
    if stats is None or stats.log_update_ratio is None:
        return ""
    share = " ".join(share_text(stats).split())
    return f"Δ{stats.log_update_ratio:.1f}" + (f" {share}" if share else "")
