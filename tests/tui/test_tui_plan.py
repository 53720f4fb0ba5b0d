"""The app plans the layout again only when what the plan depends on changes, not at every frame."""

from __future__ import annotations

from tui_support import SMALL, WIDE, step_app

import tuinn.tui.app as app_module
from tuinn.tui.widgets.dashboard import Dashboard, panel_needs


async def test_frames_reuse_the_plan_until_the_size_or_a_pin_changes_it(monkeypatch) -> None:
    calls = []
    planner = app_module.plan_layout

    def counted(*args, **kwargs):
        calls.append(args[0])
        return planner(*args, **kwargs)

    monkeypatch.setattr(app_module, "plan_layout", counted)
    app = step_app("spiral")
    async with app.run_test(size=WIDE) as pilot:
        app.source.advance(3)
        await pilot.pause()
        needs = panel_needs(app.snapshot)
        calls.clear()
        for _ in range(3):
            app.source.advance(1)
            await pilot.pause()
        assert panel_needs(app.snapshot) == needs  # (the frames changed no panel's need)
        assert app.snapshot.step == 6 and calls == []
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert calls == [SMALL]  # planned once for the new size
        assert app.query_one(Dashboard).plan == app.plan()
        calls.clear()
        await pilot.press("B")  # a pinned baseline's rows join the loss panel's need
        await pilot.pause()
        assert calls and app.baseline is not None
