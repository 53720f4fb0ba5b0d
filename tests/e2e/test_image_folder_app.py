"""Your own folder of images in the app in a real terminal (tmux): it trains, records, and replays with the class names."""

import re

import pytest

from tests.data.image_files import write_shapes
from tuinn.train.recorder import Recording

pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")


@pytest.mark.e2e
def test_the_app_trains_on_a_folder_of_images_and_replays_it(terminal, tmp_path):
    folder = write_shapes(tmp_path / "shapes", per_class=30, size=12, colour=True)
    rec = tmp_path / "shapes.rec"
    pane = terminal(f"tuinn --preset digits-cnn --data {folder} --epochs 100000000 --record {rec}")
    pane.wait_for("? help", timeout=30)
    pane.open_tab(re.compile(r"Layer +Type +Output"), "12×12×3")  # the Architecture table, where the layout put it
    pane.open_tab(re.compile(r"Step +[1-9][\d,]{2,}"), re.compile(r"circle|cross|square"))
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()

    recording = Recording(rec)
    last = recording[len(recording) - 1]
    assert last.class_names == ("circle", "cross", "square") and last.input_shape == (12, 12, 3)
    replay = terminal(f"tuinn replay {rec}")
    replay.wait_for("replay shapes.rec", timeout=20)
    replay.open_tab(re.compile(r"Layer +Type +Output"), "12×12×3")
    replay.send_keys("End")
    replay.open_tab(f"frame {len(recording)}/{len(recording)}", re.compile(rf"Step +{last.step:,}\b"))
    replay.send_keys("q")
    replay.assert_exit(0)
