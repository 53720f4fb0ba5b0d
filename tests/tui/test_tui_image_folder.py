"""The app on your own folder of images (digits-cnn with --data DIR): every size, both colour systems, gray and RGB."""

from __future__ import annotations

import pytest
from test_tui_every_preset import visit_every_screen
from tui_support import screen_text, step_app

from tests.data.image_files import write_shapes
from tuinn.config import load_preset, with_overrides
from tuinn.data import data_spec_for_path
from tuinn.tui.widgets.sample import SamplePanel

pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"])
@pytest.mark.parametrize("colour_system", ["truecolor", "256"])
@pytest.mark.parametrize("colour", [False, True], ids=["gray", "rgb"])
async def test_the_app_trains_digits_cnn_on_a_folder_of_images(tmp_path, size, colour_system, colour) -> None:
    folder = write_shapes(tmp_path / "shapes", per_class=12, size=12, colour=colour)
    config = load_preset("digits-cnn")
    config = with_overrides(config, data=data_spec_for_path(str(folder), config.data))
    app = step_app(config, colour_system=colour_system)
    async with app.run_test(size=size) as pilot:
        await visit_every_screen(app, pilot)
        text = screen_text(app)
        assert app.source.trainer.step_count >= 5
        assert "Traceback" not in text and "Error" not in text
        assert app.snapshot.input_shape == (12, 12, 3 if colour else 1)
        assert app.snapshot.class_names == ("circle", "cross", "square")
        sample = app.query_one(SamplePanel)
        shown = " ".join(strip.text for strip in sample._lines)
        assert any(name in shown for name in ("circle", "cross", "square")), shown
        await pilot.press("q")
    assert app.return_value == 0


async def test_the_editor_changes_a_run_on_a_folder_of_images(tmp_path) -> None:
    from test_tui_lab import type_into

    from tuinn.tui.widgets.editor import ExperimentEditor

    folder = write_shapes(tmp_path / "shapes", per_class=10, size=12)
    config = load_preset("digits-cnn")
    app = step_app(with_overrides(config, data=data_spec_for_path(str(folder), config.data)))
    async with app.run_test(size=(120, 40)) as pilot:
        app.source.advance(3)
        await pilot.press("e")
        assert app.query(ExperimentEditor)
        await type_into(pilot, app, "data.val_ratio", "0.5")
        assert len(app.source.trainer.dataset.x_val) == 15 and app.source.trainer.dataset.class_names == (
            "circle",
            "cross",
            "square",
        )
        await type_into(pilot, app, "model.layers[0].filters", "4")
        assert app.source.trainer.network.params["conv2d_1.W"].shape[-1] == 4
        app.source.advance(3)
        assert app.source.trainer.step_count == 6
        assert "Error" not in screen_text(app) and "Traceback" not in screen_text(app)
