"""Helpers of the TUI tests: apps in step mode (no training thread: the test steps the Trainer), a reader of the screen."""

from __future__ import annotations

import numpy as np

from tuinn.config import load_preset, parse_config, with_overrides
from tuinn.data import Dataset, data_spec_for_path
from tuinn.train.trainer import Trainer
from tuinn.tui.app import TuinnApp

WIDE = (120, 40)
SMALL = (80, 24)

# A seed-sized CNN: 4×4×1 pictures, 2×2 kernels, 3 filters, stride 2 -> a 2×2×3 = 12-neuron layer.
SEED_CONV = """
name = "t-seed-conv"
description = "A tiny CNN for the TUI tests."
seed = 3
[data]
kind = "truth_table"
name = "xor"
[model]
loss = "softmax_cross_entropy"
[[model.layers]]
type = "conv2d"
filters = 3
kernel_size = 2
stride = 2
activation = "relu"
[[model.layers]]
type = "flatten"
[[model.layers]]
type = "dense"
units = 2
activation = "softmax"
[train]
epochs = 50
batch_size = 8
lr = 0.05
optimizer = "adam"
[target]
metric = "val_accuracy"
value = 1.0
"""


def seed_conv_trainer() -> Trainer:
    """A Trainer on 4×4×1 pictures: is the upper half brighter than the lower one?"""
    rng = np.random.default_rng(0)
    x = rng.random((40, 4, 4, 1))
    y = (x[:, :2].sum(axis=(1, 2, 3)) > x[:, 2:].sum(axis=(1, 2, 3))).astype(np.int64)
    data = Dataset("pictures", x[:32], y[:32], x[32:], y[32:], input_shape=(4, 4, 1), task="classification", classes=2)
    return Trainer(parse_config(SEED_CONV, source="test", base_dir=None), dataset=data)


def step_app(preset: str) -> TuinnApp:
    """The app on a built-in preset, in step mode."""
    return TuinnApp(load_preset(preset), autostart=False)


def preset_app(name: str, mnist_folder, colour_system: str = "truecolor") -> TuinnApp:
    """The app on preset `name` in step mode; the IDX presets read the test's MNIST-format folder."""
    config = load_preset(name)
    if config.needs_data:
        config = with_overrides(config, data=data_spec_for_path(str(mnist_folder), config.data))
    return TuinnApp(config, autostart=False, colour_system=colour_system)


def screen_text(app: TuinnApp) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def panel_text(app: TuinnApp, kind: type) -> str:
    """The text of the panel of type `kind`, its lines joined by spaces (so wrapped phrases read whole)."""
    panel = app.query_one(kind)
    return " ".join(" ".join(strip.text.split()) for strip in panel._lines)
