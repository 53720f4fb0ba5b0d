"""`--data DIR` with a folder of images in class subfolders: a CNN preset trains on them; bad folders exit 2."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.data.image_files import bomb_png, write_shapes

pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")


def val_accuracy(out: str) -> float:
    return float(re.search(r"val accuracy = ([\d.]+)", out).group(1))


def data_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("Data:"))


def test_digits_cnn_learns_shapes_from_png_and_jpeg_files(tuinn, tmp_path):
    write_shapes(tmp_path / "shapes", per_class=60, size=16)
    r = tuinn("--preset", "digits-cnn", "--data", "shapes", "--headless")
    assert r.code == 0, r.out + r.err
    assert val_accuracy(r.out) >= 0.97
    line = data_line(r.out)
    assert "180 images in 3 classes (circle 60, cross 60, square 60), 16×16 grayscale, scaled to [0, 1]" in line
    assert "output layer adapted to the data's 3 classes: 10 -> 3 softmax units" in line
    assert "input        Input            16×16×1" in r.out
    assert re.search(r"circle +\d+ +\d+ +\d+", r.out)  # the confusion matrix names the classes


def test_colour_images_of_another_size_give_the_net_three_channels(tuinn, tmp_path):
    write_shapes(tmp_path / "shapes", per_class=40, size=20, colour=True, classes=("circle", "cross"))
    r = tuinn("--preset", "digits-cnn", "--data", "shapes", "--headless")
    assert r.code == 0, r.out + r.err
    assert val_accuracy(r.out) >= 0.97
    assert "input        Input            20×20×3" in r.out
    assert "80 images in 2 classes (circle 40, cross 40), 20×20 RGB" in data_line(r.out)
    assert "2 classes: 10 -> 1 sigmoid unit" in data_line(r.out)


def test_an_mlp_preset_reads_the_images_flat(tuinn, tmp_path):
    write_shapes(tmp_path / "shapes", per_class=30, size=8, classes=("circle", "cross"))
    r = tuinn("--preset", "circle", "--data", "shapes", "--headless")
    assert r.code == 0 and val_accuracy(r.out) >= 0.97, r.out + r.err
    assert re.search(r"input +Input +64 ", r.out), r.out


def test_image_size_set_on_the_command_line_resizes(tuinn, tmp_path):
    write_shapes(tmp_path / "shapes", per_class=10, size=16)
    r = tuinn("--preset", "digits-cnn", "--data", "shapes", "--set", "data.image_size=[8, 8]", "--summary")
    assert r.code == 0, r.err
    assert "8×8×1" in r.out


@pytest.mark.parametrize(
    "break_it, fragment",
    [
        (lambda d: (d / "circle" / "0.png").write_bytes(b"garbage"), "circle/0.png: not an image Pillow can read"),
        (lambda d: bomb_png(d / "cross" / "huge.png"), "cross/huge.png: too large to read safely"),
        (lambda d: (d / "square" / "loop").symlink_to(d), "square/loop: a symbolic link loop"),
        (lambda d: (d / "square" / "README.md").write_text("shapes"), "square/README.md: not an image file"),
    ],
)
def test_a_bad_folder_exits_2_with_one_line_naming_the_file(tuinn, tmp_path, break_it, fragment):
    folder = write_shapes(tmp_path / "shapes", per_class=4, size=8)
    break_it(folder)
    r = tuinn("--preset", "digits-cnn", "--data", "shapes", "--headless")
    assert r.code == 2 and "Traceback" not in r.err, r.err
    assert r.err.count("\n") == 1 and fragment in r.err, r.err


def test_without_pillow_one_line_says_what_to_install(tmp_path):
    write_shapes(tmp_path / "shapes", per_class=4, size=8)
    blocked = "import sys; sys.modules['PIL'] = None; sys.argv[0] = 'tuinn'; from tuinn.cli import main; main()"
    r = subprocess.run(
        [sys.executable, "-c", blocked, "--preset", "digits-cnn", "--data", "shapes", "--headless"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert "a folder of images needs Pillow, which is not installed: pip install 'tuinn[images]'" in r.stderr


def test_a_folder_with_neither_idx_files_nor_class_folders_exits_2(tuinn, tmp_path):
    (tmp_path / "empty").mkdir()
    r = tuinn("--preset", "mnist-cnn", "--data", "empty", "--headless")
    assert r.code == 2 and "empty: neither MNIST-style IDX files" in r.err, r.err
