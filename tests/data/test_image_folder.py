"""A folder of images in class subfolders: classes, sizes, channels and scaling; every bad folder named."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.data.image_files import bomb_png, write_png, write_shapes
from tuinn.data import DataError, data_spec_for_path, load_data

Image = pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")


def load(folder, **keys):
    return load_data({"kind": "images", "path": str(folder), **keys}, seed=0, dtype="float32")


def all_x(data):
    return np.concatenate([data.x_train, data.x_val])


def all_y(data):
    return np.concatenate([data.y_train, data.y_val])


def test_classes_are_the_subfolders_in_sorted_order_and_pixels_are_scaled_to_0_1(tmp_path):
    for name, level in (("dog", 200), ("cat", 50)):
        for i in range(5):
            write_png(tmp_path / name / f"{i}.png", np.full((6, 4), level + i, dtype=np.uint8))
    data = load(tmp_path)
    assert data.class_names == ("cat", "dog") and data.classes == 2 and data.task == "classification"
    assert data.input_shape == (6, 4, 1) and data.x_train.dtype == np.float32
    x, y = all_x(data), all_y(data)
    means = x.reshape(len(x), -1).mean(axis=1)
    np.testing.assert_allclose(np.sort(means[y == 0]), (50 + np.arange(5)) / 255, atol=1e-6)
    np.testing.assert_allclose(np.sort(means[y == 1]), (200 + np.arange(5)) / 255, atol=1e-6)
    assert (x == x[:, :1, :1]).all()  # each image constant: no pixel moved or mixed with another's
    assert "10 images in 2 classes (cat 5, dog 5), 6×4 grayscale, scaled to [0, 1]" in data.description
    assert len(data.x_val) == 2  # val_ratio 0.2, stratified: one of each class
    assert set(data.y_val) == {0, 1}


def test_png_and_jpeg_in_nested_folders_are_read_rgb_as_three_channels(tmp_path):
    write_shapes(tmp_path, per_class=6, size=12, colour=True)
    write_png(tmp_path / "cross" / "more" / "deeper.png", np.zeros((12, 12, 3), dtype=np.uint8))
    data = load(tmp_path)
    assert data.input_shape == (12, 12, 3) and data.class_names == ("circle", "cross", "square")
    assert np.bincount(all_y(data)).tolist() == [6, 7, 6]
    x = all_x(data)
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.7


def test_an_rgb_png_keeps_its_exact_pixels(tmp_path):
    rng = np.random.default_rng(3)
    pictures = rng.integers(0, 256, (2, 5, 7, 3), dtype=np.uint8)
    for name, picture in zip(("a", "b"), pictures):
        for i in range(3):
            write_png(tmp_path / name / f"{i}.png", picture)
    data = load(tmp_path, val_ratio=0.5)
    x, y = all_x(data), all_y(data)
    for label, picture in enumerate(pictures):
        np.testing.assert_array_equal(x[y == label], np.broadcast_to(picture / np.float32(255), (3, 5, 7, 3)))


def test_sizes_that_differ_are_resized_to_the_most_common_one_and_said(tmp_path):
    for name in ("a", "b"):
        for i in range(4):
            write_png(tmp_path / name / f"{i}.png", np.full((12, 10), 100, dtype=np.uint8))
        write_png(tmp_path / name / "big.png", np.full((40, 40), 100, dtype=np.uint8))
    data = load(tmp_path)
    assert data.input_shape == (12, 10, 1)
    np.testing.assert_allclose(all_x(data), 100 / 255, atol=1e-6)  # a constant picture stays constant
    assert "12×10 grayscale" in data.description and "2 resized from other sizes" in data.description


def test_image_size_resizes_every_image(tmp_path):
    write_shapes(tmp_path, per_class=4, size=16)
    data = load(tmp_path, image_size=[8, 6])
    assert data.input_shape == (8, 6, 1) and "12 resized" in data.description


def test_mixed_grayscale_and_colour_is_refused_naming_one_of_each(tmp_path):
    write_shapes(tmp_path, per_class=3, size=8, classes=("a",))
    write_shapes(tmp_path, per_class=2, size=8, classes=("b",), colour=True)
    with pytest.raises(DataError) as e:
        load(tmp_path)
    message = str(e.value)
    assert "a/0.jpg is grayscale" in message and "b/0.jpg is colour" in message and "data.channels" in message


@pytest.mark.parametrize("channels, converted", [(1, 2), (3, 3)])
def test_channels_converts_every_image(tmp_path, channels, converted):
    write_shapes(tmp_path, per_class=3, size=8, classes=("a",))
    write_shapes(tmp_path, per_class=2, size=8, classes=("b",), colour=True)
    data = load(tmp_path, channels=channels)
    assert data.input_shape == (8, 8, channels)
    assert f"{converted} converted to {'grayscale' if channels == 1 else 'RGB'}" in data.description
    if channels == 3:
        grey = all_x(data)[all_y(data) == 0]
        np.testing.assert_array_equal(grey[..., 0], grey[..., 2])


def test_sixteen_bit_images_are_scaled_by_65535(tmp_path):
    for name, level in (("a", 1000), ("b", 60000)):
        for i in range(3):
            write_png(tmp_path / name / f"{i}.png", np.full((4, 4), level, dtype=np.uint16))
    data = load(tmp_path, val_ratio=0.5)
    x, y = all_x(data), all_y(data)
    np.testing.assert_allclose(x[y == 0], 1000 / 65535, rtol=1e-5)
    np.testing.assert_allclose(x[y == 1], 60000 / 65535, rtol=1e-5)


def test_a_grey_palette_gif_is_grayscale_and_limit_takes_a_subset(tmp_path):
    for name in ("a", "b"):
        for i in range(5):
            (tmp_path / name).mkdir(exist_ok=True)
            Image.fromarray(np.full((6, 6), 40 * i, dtype=np.uint8)).convert("P").save(tmp_path / name / f"{i}.gif")
    assert load(tmp_path).input_shape == (6, 6, 1)
    assert len(all_x(load(tmp_path, limit=6))) == 6


def test_hidden_files_are_skipped(tmp_path):
    write_shapes(tmp_path, per_class=3, size=8, classes=("a", "b"))
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\0\1junk")
    (tmp_path / ".cache").mkdir()
    assert load(tmp_path).classes == 2


def test_a_folder_of_class_folders_is_images_and_an_empty_one_is_refused(tmp_path):
    write_shapes(tmp_path / "data", per_class=3, size=8, classes=("a", "b"))
    spec = data_spec_for_path(str(tmp_path / "data"), {"kind": "digits", "shape": "flat", "image_size": [4, 4]})
    assert spec == {"kind": "images", "path": str((tmp_path / "data").resolve()), "shape": "flat", "image_size": [4, 4]}
    assert load_data(spec, seed=0).input_shape == (16,)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: neither MNIST-style IDX files .* nor class subfolders"):
        data_spec_for_path(str(tmp_path / "empty"), {"kind": "digits"})


def _corrupt(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
    (folder / "b" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return "b/bad.png: not an image Pillow can read"


def _truncated(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
    raw = write_png(folder / "a" / "cut.png", np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    raw.write_bytes(raw.read_bytes()[:300])
    return "a/cut.png: a damaged image"


def _text_file(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
    (folder / "a" / "notes.txt").write_text("cats, mostly")
    return "a/notes.txt: not an image file"


def _one_class(folder):
    write_shapes(folder, per_class=3, size=8, classes=("only",))
    return "only one class subfolder (only)"


def _no_classes(folder):
    write_png(folder / "loose.png", np.zeros((4, 4), dtype=np.uint8))
    (folder / "x").write_text("")
    return "no class subfolders; 1 images lie directly in it"


def _empty_class(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a",))
    (folder / "b").mkdir()
    return "b: no images in this class folder"


def _link(name: str, target: str, reason: str):
    """A maker of a good folder plus a symbolic link `name` -> `target` (both inside it)."""

    def make(folder):
        write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
        os.symlink(folder / target, folder / name)
        return f"{name}: {reason}"

    make.__name__ = f"_{reason.split()[-1]}_{name.replace('/', '_')}"
    return make


_folder_loop = _link("a/again", "a", "a symbolic link loop")
_file_loop = _link("b/me.png", "b/me.png", "a symbolic link loop")
_broken_link = _link("b/link.png", "gone.png", "a broken symbolic link")


def _bomb(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
    bomb_png(folder / "a" / "huge.png")
    return "a/huge.png: too large to read safely (Pillow's limit is"


def _unsupported_mode(folder):
    write_shapes(folder, per_class=3, size=8, classes=("a", "b"))
    Image.fromarray(np.zeros((4, 4), dtype=np.float32)).save(folder / "a" / "float.tif")
    return "a/float.tif: images of mode 'F' are not supported"


def _too_big(folder):
    for name in ("a", "b"):
        for i in range(180):
            write_png(folder / name / f"{i}.png", np.zeros((2, 2), dtype=np.uint8))
    return "360 images of 1024×1024×3 would take 4.2 GiB"


BROKEN = [
    _corrupt,
    _truncated,
    _text_file,
    _one_class,
    _no_classes,
    _empty_class,
    _folder_loop,
    _file_loop,
    _broken_link,
    _bomb,
    _unsupported_mode,
    _too_big,
]


@pytest.mark.parametrize("make", BROKEN, ids=[f.__name__.strip("_") for f in BROKEN])
def test_a_bad_folder_is_refused_in_one_message_naming_the_file(tmp_path, make):
    folder = tmp_path / "data"
    folder.mkdir()
    fragment = make(folder)
    keys = {"image_size": [1024, 1024], "channels": 3} if make is _too_big else {}
    with pytest.raises(DataError) as e:
        load(folder, **keys)
    assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "keys, fragment",
    [
        ({"image_size": [0, 4]}, "data.image_size must be [height, width]"),
        ({"image_size": 28}, "data.image_size must be [height, width]"),
        ({"channels": 2}, "data.channels must be 1 (grayscale) or 3 (RGB)"),
        ({"channels": 4}, "data.channels must be between 1 and 3"),
        ({"colour": True}, "data.colour is not a key of kind 'images'"),
    ],
)
def test_bad_keys_are_named(tmp_path, keys, fragment):
    write_shapes(tmp_path, per_class=2, size=8, classes=("a", "b"))
    with pytest.raises(DataError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load(tmp_path, **keys)
