"""The network view: links that match the weights, equations that match a forward pass, every size drawn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import numpy as np
import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from tui_support import preset_app, train_and_show

from tuinn.config import load_preset
from tuinn.data.features import expand
from tuinn.train import commands as cmd
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer
from tuinn.tui.widgets.decision import UnitChoice
from tuinn.tui.widgets.network import LINK_PALETTES, NetworkView, link_shades
from tuinn.tui.widgets.network_equation import format_equation, magnitude_text, shown_terms
from tuinn.tui.widgets.network_layout import HEADING, MIN_SIDE, layout
from tuinn.tui.widgets.network_links import MAGNITUDE_BOUNDS, magnitude_class

SIZES = ((80, 24), (120, 40), (200, 60))


class NetApp(App):
    """The widget alone, filling the screen inside a border."""

    CSS = "NetworkView { border: round $primary; padding: 0 1; width: 1fr; height: 1fr; }"

    def __init__(self, ascii: bool = False, colour_system: str = "truecolor") -> None:
        super().__init__()
        self.ascii, self.colour_system = ascii, colour_system

    def compose(self) -> ComposeResult:
        yield NetworkView()


def trained(preset: str, steps: int) -> Trainer:
    t = Trainer(load_preset(preset), stop_at_target=False)
    for _ in range(steps):
        t.step()
    return t


def two_snapshots(preset: str, steps: int, more: int) -> tuple[Snapshot, Snapshot]:
    """Snapshots of a run after `steps` steps and after `more` steps on."""
    t = trained(preset, steps)
    first = t.snapshot()
    for _ in range(more):
        t.step()
    return first, t.snapshot()


@pytest.fixture(scope="module")
def spiral() -> Trainer:
    return trained("spiral", 300)


@pytest.fixture(scope="module")
def xor() -> Trainer:
    return trained("xor", 300)


@asynccontextmanager
async def shown(snapshots: list[Snapshot], size=(120, 40), select=None, **app_args) -> AsyncIterator[NetworkView]:
    """The view, mounted, after being fed `snapshots` in turn (and `select`ed)."""
    app = NetApp(**app_args)
    async with app.run_test(size=size) as pilot:
        view = app.query_one(NetworkView)
        for snapshot in snapshots:
            view.update_snapshot(snapshot)
        if select is not None:
            view.select(select)
        await pilot.pause()
        yield view


def expected_class(weight: float) -> int:
    """The magnitude class by its definition: how many bounds |w| reaches."""
    return sum(abs(weight) >= bound for bound in MAGNITUDE_BOUNDS)


def assert_links_match(view: NetworkView, snapshot: Snapshot) -> None:
    layers = snapshot.decision.neurons
    assert view.links
    for link in view.links:
        weight = float(layers[link.layer].weights[link.source, link.target])
        assert link.weight == weight
        assert link.sign == int(np.sign(weight))
        assert link.magnitude == expected_class(weight)


def cell_colours(view: NetworkView) -> list[list[tuple[str, object]]]:
    """(character, foreground colour) of each content cell, from the lines the view drew."""
    rows = []
    for strip in view._lines:
        row = []
        for segment in strip:
            text, style = segment.text, segment.style
            row += [(c, style.color if style else None) for c in text]
        rows.append(row)
    return rows


def test_magnitude_classes_on_the_fixed_scale():
    assert magnitude_class(0.0) == 0 and magnitude_class(-0.0) == 0 and magnitude_class(float("nan")) == 0
    assert [magnitude_class(w) for w in (0.05, -0.2, 0.5, -2.0, 7.0)] == [0, 1, 2, 3, 4]
    assert [magnitude_class(b) for b in MAGNITUDE_BOUNDS] == [1, 2, 3, 4]  # a bound starts its class
    assert magnitude_class(-1.5) == magnitude_class(1.5)


def test_small_numbers_keep_a_digit():
    assert [magnitude_text(v) for v in (0.0, 0.834, -1.204, 0.0031, -0.00004)] == [
        "0.00",
        "0.83",
        "1.20",
        "0.003",
        "4e-05",
    ]


@pytest.mark.parametrize("preset", ["xor", "spiral"])
async def test_every_drawn_link_has_its_weights_sign_and_class(preset, xor, spiral):
    trainer = {"xor": xor, "spiral": spiral}[preset]
    snapshot = trainer.snapshot()
    async with shown([snapshot]) as view:
        assert_links_match(view, snapshot)
        plan = view.plan
        between_drawn = sum(len(a.units) * len(b.units) for a, b in zip(plan.columns, plan.columns[1:]))
        assert len(view.links) == between_drawn  # small nets: every weight among the drawn units
        assert "every weight drawn" in " ".join(s.text for s in view._lines)


async def test_each_link_cell_is_drawn_in_its_links_colour(xor):
    snapshot = xor.snapshot()
    async with shown([snapshot]) as view:
        cells = cell_colours(view)
        owner, shades = view.raster.owner, link_shades(view.table, False)
        for index, link in enumerate(view.links):
            assert shades[index] == link.magnitude + 1  # no unit selected: every link in its class's shade
            want = view.ramp(LINK_PALETTES[link.sign]).colour(int(shades[index]))
            places = np.argwhere(owner == index)
            assert len(places), f"link {link} has no cell on top"  # xor's 12 links all show
            for line, x in places:
                char, colour = cells[line][x]
                assert 0x2800 <= ord(char) <= 0x28FF and colour == want


async def test_links_follow_the_weights_as_they_learn():
    early, late = two_snapshots("spiral", 50, 1500)
    async with shown([early]) as view:
        before = {(k.layer, k.source, k.target): (k.sign, k.magnitude) for k in view.links}
    async with shown([early, late]) as view:
        assert_links_match(view, late)
        changed = sum(before[(k.layer, k.source, k.target)] != (k.sign, k.magnitude) for k in view.links)
        assert changed > 10  # the run moved: the looks follow the latest Snapshot, not the first


async def test_new_weights_of_a_lab_edit_are_drawn_weakest():
    t = trained("spiral", 30)
    t.submit(cmd.Edit((("data.features", ["x1", "x2", "x1^2", "sin(x1)"]),)))
    t.apply_commands()
    snapshot = t.snapshot()
    async with shown([snapshot], size=(200, 60)) as view:
        new = [link for link in view.links if link.layer == 1 and link.source >= 2]
        assert len(new) == 2 * 16
        assert all(link.weight == 0.0 and link.magnitude == 0 and link.sign == 0 for link in new)
        labels = " ".join(s.text for s in view._lines)
        assert "x₁²" in labels and "sin x₁" in labels


def pre_activation(trainer: Trainer, unit: UnitChoice, point: np.ndarray) -> float:
    """The unit's weighted sum plus bias at a point of the plane, from a forward pass of the network."""
    features = trainer.dataset.features
    h = expand(point[None, :], features) if features else point[None, :]
    for layer in trainer.network.layers[: unit.layer - 1]:
        h = layer.forward(h, False)
    z = trainer.network.layers[unit.layer - 1].linear_forward(h)
    return float(z[0, unit.unit])


def inputs_at(trainer: Trainer, layer: int, point: np.ndarray) -> np.ndarray:
    """The outputs of neuron layer `layer` (0: the features) at a point."""
    features = trainer.dataset.features
    h = expand(point[None, :], features) if features else point[None, :]
    for net_layer in trainer.network.layers[:layer]:
        h = net_layer.forward(h, False)
    return h[0]


@pytest.mark.parametrize(
    "preset, unit", [("xor", UnitChoice(1, 2)), ("xor", UnitChoice(2, 0)), ("spiral", UnitChoice(2, 5))]
)
@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_an_equation_reproduces_the_units_pre_activation(preset, unit, size, xor, spiral):
    trainer = {"xor": xor, "spiral": spiral}[preset]
    async with shown([trainer.snapshot()], size=size, select=unit) as view:
        equation = view.equation()
        for point in (np.array([0.3, -0.7]), np.array([-1.2, 2.5])):
            inputs = inputs_at(trainer, unit.layer - 1, point)
            from_equation = sum(term.weight * inputs[term.source] for term in equation.terms) + equation.bias
            assert abs(from_equation - pre_activation(trainer, unit, point)) <= 1e-6
        text = " ".join(s.text for s in view._lines)
        terms, left_out = shown_terms(equation, view.size.width)
        assert format_equation(equation, terms, left_out) in text
        for term in terms:
            number = magnitude_text(term.weight)
            assert f"{number}·{term.name}" in text
            assert abs(float(number) - abs(term.weight)) <= 0.005 + 0.1 * abs(term.weight)
        assert len(terms) + left_out == len(equation.terms)


async def test_an_equation_with_features_names_them_and_still_adds_up():
    t = trained("spiral", 30)
    t.submit(cmd.Edit((("data.features", ["x1", "x2", "x1^2", "sin(x1)"]),)))
    t.apply_commands()
    for _ in range(20):
        t.step()
    async with shown([t.snapshot()], size=(200, 60), select=UnitChoice(1, 3)) as view:
        equation = view.equation()
        assert [term.name for term in equation.terms] == ["x₁", "x₂", "x₁²", "sin x₁"]
        point = np.array([0.4, -1.1])
        inputs = inputs_at(t, 0, point)
        from_equation = sum(term.weight * inputs[term.source] for term in equation.terms) + equation.bias
        assert abs(from_equation - pre_activation(t, UnitChoice(1, 3), point)) <= 1e-6


async def test_weight_changes_are_measured_from_the_previous_snapshot():
    first, second = two_snapshots("xor", 20, 5)
    unit = UnitChoice(1, 1)
    async with shown([first, second], select=unit) as view:
        equation = view.equation()
        w_now, w_then = second.decision.neurons[1].weights, first.decision.neurons[1].weights
        assert equation.since_step == first.step
        for term in equation.terms:
            assert term.change == pytest.approx(float(w_now[term.source, 1]) - float(w_then[term.source, 1]), abs=0)
            assert term.change != 0
        text = " ".join(s.text for s in view._lines)
        assert f"change since step {first.step}:" in text


async def test_selecting_a_unit_lights_its_links_and_a_click_finds_it(spiral):
    snapshot = spiral.snapshot()
    unit = UnitChoice(2, 4)
    async with shown([snapshot], size=(200, 60), select=unit) as view:
        lit = [link for link in view.links if link.lit]
        assert len(lit) == 16 + 16  # every input and output of a 16-16-16 middle unit
        assert all(unit in (UnitChoice(k.layer - 1, k.source), UnitChoice(k.layer, k.target)) for k in lit)
        top_owners = {int(i) for i in np.unique(view.raster.owner) if i >= 0}
        assert {view.links.index(k) for k in lit} <= top_owners  # drawn on top: each shows somewhere
        x, top = view.plan.place(unit.layer, unit.unit)
        gutter = view.gutter
        assert view.node_at(x + gutter.left + 1, top + gutter.top) == unit
        assert view.node_at(gutter.left, gutter.top) is None  # the heading line


async def test_step_selection_walks_every_unit(xor):
    async with shown([xor.snapshot()]) as view:
        seen = [view.step_selection(1) for _ in range(2 + 4 + 1)]
        assert seen[0] == UnitChoice(0, 0) and seen[-1] == UnitChoice(2, 0)
        assert view.step_selection(1) == UnitChoice(0, 0)  # wraps round
        assert view.step_selection(-1) == UnitChoice(2, 0)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("ascii, colours", [(False, "truecolor"), (False, "256"), (True, "256")])
async def test_every_size_draws_within_the_widget(size, ascii, colours, spiral):
    async with shown(
        [spiral.snapshot()], size=size, select=UnitChoice(1, 3), ascii=ascii, colour_system=colours
    ) as view:
        width, height = view.size
        assert 0 < len(view._lines) <= height
        assert all(line.cell_length == width for line in view._lines)
        plan = view.plan
        for column in plan.columns:  # nothing of the links drawn over a node
            for top in column.tops:
                for line in view._lines[top : top + plan.node_lines]:
                    assert not any(
                        0x2800 <= ord(c) <= 0x28FF or c in "-=/\\|." for c in line.text[column.x : column.x + plan.side]
                    )
        text = "\n".join(s.text for s in view._lines)
        assert "h1.4 = tanh(" in text
        if ascii:
            assert text.isascii()
        if colours == "256":
            assert all(
                segment.style.color.number is not None
                for line in view._lines
                for segment in line
                if isinstance(segment, Segment) and segment.style and segment.style.color
            )


async def test_small_areas_say_what_they_hide_and_large_ones_show_all(spiral):
    async with shown([spiral.snapshot()], size=(80, 24)) as small:
        note = small._lines[-1].text
        assert small.plan.hidden_units > 0
        shown_units = 51 - small.plan.hidden_units
        assert f"{shown_units} of 51 units shown" in note
    async with shown([spiral.snapshot()], size=(200, 60)) as large:
        assert large.plan.hidden_units == 0 and large.plan.hidden_layers == 0
        assert "units shown" not in large._lines[-1].text


def test_layout_keeps_nodes_apart_and_inside():
    for units, (w, h) in [
        ((2, 16, 16, 16, 1), (60, 20)),
        ((2, 16, 16, 16, 1), (196, 53)),
        ((2, 4, 1), (200, 60)),
        ((2,) + (16,) * 9 + (1,), (80, 24)),
    ]:
        plan = layout(units, w, h, 3, None)
        boxes = []
        for column in plan.columns:
            assert len(column.units) <= units[column.layer]
            for top in column.tops:
                assert 1 <= top and top + plan.node_lines <= h and column.x + plan.side <= w
                boxes.append((column.x, top))
            assert all(b - a >= plan.node_lines + plan.gap for a, b in zip(column.tops, column.tops[1:]))
        assert len(set(boxes)) == len(boxes)
        for a, b in zip(plan.columns, plan.columns[1:]):
            assert b.x - (a.x + plan.side) >= 6  # room for links
        assert plan.hidden_layers == len(units) - len(plan.columns)


def test_a_deep_net_shows_every_layer_with_compact_nodes_where_full_ones_would_leave_layers_out():
    deep = (2,) + (16,) * 8 + (1,)
    plan = layout(deep, 100, 30, 3, None)
    assert plan.hidden_layers == 0 and [c.layer for c in plan.columns] == list(range(len(deep)))
    assert plan.side < MIN_SIDE and plan.hidden_units > 0  # 1-line nodes; what does not fit is counted in the note
    for a, b in zip(plan.columns, plan.columns[1:]):
        assert b.x - (a.x + plan.side) >= 6  # room for links
    shallow = layout((2, 16, 16, 16, 1), 60, 20, 3, None)  # not deep: a window of layers, nodes no smaller
    assert shallow.side >= MIN_SIDE


def test_a_small_net_spreads_its_nodes_over_the_height():
    plan = layout((2, 3, 1), 40, 30, 3, None)
    for column in plan.columns:
        if len(column.units) > 1:  # from the first line under the heading to the last
            assert column.tops[0] == HEADING and column.tops[-1] + plan.node_lines == 30
        else:
            assert abs((column.tops[0] - HEADING) - (30 - column.tops[0] - plan.node_lines)) <= 1  # centred


async def test_deep_sigmoid_at_200x60_shows_every_layer_of_its_net(mnist_folder):
    app = preset_app("deep-sigmoid", mnist_folder)
    async with app.run_test(size=(200, 60)) as pilot:
        await train_and_show(app, pilot, 20)
        view = app.query_one(NetworkView)
        assert view.plan is not None and view.plan.hidden_layers == 0
        assert "layers 1-" not in view._lines[-1].text  # no window of layers


async def test_a_thinned_net_draws_each_units_strongest_inputs():
    t = trained("deep-relu", 5)
    snapshot = t.snapshot()
    async with shown([snapshot], size=(200, 60)) as view:
        assert "each unit's 3 strongest inputs" in view._lines[-1].text
        layers = snapshot.decision.neurons
        assert_links_match(view, snapshot)
        for column in view.plan.columns[1:]:
            if column.layer - 1 not in [c.layer for c in view.plan.columns]:
                continue
            sources = view.plan.columns[[c.layer for c in view.plan.columns].index(column.layer - 1)].units
            for target in column.units:
                drawn = sorted(abs(k.weight) for k in view.links if k.layer == column.layer and k.target == target)
                strengths = np.abs(layers[column.layer].weights[list(sources), target])
                assert drawn == sorted(strengths)[-3:]


async def test_a_snapshot_without_a_plane_says_so(xor):
    snapshot = replace(xor.snapshot(), decision=None)
    async with shown([snapshot]) as view:
        assert "2-D presets" in view._lines[0].text and view.node_at(3, 3) is None


class ClickApp(NetApp):
    """Records the units the view reports clicked."""

    def __init__(self) -> None:
        super().__init__()
        self.clicked: list[UnitChoice] = []

    def on_network_view_selected(self, message: NetworkView.Selected) -> None:
        self.clicked.append(message.unit)


async def test_a_click_on_a_node_reports_its_unit(xor):
    app = ClickApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(NetworkView)
        view.update_snapshot(xor.snapshot())
        await pilot.pause()
        x, top = view.plan.place(1, 3)
        await pilot.click(NetworkView, offset=(x + view.gutter.left + 2, top + view.gutter.top + 1))
        await pilot.click(NetworkView, offset=(view.gutter.left + 1, view.gutter.top))  # the heading: nothing
        await pilot.pause()
        assert app.clicked == [UnitChoice(1, 3)]


async def test_a_long_equation_keeps_its_strongest_terms(spiral):
    async with shown([spiral.snapshot()], size=(80, 24), select=UnitChoice(3, 0)) as view:
        equation = view.equation()
        terms, left_out = shown_terms(equation, view.size.width)
        assert left_out > 0 and len(terms) >= 1
        weakest_shown = min(abs(t.weight) for t in terms)
        assert all(abs(t.weight) <= weakest_shown for t in equation.terms if t not in terms)
        assert f"{left_out} more" in " ".join(s.text for s in view._lines)


async def test_an_input_and_a_unit_whose_inputs_are_not_drawn_say_so():
    maxout = trained("deep-maxout", 3).snapshot()
    assert maxout.decision is not None and [n.activation for n in maxout.decision.neurons][1:] == ["maxout"] * 8 + [
        "sigmoid"
    ]  # every maxout layer has its unit maps
    async with shown([maxout], size=(200, 60), select=UnitChoice(1, 0)) as view:
        text = " ".join(s.text for s in view._lines)
        assert "h1.1: its inputs are not drawn here" in text and "links into 8 layers not drawn" in text
        assert view.equation() is None and view.plan is not None and len(view.plan.columns) == 10
        assert {link.layer for link in view.links} == {9}  # only the dense output layer's links
        view.select(UnitChoice(0, 1))
        assert "x₂: an input feature" in " ".join(s.text for s in view._lines)


async def test_a_unit_added_in_the_lab_links_on_with_weight_0():
    t = trained("spiral", 30)
    t.submit(cmd.Edit((("model.layers[1].units", 18),)))
    t.apply_commands()
    async with shown([t.snapshot()], size=(200, 60)) as view:
        assert view.plan.hidden_units == 0
        outgoing = [link for link in view.links if link.layer == 3 and link.source >= 16]
        assert len(outgoing) == 2 * 16
        assert all(link.weight == 0.0 and link.magnitude == 0 and link.sign == 0 for link in outgoing)
        assert_links_match(view, t.snapshot())


async def test_each_hidden_columns_heading_gives_its_layers_health(spiral):
    snapshot = spiral.snapshot()
    async with shown([snapshot], size=(200, 60)) as view:
        heading = view._lines[0].text
        for stats in snapshot.layer_stats[:-1]:  # the hidden layers (tanh: their saturated share)
            assert stats.log_update_ratio is not None and stats.saturated is not None
            assert f"{stats.name} tanh Δ{stats.log_update_ratio:.1f} sat {stats.saturated:.0%}" in heading, heading
