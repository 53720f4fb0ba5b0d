"""ExperimentEditor: the lab's form (data, input features, layers, training), docked beside the panels.

Every field names a preset key; a change is checked as `--set` would check it and,
when valid, posted as an `ExperimentEditor.Apply` carrying the Trainer command. A
refused change shows the command line's message at the top and changes nothing.
"""

from __future__ import annotations

from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tuinn.config import RunConfig
from tuinn.config.settings import config_table
from tuinn.data import KINDS
from tuinn.data.features import FEATURES, LABELS
from tuinn.nn import OPTIMIZERS, get_loss
from tuinn.nn.activations import HIDDEN_ACTIVATIONS
from tuinn.nn.initializers import INITIALIZERS
from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.tui.widgets.editor import settings as st
from tuinn.tui.widgets.panel import Terminal

FIELD_LABELS = {
    "data.name": "Data set",
    "data.noise": "Noise %",
    "data.val_ratio": "Validation",
    "data.samples": "Samples",
    "data.classes": "Classes",
    "data.size": "Size",
    "train.batch_size": "Batch size",
    "model.l1": "L1",
    "model.l2": "L2",
    "train.lr": "Learn rate",
    "train.momentum": "Momentum",
    "train.beta1": "Beta 1",
    "train.beta2": "Beta 2",
    "train.rho": "Rho",
}
#: fields that stand for more than one key (see settings.py)
DROPOUT, INIT, KIND, OPTIMIZER = "lab.dropout", "lab.init", "data.kind", "train.optimizer"


def experiment_of(snapshot: Snapshot) -> RunConfig:
    """The run's settings, which every Snapshot of a Trainer carries (the editor has nothing to show without)."""
    if snapshot.experiment is None:
        raise ValueError("the editor needs a Snapshot with its experiment (a Trainer's)")
    return snapshot.experiment


def _row(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


class TickBox(Checkbox):
    """A checkbox whose glyph says its state: ☑ on, ☐ off ([x] and [ ] without UTF-8)."""

    BUTTON_LEFT = BUTTON_RIGHT = ""

    @property
    def _button(self) -> Content:
        if cast(Terminal, self.app).ascii:
            glyph = "[x]" if self.value else "[ ]"
        else:
            glyph = "☑" if self.value else "☐"
        return Content.assemble((glyph, self.get_visual_style("toggle--button")))


class LayerRows(Vertical):
    """One row per layer: its size (units, filters or rate), its activation, a remove button."""

    def __init__(self, experiment: RunConfig, names: list[str]) -> None:
        super().__init__(id="editor-layers")
        self.experiment, self.names = experiment, names

    def compose(self) -> ComposeResult:
        layers = self.experiment.model["layers"]
        fused = get_loss(self.experiment.model["loss"]).fused_activation
        last = len(layers) - 1
        name_width = max((len(name) for name in self.names), default=0) + 1  # every name whole, the columns aligned
        for i, (layer, name) in enumerate(zip(layers, self.names)):
            kind = layer.get("type")
            size_key = {"dense": "units", "conv2d": "filters", "dropout": "rate"}.get(kind)
            with Horizontal(classes="layer-row"):
                title = Label(name, classes="layer-title")
                title.styles.width = name_width
                yield title
                if size_key:
                    value = layer.get(size_key, 0.5 if size_key == "rate" else None)
                    yield Input(
                        st.shown(value),
                        name=f"model.layers[{i}].{size_key}",
                        compact=True,
                        classes="layer-size",
                        disabled=i == last,
                        tooltip=f"{size_key} of {name}",
                    )
                else:
                    yield Label(kind, classes="layer-size")
                if "activation" in layer or kind in ("dense", "conv2d"):
                    options = [(a, a) for a in HIDDEN_ACTIVATIONS] if i < last or fused is None else [(fused, fused)]
                    current = layer.get("activation", "linear")
                    if current not in dict(options):
                        options.append((current, current))
                    yield Select(
                        options,
                        value=current,
                        allow_blank=False,
                        compact=True,
                        name=f"model.layers[{i}].activation",
                        classes="layer-activation",
                        disabled=i == last and fused is not None,
                    )
                if i < last and kind in ("dense", "dropout"):
                    yield Button(
                        "✕", name=f"remove:{i}", compact=True, classes="layer-remove", tooltip=f"Remove {name}"
                    )


class ExperimentEditor(VerticalScroll):
    """The experiment as a form; opened with `e`."""

    # the field with the focus stands out (a compact field has no border to light up), its row's label too;
    # an open drop-down is framed, so it does not read as the rows it covers
    DEFAULT_CSS = """
    ExperimentEditor {
        & Input.-textual-compact:focus, & Button.-textual-compact:focus, & Select:focus > SelectCurrent {
            background: $accent 45%;
            text-style: bold;
        }
        & .field:focus-within > .field-label, & .layer-row:focus-within > .layer-title {
            color: $accent;
            text-style: bold reverse;
        }
        & Select > SelectOverlay.-textual-compact {
            border: round $accent !important;
        }
    }
    """
    BORDER_TITLE = "Experiment (e closes)"
    BINDINGS = [Binding("escape", "leave", "leave the form", show=False)]

    class Apply(Message):
        """A valid change for the Trainer."""

        def __init__(self, command: cmd.Command) -> None:
            super().__init__()
            self.command = command

    class Requested(Message):
        """A button asking the app for one of its actions (open preset, save, reset)."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(id="editor")
        self.snapshot = snapshot
        self.experiment: RunConfig = experiment_of(snapshot)
        self.started_with = dict(self.experiment.data)  # the run's own data (a --data file stays selectable)
        self._table = config_table(self.experiment)
        self._refusals = snapshot.refusals
        self._layout = self._layers_key(snapshot)

    @staticmethod
    def _layers_key(s: Snapshot) -> tuple[object, ...]:
        return tuple((r.name, r.type.split("(")[0]) for r in s.summary), experiment_of(s).model.get("loss")

    def action_leave(self) -> None:
        """Give the keys back to the app (escape), so a, space, q ... work again."""
        self.app.set_focus(None)

    # --- the form --------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        e = self.experiment
        yield Static("", id="editor-message", markup=False)
        yield Label("Data", classes="section")
        kinds: list[str] = list(st.GENERATED) + [
            k for k in (self.started_with.get("kind"),) if isinstance(k, str) and k not in st.GENERATED
        ]
        yield _row(
            "Kind", Select([(k, k) for k in kinds], value=e.data["kind"], allow_blank=False, compact=True, name=KIND)
        )
        for field in st.DATA_FIELDS:
            key = f"data.{field}"
            if field == "name":
                widget: Widget = Select(
                    [(n, n) for n in st.NAMES.get(e.data["kind"], ())] or [("-", "-")],
                    value=e.data.get("name", "-"),
                    allow_blank=False,
                    compact=True,
                    name=key,
                )
            else:
                widget = Input(st.shown(e.data.get(field)), compact=True, name=key, placeholder="default")
            row = _row(FIELD_LABELS[key], widget)
            row.display = field in KINDS[e.data["kind"]][0]
            yield row
        yield Button("New sample", name="new-sample", compact=True, tooltip="Fresh data with the same settings")
        with Vertical(id="editor-features") as features:
            features.display = self.snapshot.decision is not None
            yield Label("Input features", classes="section")
            with Horizontal(id="feature-switches"):
                for name in FEATURES:
                    yield TickBox(LABELS[name], name in st.features(e), name=f"feature:{name}", compact=True)
        yield Label("Layers", classes="section")
        yield LayerRows(e, [r.name for r in self.snapshot.summary])
        yield Button(
            "Add layer",
            name="add-layer",
            compact=True,
            tooltip="A hidden layer before the output, close to the identity",
        )
        yield Label("Training", classes="section")
        yield _row("Batch size", Input(st.shown(e.train.batch_size), compact=True, name="train.batch_size"))
        yield _row("L1", Input(st.shown(e.model.get("l1", 0)), compact=True, name="model.l1"))
        yield _row("L2", Input(st.shown(e.model.get("l2", 0)), compact=True, name="model.l2"))
        yield _row("Dropout", Input(st.shown(st.current_dropout(e)), compact=True, name=DROPOUT))
        inits = ["default", *dict.fromkeys(INITIALIZERS)]
        yield _row(
            "Init",
            Select([(i, i) for i in inits], value=st.current_init(e), allow_blank=False, compact=True, name=INIT),
        )
        yield Button("Reset (r): apply init", name="reset", compact=True)
        yield _row("Learn rate", Input(st.shown(e.train.lr), compact=True, name="train.lr"))
        yield _row(
            "Optimizer",
            Select(
                [(o, o) for o in OPTIMIZERS], value=e.train.optimizer, allow_blank=False, compact=True, name=OPTIMIZER
            ),
        )
        for option in ("momentum", "beta1", "beta2", "rho"):
            row = _row(
                FIELD_LABELS[f"train.{option}"],
                Input(
                    st.shown(e.train.optimizer_options.get(option)),
                    compact=True,
                    name=f"train.{option}",
                    placeholder="default",
                ),
            )
            row.display = option in st.OPTION_FIELDS[e.train.optimizer]
            yield row
        yield Label("Presets", classes="section")
        yield Button("Open preset… (b)", name="open-preset", compact=True)
        yield Button("Save experiment as preset…", name="save-preset", compact=True)

    # --- following the run ----------------------------------------------------------------
    async def show(self, snapshot: Snapshot) -> None:
        """Follow the run: fields not being edited show the current values; a refusal shows its message."""
        self.snapshot = snapshot
        if snapshot.refusals != self._refusals and snapshot.refused:
            self._refusals = snapshot.refusals
            self.say(snapshot.refused, error=True)
        experiment = experiment_of(snapshot)
        table = config_table(experiment)
        if table == self._table:
            return
        layout = self._layers_key(snapshot)
        kind_changed = experiment.data["kind"] != self.experiment.data["kind"]
        optimizer_changed = experiment.train.optimizer != self.experiment.train.optimizer
        self.experiment, self._table = experiment, table
        if layout != self._layout or kind_changed or optimizer_changed:
            self._layout = layout
            focused = self.app.focused.name if self.app.focused is not None else None
            await self.recompose()
            self._refocus(focused)
            return
        self._sync()

    def _refocus(self, name: str | None) -> None:
        for widget in self.query("Input, Select, Checkbox, Button"):
            if name is not None and widget.name == name:
                widget.focus()
                return

    def _sync(self) -> None:
        """Put the experiment's values in the fields that do not have the focus."""
        e = self.experiment
        for widget in self.query("Input, Select, Checkbox"):
            if widget.has_focus or widget.name is None:
                continue
            value = self._value_for(widget.name, e)
            if value is _SKIP:
                continue
            if isinstance(widget, Input):
                if widget.value != st.shown(value):
                    widget.value = st.shown(value)
            elif isinstance(widget, (Select, Checkbox)) and widget.value != value:
                with widget.prevent(Select.Changed, Checkbox.Changed):
                    widget.value = value
        features = self.query_one("#editor-features")
        features.display = self.snapshot.decision is not None

    def _value_for(self, name: str, e: RunConfig) -> Any:
        if name.startswith("feature:"):
            return name.split(":", 1)[1] in st.features(e)
        if name == DROPOUT:
            return st.current_dropout(e)
        if name == INIT:
            return st.current_init(e)
        if name == "data.name" and "name" not in e.data:
            return _SKIP
        value = st.current(e, name)
        if value is None:
            return DEFAULTS.get(name.rsplit(".", 1)[-1])
        return value

    def say(self, text: str, error: bool = False) -> None:
        """Show `text` at the top of the form (an error in red)."""
        message = self.query_one("#editor-message", Static)
        message.update(text)
        message.set_class(error, "-error")
        if error:
            self.scroll_home(animate=False)

    # --- turning changes into commands ---------------------------------------------------------
    def _send(self, settings: st.Settings) -> None:
        if not settings:
            return
        problem = st.check(self.experiment, settings)
        if problem:
            self.say(problem, error=True)
            return
        self.say("")
        self.post_message(self.Apply(cmd.Edit(settings)))

    def _settings_for(self, name: str, value: Any) -> st.Settings:
        e = self.experiment
        if name == KIND:
            return st.data_kind(e, value, self.started_with)
        if name == "data.name":
            return st.data_name(e, value)
        if name == OPTIMIZER:
            return st.optimizer(e, value)
        if name == INIT:
            return st.initializer(e, value)
        if name.startswith("feature:"):
            return st.toggle_feature(e, name.split(":", 1)[1], value)
        return ((name, value),)

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.name and event.value != self._value_for(event.select.name, self.experiment):
            self._send(self._settings_for(event.select.name, event.value))

    @on(Checkbox.Changed)
    def _switch(self, event: Checkbox.Changed) -> None:
        event.stop()
        box = event.checkbox
        if box.name and event.value != self._value_for(box.name, self.experiment):
            self._send(self._settings_for(box.name, event.value))

    @on(Input.Submitted)
    @on(Input.Blurred)
    def _input(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        name = event.input.name
        if not name or event.input.value.strip() == st.shown(self._value_for(name, self.experiment)):
            return
        if not event.input.value.strip():
            self.say(f"{name}: give a value", error=True)
            return
        value = st.value_of(name, event.input.value)
        if name != DROPOUT:
            self._send(((name, value),))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._send(st.dropout(self.experiment, float(value)))
        else:
            self.say(f"Dropout: a rate from 0 up to 1 (excluded), such as 0.2; got {event.input.value!r}", error=True)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        name = event.button.name or ""
        if name.startswith("remove:"):
            self.post_message(self.Apply(cmd.RemoveLayer(int(name.split(":")[1]))))
        elif name == "new-sample":
            self.post_message(self.Apply(cmd.NewSample()))
        elif name in ("add-layer", "open-preset", "save-preset", "reset"):
            self.post_message(self.Requested(name.replace("-", "_")))


_SKIP = object()
DEFAULTS = {"rate": 0.5, "l1": 0, "l2": 0}  # what a key means when the preset does not give it
