"""The layout's needs, kept between frames: the same as worked out afresh, and worked out again only on a change."""

from __future__ import annotations

import pytest

from tuinn.config import load_preset, with_overrides
from tuinn.train import commands as cmd
from tuinn.train.setup import quiet_float_errors
from tuinn.train.trainer import Trainer
from tuinn.tui import needs_memo
from tuinn.tui.needs_memo import NeedsMemo
from tuinn.tui.widgets.architecture import ArchitecturePanel
from tuinn.tui.widgets.dashboard import panel_needs


@pytest.mark.parametrize(
    ("preset", "steps"), [("xor", 25), ("spiral", 25), ("digits-cnn", 3), ("deep-sigmoid-pretrained", 25)]
)
def test_kept_needs_are_the_needs_of_each_snapshot(preset: str, steps: int, monkeypatch) -> None:
    monkeypatch.setattr(needs_memo, "KEEP_ABOVE", 0.0)  # keep every need, however cheap
    trainer = Trainer(with_overrides(load_preset(preset), epochs=400), stop_at_target=False)
    memo = NeedsMemo()
    commands = [cmd.SelectLayer(1), cmd.ScaleLearningRate(2.0), cmd.CycleActivation(1), cmd.SelectLayer(1)]
    with quiet_float_errors():
        for round_ in range(9):
            for _ in range(steps * round_):
                trainer.step()
            if round_ % 3 == 2:  # an edit that changes the architecture, the lr row or the selected layer
                trainer.submit(commands[(round_ // 3) % len(commands)])
                trainer.apply_commands()
            s = trainer.snapshot()
            assert memo.needs(s) == panel_needs(s), (preset, s.step)


def test_a_costly_need_is_worked_out_again_only_when_its_fields_change(monkeypatch) -> None:
    calls = []
    need = ArchitecturePanel.need.__func__

    def counted(cls, snapshot):
        calls.append(snapshot.summary)
        return need(cls, snapshot)

    monkeypatch.setattr(needs_memo, "KEEP_ABOVE", 0.0)
    monkeypatch.setattr(ArchitecturePanel, "need", classmethod(counted))
    trainer = Trainer(load_preset("spiral"), stop_at_target=False)
    memo = NeedsMemo()
    memo.needs(trainer.snapshot())
    for _ in range(30):
        trainer.step()
    memo.needs(trainer.snapshot())
    assert len(calls) == 1  # training changed nothing the table shows
    trainer.submit(cmd.SelectLayer(1))
    trainer.apply_commands()
    memo.needs(trainer.snapshot())
    assert len(calls) == 2  # the selected layer is one of the fields it read
