"""The gradient panel shows each layer's health: the update ratio in its band's colour, its band, the saturated or dead share."""

from __future__ import annotations

import re

import pytest
from rich.style import Style
from textual.widgets import TabbedContent, TabPane
from tui_support import SMALL, WIDE, step_app

from tuinn.train.health import band
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.health import BAND_STYLES

WORDY = 60  # cells: a gradient panel this wide has room for each row's band word as well as its history


def rows(panel: GradientsPanel) -> dict[str, tuple[str, list]]:
    """Each layer row's text and segments, by the layer name it starts with."""
    names = panel.snapshot.grad_history_layers if panel.snapshot else ()
    found = {}
    for strip in panel._lines:
        words = strip.text.split()
        if words and words[0] in names and words[0] not in found:
            found[words[0]] = (strip.text, list(strip))
    return found


async def show_gradients(app, pilot) -> GradientsPanel:
    """The gradient panel on screen (its tab, on a small terminal)."""
    panel = app.query_one(GradientsPanel)
    for tabbed in app.query(TabbedContent):
        for pane in tabbed.query(TabPane):
            if panel in pane.query(GradientsPanel):
                tabbed.active = pane.id
    await pilot.pause()
    return panel


@pytest.mark.parametrize(
    "preset,size,share",
    [("deep-relu", SMALL, "dead"), ("spiral", SMALL, "sat"), ("spiral", WIDE, "sat"), ("xor", WIDE, "sat")],
    ids=lambda p: f"{p[0]}x{p[1]}" if isinstance(p, tuple) else str(p),
)
async def test_each_row_ends_in_its_layers_health(preset: str, size: tuple[int, int], share: str) -> None:
    app = step_app(preset)
    async with app.run_test(size=size) as pilot:
        app.source.advance(60)
        await pilot.pause()
        panel = await show_gradients(app, pilot)
        assert panel.size.width > 0
        shown = rows(panel)
        stats = {s.name: s for s in app.snapshot.layer_stats}
        assert shown and set(shown) <= set(stats)
        for name, (text, segments) in shown.items():
            st = stats[name]
            assert st.log_update_ratio is not None
            number = f"{st.log_update_ratio:.1f}"
            assert number in text.split(), (name, text)
            ratio_segment = next(seg for seg in segments if seg.text.strip() == number)
            assert ratio_segment.style == Style.parse(BAND_STYLES[band(st.log_update_ratio)])  # coloured by band
            value = st.saturated if share == "sat" else st.dead
            if name != app.snapshot.grad_history_layers[-1]:  # hidden layers: their share, as the JSON gives it
                assert value is not None and f"{value:.0%}" in text, (name, text)
                if size == SMALL:
                    assert f"{share} {value:.0%}" in " ".join(text.split())
                    if panel.size.width >= WORDY:  # (the panel on a tab of its own, not a column of the first screen)
                        assert band(st.log_update_ratio) in text
        if size == SMALL:  # room for the legend of the colours, in the words that fit
            assert re.search(r"-4…-2 (healthy|ok) ", " ".join(strip.text for strip in panel._lines))
