"""The lab's form as a user sees it: ticked and unticked boxes differ, the focus shows, names are whole."""

from __future__ import annotations

from pathlib import Path

from panel_host import run_snapshots
from textual.app import App, ComposeResult
from textual.widgets import Input, Label

import tuinn.tui
from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.editor.form import ExperimentEditor, TickBox


class EditorHost(App[None]):
    """The editor alone, styled by the app's stylesheet."""

    CSS_PATH = str(Path(tuinn.tui.__file__).parent / "app.tcss")

    def __init__(self, snapshot: Snapshot, ascii: bool = False) -> None:
        super().__init__()
        self.snapshot, self.ascii, self.colour_system, self.show_rate = snapshot, ascii, "truecolor", False

    def compose(self) -> ComposeResult:
        yield ExperimentEditor(self.snapshot)


async def test_ticked_and_unticked_boxes_show_different_glyphs() -> None:
    for ascii, on, off in ((False, "☑", "☐"), (True, "[x]", "[ ]")):
        app = EditorHost(run_snapshots("xor", 1)[0], ascii=ascii)
        async with app.run_test(size=(40, 60)) as pilot:
            await pilot.pause()
            boxes = list(app.query(TickBox))
            glyphs = {box.value: box.render().plain[: len(on)] for box in boxes}
            assert glyphs == {True: on, False: off}, glyphs
            assert "X" not in " ".join(box.render().plain for box in boxes)


async def test_layer_names_are_whole() -> None:
    snapshot = run_snapshots("digits-cnn", 1)[0]
    app = EditorHost(snapshot)
    async with app.run_test(size=(40, 60)) as pilot:
        await pilot.pause()
        titles = [label for label in app.query(Label) if label.has_class("layer-title")]
        assert [str(t.render()) for t in titles] == [r.name for r in snapshot.summary]
        assert all(t.size.width > len(str(t.render())) for t in titles)  # "maxpool2d_1", not "dense…"


async def test_the_focused_field_stands_out() -> None:
    app = EditorHost(run_snapshots("spiral", 1)[0])
    async with app.run_test(size=(40, 60)) as pilot:
        await pilot.pause()
        field = next(w for w in app.query(Input) if w.name == "train.lr")
        label = field.parent.query_one(".field-label")
        before, label_before = field.rich_style.bgcolor, label.rich_style
        field.focus()
        await pilot.pause()
        after = field.rich_style.bgcolor
        r0, g0, b0 = before.get_truecolor()
        r1, g1, b1 = after.get_truecolor()
        assert abs(r1 - r0) + abs(g1 - g0) + abs(b1 - b0) > 60  # not #1e1e1e -> #272727
        assert label.rich_style != label_before and label.rich_style.reverse


async def test_an_open_drop_down_is_framed() -> None:
    app = EditorHost(run_snapshots("spiral", 1)[0])
    async with app.run_test(size=(40, 60)) as pilot:
        await pilot.pause()
        select = next(w for w in app.query("Select") if w.name == "train.optimizer")
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        overlay = select.query_one("SelectOverlay")
        assert overlay.display and overlay.styles.border_top[0] == "round"
