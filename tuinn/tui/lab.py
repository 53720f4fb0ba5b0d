"""The app's lab: the experiment editor, the preset browser, the About card, saving as a preset, and their keys.

A mixin of TuinnApp, so app.py only wires it in: its keys join the app's bindings,
its commands join the command palette, and `follow_lab` keeps its widgets on the
latest Snapshot.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Iterable

from textual.app import SystemCommand
from textual.binding import Binding

from tuinn.config import ConfigError, load_preset
from tuinn.config.settings import save_preset
from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.about import AboutCard
from tuinn.tui.widgets.editor import ExperimentEditor
from tuinn.tui.widgets.presets import PresetBrowser
from tuinn.tui.widgets.save_preset import SavePresetScreen

EDITOR_WIDTH = 34  # cells the editor takes beside the panels (app.tcss says the same)
LAB_WIDE = (80, 30)
ABOUT_ROOM = (
    100,
    30,
)  # the About card opens by itself from this size (on smaller screens, i opens it)  # with the editor open, the panels stay on one screen down to this size

LAB_BINDINGS = [
    Binding(
        "e", "editor", "edit", tooltip="Experiment editor: data, features, layers, training (changes keep the weights)"
    ),
    Binding("b", "open_preset", "presets", tooltip="Open preset: start another built-in preset in this window"),
    Binding("i", "about", "about", tooltip="About this preset: what it teaches and things to try"),
    Binding("S", "save_preset", "save", show=False, tooltip="Save experiment as preset (a TOML file --config reads)"),
]

#: palette entries that open the editor at one field: name -> (the field, what it does)
EDITOR_FIELDS = {
    "Noise": ("data.noise", "Noise of the data, in percent (0-50)"),
    "Validation share": ("data.val_ratio", "The share of the samples kept for validation"),
    "Batch size": ("train.batch_size", "Samples per step (0: the whole training set)"),
    "L2": ("model.l2", "L2 weight penalty"),
    "Dropout": ("lab.dropout", "Dropout rate of the hidden layers"),
    "Input features": ("feature:x1", "x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ for 2-D data"),
}


def palette_entries() -> list[tuple[str, str]]:
    """(name, what it does) of the palette-only lab entries, for the help screen."""
    return [
        ("Add layer", "A hidden layer before the output, as close to the identity as its activation allows"),
        ("Remove layer", "Remove the selected hidden layer (or the last one), folding it into the next"),
        ("Add neuron", "One more unit in the selected hidden layer; its outgoing weights start at zero"),
        ("Remove neuron", "One unit less: the one with the smallest outgoing weights"),
        ("Units", "The editor, at the units of the selected hidden layer"),
        *((name, text) for name, (_, text) in EDITOR_FIELDS.items()),
    ]


class LabActions:
    """Keys, palette entries and handlers of the lab (mixed into TuinnApp)."""

    snapshot: Snapshot
    projector: bool

    def lab_width(self) -> int:
        """Cells the lab takes beside the panels."""
        return EDITOR_WIDTH if self.screen_stack and self.screen_stack[0].query(ExperimentEditor) else 0

    def follow_lab(self, snapshot: Snapshot) -> None:
        """Keep the editor and the About card on `snapshot`; a new preset rebuilds the panels."""
        self.call_next(self._follow, snapshot)

    async def _follow(self, snapshot: Snapshot) -> None:
        from tuinn.tui.widgets.dashboard import Dashboard

        if not self.screen_stack:  # the app is closing
            return
        editors = self.screen_stack[0].query(ExperimentEditor)
        for editor in editors:
            await editor.show(snapshot)
        if snapshot.refusals != self._refusals_seen:
            self._refusals_seen = snapshot.refusals
            if snapshot.refused and not editors:  # the editor shows it itself
                self.notify(snapshot.refused, severity="error", timeout=8)
        for card in self.screen_stack[0].query(AboutCard):
            card.show(snapshot)
        dashboards = self.screen_stack[0].query(Dashboard) if self.screen_stack else ()
        if not dashboards:  # the app is closing
            return
        dashboard = dashboards.first()
        if _pictures(dashboard.snapshot) != _pictures(snapshot) or dashboard.snapshot.preset != snapshot.preset:
            dashboard.snapshot = snapshot
            await dashboard.recompose()
            dashboard.show(snapshot)
        if snapshot.preset != self._about_for:  # a preset opened: say what it teaches, where there is room
            self._about_for = snapshot.preset
            self._show_about(
                not self.projector and self.size.width >= ABOUT_ROOM[0] and self.size.height >= ABOUT_ROOM[1]
            )
        experiment = snapshot.experiment  # None for a watched PyTorch run: no tuinn target to explain
        missed = (
            snapshot.finished and not snapshot.target_met and experiment is not None and experiment.target.explain_miss
        )
        if missed and not self._explained:
            self._explained = True
            self._show_about(True)  # missed by design: the card says why
        self._explained = self._explained and snapshot.finished

    _about_for = ""
    _explained = False
    _refusals_seen = 0

    def _show_about(self, visible: bool) -> None:
        for card in self.screen_stack[0].query(AboutCard):
            card.display = visible

    # --- actions ----------------------------------------------------------------------------------
    async def action_editor(self, field: str | None = None) -> None:
        """Open the editor (or close it); with `field`, open it with that field focused."""
        editors = self.query(ExperimentEditor)
        if editors and field is None:
            await editors.remove()
            self.screen.remove_class("-lab")
        elif not editors:
            await self.mount(ExperimentEditor(self.snapshot), before=self.query_one(AboutCard))
            self.screen.add_class("-lab")
        await self.relayout()
        if field is not None:  # after the palette (if it ran this) has given the focus back
            self.call_after_refresh(self._focus_field, field)

    def _focus_field(self, field: str) -> None:
        for widget in self.query("ExperimentEditor Input, ExperimentEditor Select, ExperimentEditor Checkbox"):
            if widget.name == field and widget.display and widget.parent.display:
                widget.focus()
                widget.scroll_visible(animate=False)
                return
        self.notify(f"{field} does not apply to this preset", timeout=3)

    def action_about(self) -> None:
        cards = self.query(AboutCard)
        self._show_about(not (cards and cards.first().display))

    def action_open_preset(self) -> None:
        self.push_screen(PresetBrowser(self.snapshot.preset), self._open)

    def _open(self, name: str | None) -> None:
        if name:
            self.send(cmd.OpenPreset(load_preset(name)))

    def action_save_preset(self) -> None:
        self.push_screen(SavePresetScreen(f"{self.snapshot.preset}-experiment.toml"), self._save)

    def _save(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            saved = save_preset(self.snapshot.experiment, path, name=path.stem)
        except (OSError, ConfigError) as e:
            self.notify(f"could not save {path}: {getattr(e, 'strerror', None) or e}", severity="error", timeout=6)
            return
        self.notify(f"Saved {saved}: run it again with tuinn --config {saved}", timeout=6)

    def _chosen_layer(self) -> int | None:
        """The selected hidden layer ([ ]), or the last hidden one; None (and a note) when there is none."""
        rows = list(self.snapshot.summary)
        hidden = [i for i, r in enumerate(rows[:-1]) if r.type.startswith(("Dense", "Conv2D"))]
        if not hidden:
            self.notify("this network has no hidden layer to change", timeout=3)
            return None
        return next((i for i in hidden if rows[i].name == self.snapshot.selected_layer), hidden[-1])

    def _layer_command(self, delta_units: int = 0, remove: bool = False) -> None:
        """Add or remove a neuron, or remove a layer: the selected hidden layer, or the last one."""
        chosen = self._chosen_layer()
        if chosen is None:
            return
        if remove:
            self.send(cmd.RemoveLayer(chosen))
            return
        self.send(cmd.ResizeLayer(chosen, delta_units))

    def lab_commands(self) -> Iterable[SystemCommand]:
        """The lab's entries in the command palette, under plain names."""
        yield SystemCommand(
            "Add layer", "A hidden layer before the output, close to the identity", self.action_add_layer
        )
        yield SystemCommand(
            "Remove layer", "Remove the selected hidden layer (or the last)", partial(self._layer_command, remove=True)
        )
        yield SystemCommand(
            "Add neuron", "One more unit in the selected hidden layer (or the last)", partial(self._layer_command, 1)
        )
        yield SystemCommand(
            "Remove neuron",
            "One unit less in the selected hidden layer (or the last)",
            partial(self._layer_command, -1),
        )
        yield SystemCommand("Units", "Edit the units (or filters) of the selected hidden layer", self._edit_units)
        for name, (field, text) in EDITOR_FIELDS.items():
            yield SystemCommand(name, text, partial(self.run_action, f"editor({field!r})"))

    async def _edit_units(self) -> None:
        chosen = self._chosen_layer()
        if chosen is not None:
            key = "filters" if self.snapshot.summary[chosen].type.startswith("Conv2D") else "units"
            await self.action_editor(f"model.layers[{chosen}].{key}")

    def action_add_layer(self) -> None:
        layers = self.snapshot.experiment.model["layers"]
        hidden = [l.get("activation", "linear") for l in layers[:-1] if l.get("type") == "dense"]
        self.send(cmd.AddLayer(len(layers) - 1, hidden[-1] if hidden else "tanh"))

    # --- the editor's messages ----------------------------------------------------------------------
    def on_experiment_editor_apply(self, message: ExperimentEditor.Apply) -> None:
        self.send(message.command)

    async def on_experiment_editor_requested(self, message: ExperimentEditor.Requested) -> None:
        await self.run_action(message.action)


def _pictures(s: Snapshot) -> tuple[bool, bool]:
    """Which picture panels a snapshot needs: decision boundary, feature maps."""
    return s.decision is not None, bool(s.feature_maps)
