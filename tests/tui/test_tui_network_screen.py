"""N opens the network view over the dashboard: it follows the run, `,` `.` pick a unit whose equation shows."""

from __future__ import annotations

import pytest

from tests.tui.tui_support import SMALL, WIDE, screen_text, step_app
from tuinn.tui.widgets.network import NetworkView
from tuinn.tui.widgets.network_screen import NetworkScreen


def assert_links_are_the_weights(view: NetworkView) -> None:
    assert view.snapshot is not None and view.snapshot.decision is not None
    layers = view.snapshot.decision.neurons
    assert view.links
    for link in view.links:
        assert link.weight == float(layers[link.layer].weights[link.source, link.target])


@pytest.mark.parametrize("size", [SMALL, WIDE, (200, 60)], ids=["80x24", "120x40", "200x60"])
async def test_n_opens_the_network_view_which_follows_the_run_and_shows_an_equation(size) -> None:
    app = step_app("spiral")
    async with app.run_test(size=size) as pilot:
        app.source.advance(20)
        await pilot.press("N")
        assert isinstance(app.screen, NetworkScreen)
        view = app.screen.query_one(NetworkView)
        assert_links_are_the_weights(view)
        before = {(link.layer, link.source, link.target): link.weight for link in view.links}
        app.source.advance(30)  # training goes on under the modal: the links take the new weights
        await pilot.pause()
        assert view.snapshot is app.snapshot and view.snapshot.step == 50
        assert_links_are_the_weights(view)
        after = {(link.layer, link.source, link.target): link.weight for link in view.links}
        assert any(after[k] != w for k, w in before.items() if k in after)
        await pilot.press("full_stop", "full_stop", "full_stop")  # past the two inputs, to the first hidden unit
        equation = view.equation()
        assert equation is not None and equation.activation == "tanh"
        assert "= tanh(" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, NetworkScreen)


async def test_a_click_on_a_node_selects_it() -> None:
    app = step_app("xor")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(10)
        await pilot.press("N")
        view = app.screen.query_one(NetworkView)
        assert view.plan is not None
        target = next(
            (x, y) for y in range(view.size.height) for x in range(view.size.width) if view.node_at(x, y) is not None
        )
        unit = view.node_at(*target)
        await pilot.click(NetworkView, offset=target)
        assert view.selected == unit


async def test_n_is_not_offered_where_there_is_no_plane_to_draw() -> None:
    app = step_app("digits-cnn")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("N")
        assert not isinstance(app.screen, NetworkScreen)
        assert app.check_action("network", ()) is False  # (so the help and the palette leave it out too)
