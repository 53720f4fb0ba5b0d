"""The app's lab: the experiment editor, the preset browser, saving as a preset, layer surgery, and the About card.

Two components the app holds: the Workbench (editor, presets, surgery) and the
AboutKeeper (when the About card shows). Each keeps its own state; the app's actions
call them, and they reach the run only through the `send` they are given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual.app import App
from textual.widget import Widget

from tuinn.config import ConfigError, load_preset
from tuinn.config.settings import save_preset
from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.tui.source import SourceCommand
from tuinn.tui.widgets.about import AboutCard, AboutScreen
from tuinn.tui.widgets.editor import ExperimentEditor
from tuinn.tui.widgets.presets import PresetBrowser
from tuinn.tui.widgets.save_preset import SavePresetScreen

EDITOR_WIDTH = 34  # cells the editor takes beside the panels (app.tcss says the same)
EDITOR_WIDGETS = "ExperimentEditor Input, ExperimentEditor Select, ExperimentEditor Checkbox"

Send = Callable[[SourceCommand], object]


class AboutKeeper:
    """When the About banner shows: once a preset opens (not in projector mode), and when a run misses its target by
    design (it then says why); not for a preset whose tour stop already says what it teaches. `i` opens the whole text."""

    def __init__(self, app: App[int]) -> None:
        self.app = app
        self._shown_for = ""  # the preset the card was last opened (or left closed) for
        self._explained = False  # the card has said why this finished run missed

    def show(self, visible: bool) -> None:
        for card in self.app.screen_stack[0].query(AboutCard):
            card.display = visible

    def toggle(self) -> None:
        """Open the whole About text over the panels."""
        cards = self.app.screen_stack[0].query(AboutCard)
        if cards:
            self.app.push_screen(AboutScreen(cards.first().snapshot))

    def told_by_tour(self, preset: str) -> None:
        """The tour panel says what `preset` teaches: the card need not open for it too."""
        if preset != self._shown_for:
            self._shown_for = preset
            self.show(False)

    def follow(self, snapshot: Snapshot, room: bool, touring: bool = False) -> None:
        """Open the card for a newly opened preset (if there is `room`), or for a run missed by design (not while
        `touring`: the tour's banner holds that line, and `i` still says why)."""
        if snapshot.preset != self._shown_for:
            self._shown_for = snapshot.preset
            self.show(room)
        experiment = snapshot.experiment
        missed = (
            snapshot.finished and not snapshot.target_met and experiment is not None and experiment.target.explain_miss
        )
        if missed and not self._explained:
            self._explained = True
            self.show(not touring)
        self._explained = self._explained and snapshot.finished


class Workbench:
    """The experiment editor beside the panels, the preset browser, saving as a preset and the layer commands."""

    def __init__(self, app: App[int], send: Send, shown: Callable[[], Snapshot]) -> None:
        self.app = app
        self.send = send
        self.shown = shown  # the Snapshot on screen
        self._refusals_seen = 0

    @property
    def snapshot(self) -> Snapshot:
        return self.shown()

    def width(self) -> int:
        """Cells the editor takes beside the panels (0 when it is closed)."""
        stack = self.app.screen_stack
        return EDITOR_WIDTH if stack and stack[0].query_children(ExperimentEditor) else 0

    async def follow(self, snapshot: Snapshot) -> None:
        """Keep the editor and the About card on `snapshot`, and say what the run refused."""
        editors = self.app.screen_stack[0].query_children(ExperimentEditor)  # (the screen's own: a frame looks here)
        for editor in editors:
            await editor.show(snapshot)
        if snapshot.refusals != self._refusals_seen:
            self._refusals_seen = snapshot.refusals
            if snapshot.refused and not editors:  # the editor shows it itself
                self.app.notify(snapshot.refused, severity="error", timeout=8)
        for card in self.app.screen_stack[0].query_children(AboutCard):
            card.show(snapshot)

    async def toggle_editor(self, keep_open: bool, before: Widget) -> None:
        """Open the editor (mounted `before` a widget), or close it unless `keep_open`."""
        editors = self.app.query(ExperimentEditor)
        if editors and not keep_open:
            await editors.remove()
            self.app.screen.remove_class("-lab")
        elif not editors:
            await self.app.mount(ExperimentEditor(self.snapshot), before=before)
            self.app.screen.add_class("-lab")

    def focus_field(self, field: str) -> None:
        """Focus the editor's `field` (or say it does not apply)."""
        for widget in self.app.query(EDITOR_WIDGETS):
            if widget.name == field and widget.display and widget.parent is not None and widget.parent.display:
                widget.focus()
                widget.scroll_visible(animate=False)
                return
        self.app.notify(f"{field} does not apply to this preset", timeout=3)

    def open_preset(self) -> None:
        self.app.push_screen(PresetBrowser(self.snapshot.preset), self._open)

    def _open(self, name: str | None) -> None:
        if name:
            self.send(cmd.OpenPreset(load_preset(name)))

    def save_preset(self) -> None:
        self.app.push_screen(SavePresetScreen(f"{self.snapshot.preset}-experiment.toml"), self._save)

    def _save(self, path: Path | None) -> None:
        experiment = self.snapshot.experiment
        if path is None or experiment is None:
            return
        try:
            saved = save_preset(experiment, path, name=path.stem)
        except (OSError, ConfigError) as e:
            reason = getattr(e, "strerror", None) or e
            self.app.notify(f"could not save {path}: {reason}", severity="error", timeout=6)
            return
        self.app.notify(f"Saved {saved}: run it again with tuinn --config {saved}", timeout=6)

    def chosen_layer(self) -> int | None:
        """The selected hidden layer ([ ]), or the last hidden one; None (and a note) when there is none."""
        rows = list(self.snapshot.summary)
        hidden = [i for i, r in enumerate(rows[:-1]) if r.type.startswith(("Dense", "Conv2D"))]
        if not hidden:
            self.app.notify("this network has no hidden layer to change", timeout=3)
            return None
        return next((i for i in hidden if rows[i].name == self.snapshot.selected_layer), hidden[-1])

    def size_field(self, layer: int) -> str:
        """The editor's field for the size of `layer`: its units, or its filters."""
        key = "filters" if self.snapshot.summary[layer].type.startswith("Conv2D") else "units"
        return f"model.layers[{layer}].{key}"

    def resize_layer(self, delta_units: int) -> None:
        """Add (or remove) units of the selected hidden layer, or the last one."""
        chosen = self.chosen_layer()
        if chosen is not None:
            self.send(cmd.ResizeLayer(chosen, delta_units))

    def remove_layer(self) -> None:
        """Remove the selected hidden layer, or the last one."""
        chosen = self.chosen_layer()
        if chosen is not None:
            self.send(cmd.RemoveLayer(chosen))

    def add_layer(self) -> None:
        """A hidden layer before the output, with the activation of the last hidden one."""
        experiment = self.snapshot.experiment
        if experiment is None:
            return
        layers = experiment.model["layers"]
        hidden = [layer.get("activation", "linear") for layer in layers[:-1] if layer.get("type") == "dense"]
        self.send(cmd.AddLayer(len(layers) - 1, hidden[-1] if hidden else "tanh"))
