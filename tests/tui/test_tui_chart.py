"""The full loss chart: each switch labelled once and outside the plots, whole-step ticks, real names."""

import numpy as np

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
    events = [Event(7, 1, "lr", f"lr {2**i:g} -> {2 ** (i + 1):g}") for i in range(3)]
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


# --- the chart as drawn in the app ------------------------------------------------------------

import re  # noqa: E402

import pytest  # noqa: E402
from tui_support import WIDE, preset_app, step_app  # noqa: E402

from tuinn.tui.app import TuinnApp  # noqa: E402
from tuinn.tui.widgets.chart import LossChart, LossChartScreen, canvas_columns  # noqa: E402

CHART_PRESETS = {"xor": 37, "spiral": 23, "deep-sigmoid": 30, "regression": 41, "digits-cnn": 7, "and": 9}
WHOLE = re.compile(r"^\d{1,3}(,\d{3})*$")


def frame_rows(lines: list[str]) -> list[tuple[int, int]]:
    """(top, bottom) line numbers of each plot frame in the chart's text."""
    tops = [i for i, line in enumerate(lines) if "┌" in line]
    bottoms = [i for i, line in enumerate(lines) if "└" in line]
    return list(zip(tops, bottoms))


async def open_chart(app: TuinnApp, pilot, steps: int, switch_at: int) -> list[str]:
    """Train, double the learning rate at `switch_at` steps, train on to `steps`, open the chart; its lines."""
    app.source.advance(switch_at)
    await pilot.press("plus")
    app.source.advance(steps - switch_at)
    await pilot.press("p")
    await pilot.pause()
    assert isinstance(app.screen, LossChartScreen)
    return app.screen.query_one(LossChart).render().plain.splitlines()


@pytest.mark.parametrize("preset", list(CHART_PRESETS))
async def test_the_chart_has_whole_step_ticks_real_names_and_labels_off_the_curves(preset: str, mnist_folder) -> None:
    app = preset_app(preset, mnist_folder)
    steps = CHART_PRESETS[preset]
    async with app.run_test(size=WIDE) as pilot:
        lines = await open_chart(app, pilot, steps, steps // 2)
        text = "\n".join(lines)
        frames = frame_rows(lines)
        assert len(frames) == 2, text
        loss = app.source.trainer.config.model["loss"]
        names = {
            "binary_cross_entropy": "loss (binary cross-entropy)",
            "softmax_cross_entropy": "loss (softmax cross-entropy)",
            "mse": "loss (mean squared error)",
            "perceptron": "loss (perceptron errors)",
        }
        assert names[loss] in text
        metric = "accuracy (0 to 1)" if app.snapshot.metric_name == "accuracy" else "mean squared error, log scale"
        assert metric in text and "train metric" not in text
        start, columns = canvas_columns(text)
        for top, bottom in frames:
            ticks = lines[bottom + 1].split()
            assert ticks and all(WHOLE.match(t) for t in ticks), lines[bottom + 1]  # never 1234.5
            assert int(ticks[-1].replace(",", "")) <= app.snapshot.step
            for row in lines[top + 1 : bottom]:  # inside the frame only curves and lines: no legend, no label
                assert not re.search(r"[A-Za-z0-9:]", row[start : start + columns]), row
        if app.snapshot.metric_name == "accuracy":
            _, bottom = frames[1]
            assert [lines[i][:6].strip() for i in (frames[1][0] + 1, bottom - 1)] == ["1", "0"]  # a fixed 0..1 axis
        # the switch: one vertical line at the same column in both plots, its letter under it, its name below
        columns_with_line = []
        for top, bottom in frames:
            counts = [sum(lines[r][c] == "│" for r in range(top + 1, bottom)) for c in range(start, start + columns)]
            columns_with_line.append(start + int(np.argmax(counts)))
        letters = next(line for line in lines if line.startswith("events"))
        assert columns_with_line[0] == columns_with_line[1] == letters.index("l", len("events")), text
        was = app.source.trainer.config.train.lr / 2  # `+` doubled the lr the record holds
        assert f"l: lr {was:g} -> " in text and f"at step {steps // 2}" in text


@pytest.mark.parametrize(
    "preset,separate", [("xor", False), ("and", False), ("perceptron-xor", False), ("spiral", True)]
)
async def test_the_validation_line_only_where_there_is_a_validation_set(preset: str, separate: bool) -> None:
    app = step_app(preset)
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        app.source.trainer.evaluate()
        app.show(app.source.trainer.snapshot())
        await pilot.press("p")
        await pilot.pause()
        text = app.screen.query_one(LossChart).render()
        legend = text.plain.splitlines()[-1]
        assert ("━━ validation" in legend) == separate
        assert ("no validation set" in legend) == (not separate)
        cyan = [span for span in text.spans if "cyan" in str(span.style)]  # the validation colour
        assert bool(cyan) == separate


async def test_after_a_reset_the_earlier_runs_switches_are_not_drawn() -> None:
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(30)
        await pilot.press("a", "plus")  # at step 30 of the first run
        app.source.advance(10)
        await pilot.press("r")
        app.source.advance(12)
        await pilot.press("p")
        await pilot.pause()
        lines = app.screen.query_one(LossChart).render().plain.splitlines()
        text = "\n".join(lines)
        assert "activation" not in text and "lr 0.03" not in text
        assert "r: reset to seed" in text and "at step 0" in text
        marks = next(line for line in lines if line.startswith("events"))[len("events") :]
        assert marks.strip() == "r"  # only the reset, at the left edge: nothing stacked at the right
        start, _ = canvas_columns(text)
        assert marks.index("r") + len("events") == start


async def test_the_open_chart_follows_the_run() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(5)
        await pilot.press("p")
        await pilot.pause()
        chart = app.screen.query_one(LossChart)
        before = chart.render().plain
        app.source.advance(40)
        await pilot.pause()
        assert chart.render().plain != before and chart.snapshot.step == 45


def y_labels(lines: list[str], top: int, bottom: int) -> list[float]:
    """The y tick values of the frame from line `top` to `bottom`, read top to bottom ("1e-3" as 0.001)."""
    return [float(line.split("┤")[0]) for line in lines[top + 1 : bottom] if "┤" in line]


@pytest.mark.parametrize("size", [(80, 24), WIDE, (200, 60)], ids=["80x24", "120x40", "200x60"])
@pytest.mark.parametrize("preset", ["deep-sigmoid", "spiral", "regression"])
async def test_the_y_ticks_are_in_order_at_every_size(preset: str, size) -> None:
    """Ticks that share a line overwrite each other (0.25 drawn where 0.5 is): each must keep a line of its own."""
    app = step_app(preset)
    async with app.run_test(size=size) as pilot:
        lines = await open_chart(app, pilot, 40, 20)
        for top, bottom in frame_rows(lines):
            labels = y_labels(lines, top, bottom)
            assert len(labels) >= 2 and labels == sorted(labels, reverse=True) and len(set(labels)) == len(labels), (
                labels
            )
        if app.snapshot.metric_name == "accuracy":
            labels = y_labels(lines, *frame_rows(lines)[1])
            assert labels[0] == 1 and labels[-1] == 0


@pytest.mark.parametrize("width,height", [(72, 19), (112, 34), (190, 54)])
def test_many_switches_fit_the_chart_and_the_legend_stays_in_view(width: int, height: int) -> None:
    """Twelve switches: the chart is exactly as tall as its room, names the latest switch and ends with the legend."""
    from tuinn.config import load_preset
    from tuinn.train import commands as cmd
    from tuinn.train.trainer import Trainer
    from tuinn.tui.widgets.chart import loss_chart

    trainer = Trainer(load_preset("spiral"), stop_at_target=False)
    for _ in range(6):
        trainer.run_epochs(1)
        trainer.submit(cmd.CycleActivation(1))
        trainer.submit(cmd.ScaleLearningRate(2.0))
        trainer.apply_commands()
    trainer.evaluate()
    lines = loss_chart(trainer.snapshot(detail=False), width, height).plain.splitlines()
    assert len(lines) == height and all(len(line) <= width for line in lines)
    assert lines[-1].startswith("━━ train")
    text = "\n".join(lines)
    assert "12 events in all" in lines[-2] or text.count(" at step ") == 12  # all named, or counted
    assert f"at step {trainer.step_count:,}" in lines[-2]  # the latest switch, named
