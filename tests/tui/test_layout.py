"""The lesson-aware layout (tuinn.tui.layout): for every preset and size, the lesson whole first, nothing shown cut."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest
from tui_support import preset_app

from tuinn.config import ConfigError, load_preset, parse_config, preset_names
from tuinn.config.tour_file import load_tour
from tuinn.train.snapshot import Snapshot
from tuinn.tui.layout import FOOTER, TAB_BAR, Need, Plan, banner_lines, plan_layout
from tuinn.tui.widgets.dashboard import available, lesson_of, panel_needs

SIZES = [(80, 24), (100, 30), (120, 40), (160, 50), (200, 60)]
FEW_EMPTY_ROWS = 3


@cache
def snapshot_of(preset: str, mnist_folder) -> Snapshot:
    """The preset's Snapshot after a few steps (as the app first shows it)."""
    source = preset_app(preset, mnist_folder).source
    source.advance(3)
    return source.latest


def check_plan(plan: Plan, needs: dict[str, Need], lesson: tuple[str, ...], size: tuple[int, int]) -> None:
    """Every panel once, on screen or on a tab; none under its minimum; the lesson's on screen; all inside the area."""
    shown = plan.shown
    assert sorted([*shown, *plan.tabs]) == sorted(needs), (shown, plan.tabs)
    for name, place in shown.items():
        assert place.width >= needs[name].min_width and place.height >= needs[name].min_height, (name, place)
    for name in lesson:
        assert name in shown, f"lesson panel {name} not on screen at {size}: {plan}"
    assert sum(column[0].width for column in plan.columns) <= size[0]
    rows = size[1] - FOOTER - plan.banner_lines - (TAB_BAR if plan.tabs else 0)
    assert plan.height == rows
    for column in plan.columns:
        assert sum(place.height for place in column) <= rows
        assert len({place.width for place in column}) == 1


def app_presets() -> list[str]:
    return [p for p in preset_names() if not load_preset(p).needs_data or load_preset(p).data.get("kind") == "idx"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_preset_gets_its_lesson_whole_at_every_size(app_preset: str, size, mnist_folder) -> None:
    s = snapshot_of(app_preset, mnist_folder)
    needs, lesson = panel_needs(s), lesson_of(s)
    assert lesson and set(lesson) <= set(available(s)), lesson  # every preset names a lesson it can show
    plan = plan_layout(size, lesson, needs, banner=True)
    check_plan(plan, needs, lesson, size)


def test_every_builtin_preset_names_its_lesson() -> None:
    assert all(load_preset(name).lesson for name in preset_names())


def test_the_layout_degrades_step_by_step(app_preset: str, mnist_folder) -> None:
    """A bigger screen never shows fewer panels; the largest shows them all."""
    s = snapshot_of(app_preset, mnist_folder)
    needs, lesson = panel_needs(s), lesson_of(s)
    counts = [len(plan_layout(size, lesson, needs, banner=True).shown) for size in SIZES]
    assert counts == sorted(counts), counts
    assert counts[0] < len(needs) or len(needs) <= 2  # 80x24 cannot hold a whole dashboard


def test_at_200x60_the_columns_are_filled(app_preset: str, mnist_folder) -> None:
    """Spare rows go to the panels that grow: no column ends in a band of empty rows (save one holding only a picture
    that keeps its shape, the decision boundary, when no other panel fits its width)."""
    s = snapshot_of(app_preset, mnist_folder)
    needs = panel_needs(s)
    plan = plan_layout((200, 60), lesson_of(s), needs, banner=True)
    for column in plan.columns:
        if all(needs[place.name].aspect for place in column):
            continue
        assert plan.height - sum(place.height for place in column) <= FEW_EMPTY_ROWS, column


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tour_stop_lessons_fit_with_the_banner(size, mnist_folder) -> None:
    for stop in load_tour():
        if not stop.lesson:
            continue
        s = snapshot_of(stop.preset, mnist_folder)
        needs = panel_needs(s)
        check_plan(plan_layout(size, stop.lesson, needs, banner=True), needs, stop.lesson, size)


def test_deep_sigmoid_stop_asks_for_the_gradients() -> None:
    stop = next(s for s in load_tour() if s.preset == "deep-sigmoid")
    assert stop.lesson == ("gradients",)


def test_a_panel_too_big_for_the_screen_goes_to_a_tab() -> None:
    needs = {"status": Need(40, 10, 40, 10), "gradients": Need(30, 30, 60, 40), "loss": Need(30, 5, 90, 5)}
    plan = plan_layout((80, 24), ("loss",), needs, banner=False)
    assert plan.tabs == ("gradients",) and set(plan.shown) == {"status", "loss"}
    assert plan.height == 24 - FOOTER - TAB_BAR


def test_the_first_lesson_panel_keeps_its_column_and_grows_into_it() -> None:
    needs = {"decision": Need(30, 16, 100, 50), "status": Need(44, 13, 54, 13), "loss": Need(43, 8, 100, 8)}
    plan = plan_layout((120, 40), ("decision",), needs, banner=True)
    first = plan.columns[0]
    assert [p.name for p in first] == ["decision"] and first[0].height == plan.height
    assert sum(column[0].width for column in plan.columns) == 120  # the spare width is given out


def test_the_editor_and_the_banner_take_their_room() -> None:
    needs = {"decision": Need(30, 16, 100, 50), "status": Need(44, 13, 54, 13)}
    plain = plan_layout((120, 40), ("decision",), needs, banner=False)
    beside = plan_layout((120, 40), ("decision",), needs, banner=True, editor=34)
    assert plain.width == 120 and beside.width == 86
    assert plain.height - beside.height == banner_lines(40, True) == 1
    assert banner_lines(60, True) == 2 and banner_lines(60, False) == 0


def test_an_unknown_lesson_panel_names_the_key() -> None:
    text = 'name = "t"\nlesson = ["gradient"]\n[data]\nkind = "truth_table"\nname = "xor"\n'
    text += '[model]\nloss = "mse"\n[[model.layers]]\ntype = "dense"\nunits = 1\n'
    with pytest.raises(ConfigError, match=r"key 'lesson': unknown panel 'gradient'; known: network, "):
        parse_config(text, source="t.toml", base_dir=None)


def test_an_unknown_lesson_in_the_tour_names_the_stop() -> None:
    stop = '[[stop]]\npreset = "xor"\ntitle = "t"\nwhen = "now"\nexpect = "meets"\nhistory = "h"\nlook = "l"\n'
    stop += 'try = "t"\nlesson = ["nope"]\n'
    with pytest.raises(ConfigError, match=r"stop 1: key 'lesson': unknown panel 'nope'"):
        load_tour(stop, source="tour.toml")


def test_no_column_of_tables_keeps_a_band_at_160x50_or_200x60(app_preset: str, mnist_folder) -> None:
    """Panels that stop growing (tables) never stand over a band of rows in a column of their own: they join a
    column whose panels take any rows (the loss chart), and their column's width goes to the others."""
    s = snapshot_of(app_preset, mnist_folder)
    needs = panel_needs(s)
    for size in ((160, 50), (200, 60)):
        plan = plan_layout(size, lesson_of(s), needs, banner=True)
        for column in plan.columns:
            if any(needs[place.name].grows or needs[place.name].aspect for place in column):
                continue
            assert plan.height - sum(place.height for place in column) <= FEW_EMPTY_ROWS, (size, column)


def test_a_panel_that_grows_by_steps_fills_a_whole_step_or_none() -> None:
    sample = Need(40, 18, 80, 32, aspect=2.0, steps=(18, 32), step_widths=(40, 70))
    assert sample.uses(25) == 18 and sample.uses(32) == 32 and sample.uses(40) == 32
    assert sample.tallest(69) == 18 and sample.tallest(70) == 32  # a zoom only where its width fits
    needs = {"sample": sample, "gradients": Need(30, 8, 100, 60)}
    plan = plan_layout((60, 42), (), needs, banner=False)  # one column: the sample's next zoom is too wide
    assert [[place.name for place in column] for column in plan.columns] == [["sample", "gradients"]]
    heights = {place.name: place.height for place in plan.columns[0]}
    assert heights["sample"] == 18 and heights["gradients"] == plan.height - 18  # not 18 + a share it leaves empty
    wide = plan_layout((60, 42), (), {**needs, "sample": replace(sample, step_widths=(40, 56))}, banner=False)
    assert wide.shown["sample"].height in (18, 32) and sum(p.height for p in wide.columns[0]) == wide.height


def test_a_column_whose_loss_falls_short_of_its_chart_sends_a_table_to_a_column_with_room() -> None:
    loss = Need(40, 8, 100, 26, steps=(8, 16))
    needs = {
        "sample": Need(40, 18, 60, 32, aspect=2.0, steps=(18, 32), step_widths=(40, 60)),
        "gradients": Need(40, 8, 100, 60),
        "status": Need(40, 14, 50, 14),
        "loss": loss,
        "confusion": Need(40, 14, 50, 14),
        "architecture": Need(40, 13, 50, 13),
    }
    plan = plan_layout((120, 57), ("sample",), needs, banner=False)
    loss_height = plan.shown["loss"].height
    assert loss_height >= 16 or loss_height == 8  # the chart or the sparklines, no lines between
    for column in plan.columns:
        names = [place.name for place in column]
        if "loss" in names:
            assert loss_height >= 16, plan
