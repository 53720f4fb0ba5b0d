"""Pretraining in the app: its own phase, the layer highlighted, its loss plotted, fine-tuning an event."""

from __future__ import annotations

import pytest
from tui_support import SMALL, WIDE, loss_text, panel_text, reveal, screen_text, step_app

from tuinn.tui.widgets.architecture import PRETRAIN_MARK, ArchitecturePanel
from tuinn.tui.widgets.status import StatusPanel

STEPS_PER_LAYER = 250  # 10 epochs of 25 batches


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
