"""Every key and palette entry of the app, in one registry: the footer, the help screen and the palette read it.

Which keys a screen offers follows its source's Capabilities: a run that can be steered
gets the training, lab and tour keys; a recording gets play, frame and scrub keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from tuinn.train.steering import LR_FACTOR
from tuinn.tui.replay_source import JUMP
from tuinn.tui.source import Capabilities

PICK, LR, LAYER = (
    Binding.Group("pick", compact=True),
    Binding.Group("lr", compact=True),
    Binding.Group("layer", compact=True),
)

HELP = Binding("question_mark", "help", "help", key_display="?", tooltip="Help: what each panel shows, and every key")
CHART = Binding("p", "chart", "chart", tooltip="Full loss chart with the switches marked")
NETWORK = Binding(
    "N",
    "network",
    "network",
    show=False,
    tooltip="Network view (2-D presets): units joined by their weights; , . pick one, see its equation",
)
CONV_CELL = Binding(
    "x",
    "conv_cell",
    "cell",
    show=False,
    tooltip="Conv cell: how this value is computed (CNN presets; or click a feature map's cell)",
)
PROJECTOR = Binding(
    "P",
    "projector",
    "projector",
    tooltip="Projector mode: the main picture as large as possible, epoch, loss and accuracy in large digits",
)

#: a run that can be steered; the footer shows them in this order: help and quit first, so they are on it at any width
RUN_KEYS = [
    HELP,
    Binding("q", "quit", "quit", tooltip="Quit (stops training)"),
    Binding("space", "pause", "pause", tooltip="Pause or resume training"),
    Binding("a", "activation(1)", "act", tooltip="Next activation for the hidden layers (weights kept)"),
    Binding(
        "A", "activation(-1)", "act←", show=False, tooltip="Previous activation for the hidden layers (weights kept)"
    ),
    Binding(
        "comma",
        "pick(-1)",
        "prev",
        key_display=",",
        group=PICK,
        tooltip="Previous unit of the network view, or previous sample (image presets)",
    ),
    Binding(
        "full_stop",
        "pick(1)",
        "next",
        key_display=".",
        group=PICK,
        tooltip="Next unit of the network view, or next sample (image presets)",
    ),
    Binding(
        "m", "misclassified", "wrong", tooltip="Image presets: jump to the next validation sample the model gets wrong"
    ),
    Binding("c", "channels", "channels", tooltip="Feature maps: the next page of channels of every layer"),
    Binding(
        "v",
        "points",
        "points",
        tooltip="Decision boundary: show all points, training only, validation only or the misclassified",
    ),
    Binding("n", "step", "step", tooltip="Train one step (while paused, or on from a finished run)"),
    Binding("r", "reset", "reset", tooltip="Reset: start again from the same seed's weights"),
    Binding(
        "w",
        "watch_again",
        "watch again",
        show=False,
        tooltip="Watch again: start again from the seed at the watching pace (slow until the first landmark)",
    ),
    Binding("plus", "lr(2.0)", "lr×2", key_display="+", group=LR, tooltip="Double the learning rate"),
    Binding("minus", "lr(0.5)", "lr÷2", key_display="-", group=LR, tooltip="Halve the learning rate"),
    Binding("o", "optimizer", "optim", tooltip="Next optimizer (weights kept, optimizer state fresh)"),
    Binding(
        "left_square_bracket",
        "layer(-1)",
        "layer↑",
        key_display="[",
        group=LAYER,
        tooltip="Select the previous layer (gradient matrix, kernels)",
    ),
    Binding(
        "right_square_bracket",
        "layer(1)",
        "layer↓",
        key_display="]",
        group=LAYER,
        tooltip="Select the next layer (gradient matrix, kernels)",
    ),
    Binding("s", "speed", "speed", tooltip="Speed limit: as fast as possible, 1000, 100 or 10 steps/s"),
    CHART,
    NETWORK,
    CONV_CELL,
    PROJECTOR,
    Binding(
        "ctrl+s",
        "save_checkpoint",
        "save",
        show=False,
        tooltip="Save checkpoint: the whole run, to <preset>-epoch<N>.npz (continue with --resume)",
    ),
    # the lab
    Binding(
        "e", "editor", "edit", tooltip="Experiment editor: data, features, layers, training (changes keep the weights)"
    ),
    Binding("b", "open_preset", "presets", tooltip="Open preset: start another built-in preset in this window"),
    Binding("i", "about", "about", tooltip="About this preset: what it teaches and things to try"),
    Binding("S", "save_preset", "save", show=False, tooltip="Save experiment as preset (a TOML file --config reads)"),
    Binding(
        "B",
        "baseline",
        "baseline",
        show=False,
        tooltip="Pin this run as the baseline: a grey ghost beside the next runs (B again unpins)",
    ),
    # the tour: not in the footer (it is full); the tour panel names them, and they start the tour when it is off
    Binding(
        "greater_than_sign",
        "tour_stop(1)",
        "next stop",
        key_display=">",
        show=False,
        tooltip="Tour: the next stop (starts the tour at the preset on screen)",
    ),
    Binding(
        "less_than_sign",
        "tour_stop(-1)",
        "prev stop",
        key_display="<",
        show=False,
        tooltip="Tour: the previous stop (starts the tour at the preset on screen)",
    ),
    Binding("t", "tour_text", "stop text", show=False, tooltip="Tour: this stop's whole text (and its table)"),
]

#: a run shown read-only: only the views
VIEW_KEYS = [
    CHART,
    NETWORK,
    PROJECTOR,
    Binding("question_mark", "help", "help", key_display="?", tooltip="This help"),
    Binding("q", "quit", "quit", tooltip="Quit"),
]

#: frame by frame and scrubbing through a recording
SCRUB_KEYS = [
    Binding("full_stop", "frames(1)", "frame→", key_display=".", tooltip="One frame forward (pauses)"),
    Binding("comma", "frames(-1)", "frame←", key_display=",", tooltip="One frame back (pauses)"),
    Binding("right_square_bracket", "frames(10)", "+10", key_display="]", tooltip=f"{JUMP} frames forward (pauses)"),
    Binding("left_square_bracket", "frames(-10)", "-10", key_display="[", tooltip=f"{JUMP} frames back (pauses)"),
    Binding("home", "seek(0)", "start", tooltip="The first frame"),
]

#: a recording: play, frames, scrubbing, then the views
REPLAY_KEYS = [
    Binding("space", "pause", "play/pause", tooltip="Play or pause the replay"),
    *SCRUB_KEYS,
    Binding("end", "seek(-1)", "end", tooltip="The last frame"),
    Binding("s", "speed", "speed", tooltip="Replay speed: 1, 2, 4 or 8 frames a tick"),
    *VIEW_KEYS,
]

#: a run another process is writing (tuinn attach): steer the watched loop, scrub back, follow again
ATTACH_KEYS = [
    Binding("space", "pause", "pause run", tooltip="Pause or resume the watched loop at its next step"),
    Binding("plus", f"lr({LR_FACTOR})", "lr×2", key_display="+", group=LR, tooltip="Double the loop's learning rate"),
    Binding(
        "minus", f"lr({1 / LR_FACTOR})", "lr÷2", key_display="-", group=LR, tooltip="Halve the loop's learning rate"
    ),
    *SCRUB_KEYS,
    Binding("end", "seek(-1)", "follow", tooltip="The last frame, and follow new ones again"),
    *VIEW_KEYS,
]


@dataclass(frozen=True)
class PaletteEntry:
    """A command-palette entry with no key of its own: its name, what it does, and the app action it runs."""

    name: str
    text: str
    action: str


#: palette entries that open the editor at one field: name -> (the field, what it does)
EDITOR_FIELDS = {
    "Noise": ("data.noise", "Noise of the data, in percent (0-50)"),
    "Validation share": ("data.val_ratio", "The share of the samples kept for validation"),
    "Batch size": ("train.batch_size", "Samples per step (0: the whole training set)"),
    "L2": ("model.l2", "L2 weight penalty"),
    "Dropout": ("lab.dropout", "Dropout rate of the hidden layers"),
    "Input features": ("feature:x1", "x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ for 2-D data"),
}

#: a run that can be steered: the tour and the lab's layer surgery, the editor's fields, then the baseline
RUN_PALETTE = [
    PaletteEntry("Tour", "The history of neural networks, stop by stop (> next, < previous)", "tour"),
    PaletteEntry(
        "Add layer", "A hidden layer before the output, as close to the identity as its activation allows", "add_layer"
    ),
    PaletteEntry(
        "Remove layer", "Remove the selected hidden layer (or the last one), folding it into the next", "remove_layer"
    ),
    PaletteEntry(
        "Add neuron",
        "One more unit in the selected hidden layer (or the last); its outgoing weights start at zero",
        "neurons(1)",
    ),
    PaletteEntry(
        "Remove neuron",
        "One unit less in the selected hidden layer (or the last): the one with the smallest outgoing weights",
        "neurons(-1)",
    ),
    PaletteEntry(
        "Units", "The editor, at the units (or filters) of the selected hidden layer (or the last)", "edit_units"
    ),
    *(PaletteEntry(name, text, f"editor({field!r})") for name, (field, text) in EDITOR_FIELDS.items()),
    PaletteEntry(
        "Pin as baseline",
        "Keep this run's curves as a grey ghost beside the next runs, to compare with (key B)",
        "pin_baseline",
    ),
    PaletteEntry("Unpin baseline", "Take the pinned baseline's ghost off the loss panel and chart", "unpin_baseline"),
]


def bindings_for(capabilities: Capabilities) -> list[Binding]:
    """The keys a source with these capabilities gets, in the footer's order."""
    if capabilities.steer:
        return RUN_KEYS
    if capabilities.follow:
        return ATTACH_KEYS
    return REPLAY_KEYS if capabilities.scrub else VIEW_KEYS


def palette_for(capabilities: Capabilities) -> list[PaletteEntry]:
    """The palette-only entries a source with these capabilities gets."""
    return RUN_PALETTE if capabilities.steer else []
