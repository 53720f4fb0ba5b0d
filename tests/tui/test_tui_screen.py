"""What the screen shows: panel titles, status fields, the panels that apply, small terminals, repaint economy."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import TabbedContent
from tui_support import SMALL, WIDE, panel_text, reveal, screen_text, seed_conv_trainer, step_app, trainer_app

from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.chart import ChartPanel
from tuinn.tui.widgets.confusion import ConfusionPanel
from tuinn.tui.widgets.dashboard import Dashboard
from tuinn.tui.widgets.decision import DecisionPanel
from tuinn.tui.widgets.feature_maps import FeatureMapsPanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.panel import Panel
from tuinn.tui.widgets.status import StatusPanel

COMMON_TITLES = ("Architecture", "Loss", "Gradients", "Status")
STATUS_FIELDS = (
    "Preset",
    "State",
    "Epoch",
    "Step",
    "Loss",
    "Accuracy",
    "LR",
    "Optimizer",
    "Activation",
    "Samples/s",
    "Target",
    "Event",
)


async def test_xor_shows_every_panel_and_status_field(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE):
        xor_app.source.advance(5)
        # the first screen, with the titles of the tabs the layout put the other panels on, and those panels
        tabbed = (ArchitecturePanel, GradientsPanel, StatusPanel)
        text = " ".join([screen_text(xor_app), *(panel_text(xor_app, kind) for kind in tabbed)])
        for word in (
            *COMMON_TITLES,
            "Decision boundary",
            *STATUS_FIELDS,
            "dense_1",
            "dense_2",
            "tanh",
            "sigmoid",
            "xor",
            "sgd",
        ):
            assert word in text, word
        assert "Feature maps" not in text
        assert "Epoch 5/2000" in text and "Step 5" in text


@pytest.mark.parametrize("preset", ["circle", "spiral"])
async def test_two_dimensional_presets_show_the_decision_boundary(preset: str) -> None:
    app = step_app(preset)
    async with app.run_test(size=WIDE):
        app.source.advance(2)
        assert app.query_one(DecisionPanel).size.width >= 40
        assert not app.query(FeatureMapsPanel)
        assert "●" in screen_text(app)  # the training points


async def test_cnn_preset_shows_feature_maps_not_decision_boundary() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(2)
        await reveal(app, pilot, FeatureMapsPanel)  # (its tab, when the lesson's panels took the first screen)
        text = screen_text(app)
        assert "Feature maps" in text and "Decision boundary" not in text
        assert "conv2d_1  8×8×16 = 1,024 neurons" in text
        await reveal(app, pilot, ArchitecturePanel)
        text = screen_text(app)
        assert "As dense" in text and "66,560" in text  # the dense-equivalent parameter count


async def test_seed_conv_layer_is_2x2x3_with_12_neurons() -> None:
    app = trainer_app(seed_conv_trainer())
    async with app.run_test(size=WIDE):
        app.source.advance(3)
        assert "conv2d_1 2×2×3 = 12 neurons" in panel_text(app, FeatureMapsPanel)


async def test_mlp_without_pictures_gives_the_curves_the_width_the_confusion_matrix_leaves() -> None:
    app = step_app("digits-mlp")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(1)
        await pilot.pause()
        assert not app.query(DecisionPanel) and not app.query(FeatureMapsPanel) and not app.query(TabbedContent)
        curves, confusion = app.query_one(ChartPanel).parent, app.query_one(ConfusionPanel).parent
        assert curves is not confusion and curves.size.width + confusion.size.width == WIDE[0]


async def test_small_terminal_uses_tabs_and_tiny_one_asks_to_enlarge(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=SMALL) as pilot:
        xor_app.source.advance(2)
        assert xor_app.query_one(TabbedContent)
        text = screen_text(xor_app)
        for word in ("Training", "Architecture", "Gradients", "Decision boundary", "Status", "Loss"):
            assert word in text, word
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert "enlarge the terminal" in screen_text(xor_app)
        tabbed_when_small = len(xor_app.query_one(Dashboard).plan.tabs)
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert len(xor_app.query_one(Dashboard).plan.tabs) < tabbed_when_small  # more panels on the first screen
        text = screen_text(xor_app)
        assert "enlarge" not in text and "Decision boundary" in text and "Step       2" in text


async def test_enlarge_message_at_50x15(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=(50, 15)):
        assert "enlarge the terminal" in screen_text(xor_app)


async def test_divergence_is_shown_prominently(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        message = (
            "training stopped: the loss became nan at step 3 (epoch 3); the learning rate 1000 is probably too high"
        )
        xor_app.show(dataclasses.replace(xor_app.snapshot, diverged=message, finished=True))
        await pilot.pause()
        status = panel_text(xor_app, StatusPanel)
        assert "DIVERGED" in status and message in status


async def test_an_unchanged_snapshot_repaints_nothing(xor_app: TuinnApp, monkeypatch: pytest.MonkeyPatch) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(3)
        await pilot.pause()
        repaints = []
        monkeypatch.setattr(
            Panel,
            "refresh",
            lambda self, *regions, **kw: repaints.append((type(self).__name__, regions, self.size.height)),
        )
        xor_app.show(xor_app.source.trainer.snapshot())
        assert repaints == []
        xor_app.source.advance(1)
        changed = {name: (regions, height) for name, regions, height in repaints}
        assert "StatusPanel" in changed and "ArchitecturePanel" not in changed
        for regions, _ in changed.values():  # rows marked, each run of changed rows one region
            assert regions and all(r.height >= 1 for r in regions)
            assert all(a.bottom < b.y for a, b in zip(regions, regions[1:]))  # runs apart: neighbours are one run
        regions, height = changed["StatusPanel"]
        assert sum(r.height for r in regions) < height - 2  # its changed figures, not the whole panel
