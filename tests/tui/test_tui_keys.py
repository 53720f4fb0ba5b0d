"""Keys drive the Trainer: activation, learning rate, optimizer, pause, step, reset, layer selection, screens."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from tui_support import WIDE, live_app, panel_text, reveal, screen_text, step_app

from tuinn.config import load_preset
from tuinn.nn.activations import HIDDEN_ACTIVATIONS
from tuinn.nn.optimizers import OPTIMIZERS
from tuinn.train.trainer import Trainer
from tuinn.tui import keys
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.chart import LossChartScreen
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.help import HelpScreen
from tuinn.tui.widgets.status import StatusPanel


def hidden_activations(app: TuinnApp) -> list[str]:
    return [layer.activation for layer in app.source.trainer.network.hidden_layers]


async def test_activation_keys_switch_hidden_layers_and_keep_weights() -> None:
    app = step_app("deep-relu")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        start = hidden_activations(app)[0]
        following = HIDDEN_ACTIVATIONS[(HIDDEN_ACTIVATIONS.index(start) + 1) % len(HIDDEN_ACTIVATIONS)]
        weights = app.source.trainer.network.flat_params.copy()
        output = app.source.trainer.network.layers[-1].activation

        await pilot.press("a")
        assert hidden_activations(app) == [following] * len(app.source.trainer.network.hidden_layers)
        assert app.source.trainer.network.layers[-1].activation == output
        np.testing.assert_array_equal(app.source.trainer.network.flat_params, weights)
        event = app.snapshot.events[-1]
        assert (event.kind, event.step, event.text) == ("activation", 3, f"activation {start} -> {following}")
        assert f"activation {start} -> {following} at step 3" in panel_text(app, StatusPanel)

        await pilot.press("A")
        assert set(hidden_activations(app)) == {start}
        np.testing.assert_array_equal(app.source.trainer.network.flat_params, weights)
        assert [e.kind for e in app.snapshot.events[-2:]] == ["activation", "activation"]


async def test_learning_rate_keys_double_and_halve(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        lr = xor_app.source.trainer.lr
        await pilot.press("plus")
        assert xor_app.source.trainer.optimizer.lr == xor_app.source.trainer.lr == 2 * lr
        assert f"{2 * lr:g}" in screen_text(xor_app)
        await pilot.press("minus", "minus")
        assert xor_app.source.trainer.optimizer.lr == lr / 2
        assert [e.kind for e in xor_app.snapshot.events] == ["lr"] * 3


async def test_optimizer_key_switches_and_keeps_weights(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(2)
        names = list(OPTIMIZERS)
        before = xor_app.source.trainer.config.train.optimizer
        weights = xor_app.source.trainer.network.flat_params.copy()
        await pilot.press("o")
        after = names[(names.index(before) + 1) % len(names)]
        assert xor_app.source.trainer.config.train.optimizer == after == xor_app.snapshot.optimizer
        assert xor_app.source.trainer.optimizer.lr == xor_app.source.trainer.lr
        np.testing.assert_array_equal(xor_app.source.trainer.network.flat_params, weights)
        assert xor_app.snapshot.events[-1].kind == "optimizer"


async def test_space_pauses_n_steps_once_space_resumes(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(2)
        await pilot.press("space")
        assert xor_app.source.trainer.paused and "paused" in screen_text(xor_app)
        xor_app.source.advance(5)
        assert xor_app.source.trainer.step_count == 2
        await pilot.press("n")
        assert xor_app.source.trainer.step_count == 3 and xor_app.snapshot.step == 3
        xor_app.source.advance(5)
        assert xor_app.source.trainer.step_count == 3
        await pilot.press("space")
        assert not xor_app.source.trainer.paused
        xor_app.source.advance(1)
        assert xor_app.source.trainer.step_count == 4


async def test_n_while_running_does_not_queue_a_step(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "space")
        assert xor_app.source.trainer.step_count == 0 and xor_app.source.trainer.paused


async def test_s_cycles_the_speed_limit_and_shows_it(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        assert xor_app.source.driver.speed == 1000
        assert "limit 1000/s" in panel_text(xor_app, StatusPanel)
        await pilot.press("s", "s", "s")
        assert xor_app.source.driver.speed is None
        assert "limit" not in panel_text(xor_app, StatusPanel)


async def test_reset_returns_to_the_seeds_weights(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(6)
        await pilot.press("r")
        assert xor_app.source.trainer.step_count == 0 and xor_app.snapshot.step == 0
        fresh = Trainer(load_preset("xor")).network.flat_params
        np.testing.assert_array_equal(xor_app.source.trainer.network.flat_params, fresh)
        assert xor_app.snapshot.events[-1].kind == "reset"


async def test_brackets_select_the_layer_shown_in_the_gradient_matrix(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(1)
        assert xor_app.snapshot.selected_layer == "dense_1"
        await pilot.press("right_square_bracket")
        assert xor_app.snapshot.selected_layer == "dense_2"
        await reveal(xor_app, pilot, GradientsPanel)  # (its tab, when the lesson's panels took the first screen)
        assert "∇W of dense_2" in screen_text(xor_app)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert xor_app.snapshot.selected_layer == "dense_2"  # wraps around


async def test_help_lists_every_key_and_closes(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(xor_app.screen, HelpScreen)
        text = screen_text(xor_app)
        for binding in keys.RUN_KEYS:
            assert binding.tooltip in text
        assert xor_app.screen.bindings == keys.RUN_KEYS
        assert xor_app.screen.palette == [(entry.name, entry.text) for entry in keys.RUN_PALETTE]
        xor_app.source.advance(2)  # training goes on under the modal
        await pilot.resize_terminal(90, 30)
        await pilot.press("escape")
        assert not isinstance(xor_app.screen, HelpScreen)
        await reveal(xor_app, pilot, StatusPanel)  # (its tab, at 90x30)
        assert "Step       2" in screen_text(xor_app)


async def test_help_scrolls_on_down_and_page_down_at_once(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        body = xor_app.screen.query_one("#help")
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press("down")
        await pilot.pause()
        assert body.scroll_y == 1  # no Tab first
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 1


async def test_p_opens_the_loss_chart_with_switches_marked(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE) as pilot:
        xor_app.source.advance(4)
        await pilot.press("plus")
        xor_app.source.advance(4)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(xor_app.screen, LossChartScreen)
        text = screen_text(xor_app)
        assert "Loss history" in text and "l: lr 0.5 -> 1" in text
        await pilot.press("escape")
        assert not isinstance(xor_app.screen, LossChartScreen)


async def test_command_palette_offers_every_action(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE):
        commands = {c.title: c for c in xor_app.get_system_commands(xor_app.screen)}
        for binding in keys.RUN_KEYS:
            assert binding.tooltip in commands
        for entry in keys.RUN_PALETTE:
            assert commands[entry.name].help == entry.text
        lr = xor_app.source.trainer.lr
        await commands["Double the learning rate"].callback()
        assert xor_app.source.trainer.lr == 2 * lr


async def test_a_run_in_its_own_process_trains_pauses_and_quits_promptly() -> None:
    app = live_app(load_preset("digits-mlp"))
    async with app.run_test(size=WIDE) as pilot:
        deadline = time.monotonic() + 10
        while app.snapshot.step < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert app.snapshot.step >= 3, "the screen follows the run's process"
        await pilot.press("space")
        while not app.snapshot.paused and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        paused_at = app.snapshot.step
        await asyncio.sleep(0.3)
        assert app.snapshot.step == paused_at
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 3
    assert not app.source.process.alive
    with pytest.raises(ChildProcessError):  # the run's process has ended and been reaped
        os.waitpid(app.source.process.pid, os.WNOHANG)
    assert app.return_code == 0


async def test_the_footer_offers_the_registrys_keys_of_the_source(xor_app: TuinnApp) -> None:
    async with xor_app.run_test(size=WIDE):
        bound = [b for _, b in xor_app._bindings if b.action != "command_palette" and b.key not in ("ctrl+q", "ctrl+c")]
        assert bound == keys.bindings_for(xor_app.source.capabilities) == keys.RUN_KEYS
        shown = {active.binding.action for active in xor_app.screen.active_bindings.values() if active.binding.show}
        assert {"help", "quit", "pause", "reset", "editor"} <= shown
        assert not {"frames(1)", "seek(0)"} & shown  # a run that trains has no frames to scrub


def test_the_app_module_loads_no_trainer() -> None:
    """The app views a source: importing it loads neither the Trainer nor the training thread."""
    code = "import sys, tuinn.tui.app; print(sorted(m for m in sys.modules if m in ('tuinn.train.trainer', 'tuinn.train.runner')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
