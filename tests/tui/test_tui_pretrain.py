"""Pretraining in the app: its own phase, the layer highlighted, its loss plotted, fine-tuning an event."""

from __future__ import annotations

import pytest
from tui_support import SMALL, WIDE, loss_text, panel_text, reveal, screen_text, step_app

from tuinn.tui.widgets.architecture import PRETRAIN_MARK, ArchitecturePanel
from tuinn.tui.widgets.gradients import GradientsPanel
from tuinn.tui.widgets.status import StatusPanel

STEPS_PER_LAYER = 250  # 10 epochs of 25 batches
NOW_OR_DONE = {"◀", "✓"}  # the gradients panel's marks of the layer pretraining and of a layer done


@pytest.mark.parametrize("size", [SMALL, WIDE, (200, 60)])
async def test_pretraining_phase_is_shown_then_fine_tuning(size) -> None:
    app = step_app("deep-sigmoid-pretrained")
    async with app.run_test(size=size) as pilot:
        app.source.advance(STEPS_PER_LAYER + 30)  # into dense_2's pretraining
        await pilot.pause()
        status = panel_text(app, StatusPanel)
        assert "State pretraining dense_2" in status and "Phase pretrain: layer 2/8, epoch 2/10" in status, status
        loss = loss_text(app)  # the sparklines' "recon loss" row, or the chart's reconstruction curve
        assert ("recon loss" in loss or "reconstruction (pretraining)" in loss) and "p" in loss.split("events", 1)[1]
        arch = await reveal(app, pilot, ArchitecturePanel)  # its tab, when the lesson took the first screen
        marked = [s.text for s in arch._lines if PRETRAIN_MARK in s.text]
        assert len(marked) == 1 and marked[0].lstrip().startswith("dense_2"), marked
        assert any("yellow" in str(seg.style) for s in arch._lines if PRETRAIN_MARK in s.text for seg in s)
        app.source.advance(7 * STEPS_PER_LAYER)  # the other layers, then the first fine-tuning steps
        await pilot.pause()
        status = panel_text(app, StatusPanel)
        assert "State running" in status and "Phase fine-tuning (pretrained)" in status, status
        assert app.snapshot.phase == "finetune"
        assert any(e.kind == "finetune" for e in app.snapshot.events)
        assert "f" in loss_text(app).split("events", 1)[1]
        assert PRETRAIN_MARK not in screen_text(app)


def rows_by_layer(panel: GradientsPanel) -> dict[str, str]:
    """The panel's lines that begin with a layer's name, by that name."""
    lines = [strip.text for strip in panel._lines]
    return {line.split()[0]: line.rstrip() for line in lines if line.startswith("dense_")}


@pytest.mark.parametrize("size", [WIDE, (200, 60)])
async def test_while_pretraining_the_gradients_panel_shows_each_layers_reconstruction_loss_then_gradients(size) -> None:
    app = step_app("deep-sigmoid-pretrained")
    async with app.run_test(size=size) as pilot:
        app.source.advance(STEPS_PER_LAYER + 30)  # dense_1 done, dense_2 in its third epoch
        await pilot.pause()
        await pilot.pause()
        panel = app.query_one(GradientsPanel)
        status = app.snapshot.pretrain
        rows = rows_by_layer(panel)
        assert list(rows) == [f"dense_{i}" for i in range(1, 9)], rows  # each pretrained layer (not the output)
        done, now = f"{status.final_losses[0]:.3g} ✓", f"{status.reconstruction_loss:.3g} ◀"
        assert rows["dense_1"].endswith(done) and rows["dense_2"].endswith(now), rows
        assert all(rows[f"dense_{i}"] == f"dense_{i}" for i in range(3, 9)), rows  # still to come: no figure
        screen = screen_text(app)
        assert done in screen and now in screen and "∇W" not in panel_text(app, GradientsPanel)
        assert len(panel._lines) == panel.size.height  # the lanes fill the panel's rows
        pretraining = app.snapshot
        app.source.advance(7 * STEPS_PER_LAYER + 10)  # the other layers, then fine-tuning
        await pilot.pause()
        await pilot.pause()
        assert app.snapshot.phase == "finetune"
        assert GradientsPanel.need(app.snapshot) == GradientsPanel.need(pretraining)  # the lanes ask for no other room
        panel = app.query_one(GradientsPanel)
        assert panel._lines[0].text.startswith("log10 ‖∇W‖ per layer")
        assert list(rows_by_layer(panel)) == [f"dense_{i}" for i in range(1, 10)]
        assert "reconstruction" not in panel_text(app, GradientsPanel) and NOW_OR_DONE.isdisjoint(screen_text(app))


def test_the_architecture_keeps_its_width_from_pretraining_to_fine_tuning() -> None:
    from rich.console import Console

    from tuinn.config import load_preset
    from tuinn.train.trainer import Trainer
    from tuinn.tui.widgets.architecture import summary_table

    trainer = Trainer(load_preset("deep-sigmoid-pretrained"))
    plain = ArchitecturePanel.need(trainer.snapshot())
    while trainer.phase == "pretrain":
        pretraining = ArchitecturePanel.need(trainer.snapshot())
        trainer.step()
    assert ArchitecturePanel.need(trainer.snapshot()) == pretraining == plain  # (the screen is not laid out again)
    console = Console(width=200, record=True)
    console.print(summary_table(trainer.snapshot()))
    table = console.export_text()
    assert PRETRAIN_MARK not in table and "dense_1" in table
