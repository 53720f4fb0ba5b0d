"""The full loss chart labels each switch once, however many key presses it took."""

from tuinn.train.snapshot import Event
from tuinn.tui.widgets.chart import collapse_switches


def test_presses_at_one_step_read_as_one_switch():
    events = [
        Event(400, 16, "activation", "activation sigmoid -> tanh"),
        Event(400, 16, "activation", "activation tanh -> relu"),
        Event(400, 16, "lr", "lr 0.1 -> 0.2"),
        Event(400, 16, "activation", "activation relu -> elu"),
        Event(500, 20, "activation", "activation elu -> gelu"),
    ]
    assert [e.text for e in collapse_switches(events)] == [
        "activation sigmoid -> relu",
        "lr 0.1 -> 0.2",
        "activation relu -> elu",
        "activation elu -> gelu",
    ]


def test_consecutive_presses_collapse_fully():
    events = [Event(7, 1, "lr", f"lr {2 ** i:g} -> {2 ** (i + 1):g}") for i in range(3)]
    (only,) = collapse_switches(events)
    assert only.text == "lr 1 -> 8" and only.step == 7


def test_a_chart_does_not_depend_on_the_charts_drawn_before_it():
    """plotext keeps one global figure: a chart drawn at another size, or of a run without
    validation data, must not leave subplots behind that break (or change) the next one."""
    from tuinn.config import load_preset
    from tuinn.train.trainer import Trainer
    from tuinn.tui.widgets.chart import loss_chart

    snaps = []
    for preset in ("and", "circle"):
        trainer = Trainer(load_preset(preset), stop_at_target=False)
        trainer.run_epochs(3)
        trainer.evaluate()
        snaps.append(trainer.snapshot(detail=False))
    first = loss_chart(snaps[1], 112, 34)
    for snap, width, height in ((snaps[0], 112, 34), (snaps[0], 74, 19), (snaps[1], 60, 8)):
        loss_chart(snap, width, height)
    assert loss_chart(snaps[1], 112, 34) == first
