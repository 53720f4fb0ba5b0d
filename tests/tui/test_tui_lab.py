"""The lab in the app: the editor's changes keep what they should and are marked; the browser; the About card; saving."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from textual.widgets import Input, OptionList
from tui_support import SMALL, WIDE, panel_text, screen_text, step_app

from tuinn.config import preset_names
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.about import AboutCard, AboutScreen
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.editor import ExperimentEditor
from tuinn.tui.widgets.help import HelpScreen
from tuinn.tui.widgets.presets import PresetBrowser
from tuinn.tui.widgets.save_preset import SavePresetScreen
from tuinn.tui.widgets.status import StatusPanel


def field(app: TuinnApp, name: str):
    return next(w for w in app.query_one(ExperimentEditor).query("Input, Select, Checkbox, Button") if w.name == name)


async def type_into(pilot, app: TuinnApp, name: str, text: str) -> None:
    widget = field(app, name)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await pilot.pause()


def params(app: TuinnApp) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in app.source.trainer.network.params.items()}


@pytest.mark.parametrize("size", [WIDE, SMALL])
async def test_editor_changes_keep_the_weights_and_are_marked(size) -> None:
    app = step_app("spiral")
    async with app.run_test(size=size) as pilot:
        app.source.advance(20)
        await pilot.press("e")
        assert app.query(ExperimentEditor)
        before = params(app)
        await type_into(pilot, app, "model.layers[0].units", "24")
        after = app.source.trainer.network.params
        np.testing.assert_array_equal(after["dense_1.W"][:, :16], before["dense_1.W"])  # old units kept
        assert not after["dense_2.W"][16:].any()  # new units' outgoing weights start at zero
        for name in ("dense_3.W", "dense_3.b", "dense_4.W", "dense_4.b"):  # unchanged layers
            np.testing.assert_array_equal(after[name], before[name])
        assert str(app.snapshot.events[-1]) == "units dense_1 16 -> 24 at step 20"
        assert "units dense_1 16 -> 24 at step 20" in panel_text(app, StatusPanel)

        x = app.source.trainer.dataset.x_val
        out = app.source.trainer.network.forward(x)
        field(app, "feature:x1^2").toggle()
        await pilot.pause()
        np.testing.assert_allclose(
            app.source.trainer.network.forward(app.source.trainer.dataset.x_val), out, atol=1e-12, rtol=0
        )
        assert app.source.trainer.network.input_shape == (3,)
        assert app.snapshot.events[-1].text == "features x1, x2 -> x1, x2, x1^2"

        await type_into(pilot, app, "data.noise", "30")
        await type_into(pilot, app, "model.l2", "0.001")
        assert [e.text for e in app.snapshot.events[-2:]] == ["noise 0 -> 30", "l2 0 -> 0.001"]
        assert app.source.trainer.network.l2 == 0.001
        app.source.advance(3)  # training goes on with every change
        assert app.source.trainer.step_count == 23


async def test_added_layer_starts_near_the_identity_and_shows_in_the_table() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(10)
        await pilot.press("e")
        out_layer = app.source.trainer.network.params["dense_4.W"].copy()
        field(app, "add-layer").press()
        await pilot.pause()
        assert app.snapshot.events[-1].text == "added dense_4 (16 tanh units)"
        np.testing.assert_array_equal(app.source.trainer.network.params["dense_5.W"], out_layer)
        np.testing.assert_array_equal(app.source.trainer.network.params["dense_4.W"], np.eye(16))
        assert "dense_5" in panel_text(app, ArchitecturePanel) or "dense…" in panel_text(app, ArchitecturePanel)
        field(app, "remove:3").press()
        await pilot.pause()
        assert [l.name for l in app.source.trainer.network.layers] == ["dense_1", "dense_2", "dense_3", "dense_4"]


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("data.noise", "80", "data.noise must be between 0 and 50, got 80"),
        ("train.lr", "-1", "key 'train.lr': must be a positive number"),
        ("model.layers[0].units", "zero", "units must be an integer"),
        ("train.batch_size", "-3", "key 'train.batch_size'"),
        ("lab.dropout", "1.5", "rate must be in [0, 1)"),
    ],
)
async def test_invalid_values_show_the_cli_message_and_change_nothing(name, text, message) -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        await pilot.press("e")
        before, events, config = params(app), len(app.snapshot.events), app.source.trainer.config
        await type_into(pilot, app, name, text)
        assert message in str(app.query_one("#editor-message").render())
        assert app.source.trainer.config == config and len(app.snapshot.events) == events
        for key, value in params(app).items():
            np.testing.assert_array_equal(value, before[key])


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
async def test_the_preset_browser_opens_every_preset_and_each_trains() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        for name in preset_names():
            await pilot.press("b")
            assert isinstance(app.screen, PresetBrowser)
            app.screen.query_one(OptionList).highlighted = preset_names().index(name)
            await pilot.press("enter")
            await pilot.pause()
            config = __import__("tuinn.config", fromlist=["load_preset"]).load_preset(name)
            if config.needs_data:  # its files are not given: the app says what it needs
                assert app.source.trainer.refused and config.needs_data[:40] in app.source.trainer.refused
                continue
            assert app.source.trainer.config.name == name and app.source.trainer.step_count == 0
            app.source.advance(2)
            assert app.source.trainer.step_count == 2 and app.snapshot.preset == name
            assert f"{name} · " in screen_text(app)  # the About banner
            assert name in panel_text(app, StatusPanel)


async def test_about_card_shows_the_lesson_and_why_a_target_is_missed() -> None:
    app = step_app("perceptron-xor")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(1)
        await pilot.pause()
        card = app.query_one(AboutCard)
        assert card.display and "i: more" in str(card.render()) and card.size.height == 1  # a one-line banner
        await pilot.press("i")  # the whole text
        await pilot.pause()
        assert isinstance(app.screen, AboutScreen) and "Try:" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        while not app.source.trainer.finished:
            app.source.advance(50)
        await pilot.pause()
        assert card.display and "why it is missed" in str(card.render()), "a target missed by design says why"
        assert app.source.trainer.config.target.explain_miss[:30] in " ".join(str(card.render()).split())


async def test_palette_and_help_list_the_lab() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        names = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Add layer",
            "Remove layer",
            "Add neuron",
            "Remove neuron",
            "Noise",
            "Validation share",
            "Batch size",
            "L2",
            "Dropout",
            "Input features",
        ):
            assert wanted in names
        assert any(n.startswith("Open preset") for n in names) and any(n.startswith("Save experiment") for n in names)
        assert any(n.startswith("About this preset") for n in names)
        await next(c for c in app.get_system_commands(app.screen) if c.title == "Add neuron").callback()
        await pilot.pause()
        assert app.snapshot.events[-1].text == "units dense_1 16 -> 17"  # the selected layer ([ ])
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        app.screen.query_one("#help").scroll_relative(y=4, animate=False)  # the palette's entries follow the keys
        await pilot.pause()
        text = screen_text(app)
        assert "Add neuron" in text and "Experiment editor" in text


async def test_save_as_preset_reproduces_the_run(tmp_path) -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        await pilot.press("e")
        await type_into(pilot, app, "data.noise", "20")
        await type_into(pilot, app, "model.layers[1].units", "8")
        field(app, "feature:sin(x1)").toggle()
        await pilot.pause()
        await pilot.press("escape")
        app.set_focus(None)
        await pilot.press("S")
        assert isinstance(app.screen, SavePresetScreen)
        app.screen.query_one(Input).value = str(tmp_path / "mine.toml")
        await pilot.press("enter")
        await pilot.pause()
    saved = tmp_path / "mine.toml"
    assert saved.is_file() and [p.name for p in tmp_path.iterdir()] == ["mine.toml"]

    def run(*args: str) -> list[dict]:
        out = subprocess.run(
            [sys.executable, "-m", "tuinn", "--headless", "--json", "--epochs", "3", *args],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        lines = [json.loads(line) for line in out.splitlines()]
        for line in lines:
            line.pop("samples_per_sec", None)
            line.pop("preset", None)
        return lines

    from_file = run("--config", str(saved))
    from_flags = run(
        "--preset",
        "spiral",
        "--set",
        "data.noise=20",
        "--set",
        "model.layers[1].units=8",
        "--set",
        'data.features=["x1", "x2", "sin(x1)"]',
    )
    assert len(from_file) >= 4 and from_file == from_flags
