"""IDX (MNIST-style) folders: good files raw and gzip'd, and every kind of broken file."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.data import DataError, load_data


def idx(folder, **options):
    return load_data({"kind": "idx", "path": str(folder), **options}, seed=0)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dotted", [False, True])
def test_train_files_alone_are_split(tmp_path, mnist_like, gz, dotted):
    images, labels = mnist_like(tmp_path, n=40, gz=gz, dotted=dotted)
    data = idx(tmp_path)
    assert len(data.x_train) == 36 and len(data.x_val) == 4  # val_ratio 0.1 by default
    assert data.input_shape == (4, 3, 1) and data.classes == 10 and data.class_names == tuple("0123456789")
    assert data.x_train.min() >= 0 and data.x_train.max() <= 1
    # every loaded image is one of the files' images, scaled, with its own label
    pictures = {img.tobytes(): int(lab) for img, lab in zip(images, labels)}
    back = np.rint(data.x_train[..., 0] * 255).astype(np.uint8)
    assert [pictures[img.tobytes()] for img in back] == data.y_train.tolist()


def test_t10k_files_are_the_validation_set(tmp_path, mnist_like):
    mnist_like(tmp_path, n=30)
    test_images, test_labels = mnist_like(tmp_path, n=12, prefix="t10k", gz=True)
    data = idx(tmp_path, shape="flat")
    assert len(data.x_train) == 30 and len(data.x_val) == 12
    assert data.input_shape == (12,)
    assert np.allclose(data.x_val, test_images.reshape(12, -1) / 255)
    assert data.y_val.tolist() == test_labels.tolist()


def test_limit_caps_each_part(tmp_path, mnist_like):
    mnist_like(tmp_path, n=50)
    mnist_like(tmp_path, n=20, prefix="t10k")
    data = idx(tmp_path, limit=10)
    assert len(data.x_train) == 10 and len(data.x_val) == 10


def test_fashion_class_names(tmp_path, mnist_like):
    mnist_like(tmp_path)
    data = idx(tmp_path, class_names="fashion")
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"


def test_labels_beyond_the_class_names_are_refused(tmp_path, mnist_like):
    mnist_like(tmp_path)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: label 3 at item 3 is out of range 0\.\.2"):
        idx(tmp_path, class_names=["a", "b", "c"])


def test_label_out_of_range_for_ten_classes(tmp_path, idx_file):
    idx_file(tmp_path, "train-images-idx3-ubyte", np.zeros((3, 2, 2)))
    idx_file(tmp_path, "train-labels-idx1-ubyte", np.array([1, 12, 3]))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: label 12 at item 1 is out of range 0\.\.9"):
        idx(tmp_path)


def test_non_byte_data_type(tmp_path, idx_file, mnist_like):
    mnist_like(tmp_path)
    idx_file(tmp_path, "train-labels-idx1-ubyte", np.zeros(30), magic=0x00000D01)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: unsupported data type 0x0D; only unsigned bytes"):
        idx(tmp_path)


IMAGES = "train-images-idx3-ubyte"


@pytest.mark.parametrize(
    "name, broken, message",
    [
        (IMAGES, {"magic": 0x804}, r"bad magic number 0x00000804, expected 0x00000803 \(2051\) for images"),
        (IMAGES + ".gz", {"magic": 0x804}, r"bad magic number 0x00000804, expected 0x00000803 \(2051\) for images"),
        (IMAGES, {"magic": 0x801}, r"bad magic number 0x00000801 \(2049, a labels file\), expected 0x00000803"),
        (IMAGES, {"magic": 0xD03}, r"unsupported data type 0x0D; only unsigned bytes \(0x08\) are supported"),
        (
            IMAGES,
            {"dims": (10, 28, 28), "data": bytes(100)},
            r"truncated: header says 10×28×28 = 7840 bytes, file has 100$",
        ),
        (
            IMAGES + ".gz",
            {"dims": (10, 28, 28), "data": bytes(100)},
            r"truncated: header says 10×28×28 = 7840 bytes, file has 100 \(uncompressed\)",
        ),
        (IMAGES, {"data": bytes(30 * 12 + 5)}, r"extra data at the end: header says 30×4×3 = 360 bytes, file has 365"),
        (
            IMAGES + ".gz",
            {"data": bytes(30 * 12 + 5)},
            r"extra data at the end: header says 30×4×3 = 360 bytes, file has more",
        ),
        (IMAGES, {"dims": (10**9, 28, 28)}, r"header claims 1,000,000,000 images; expected 1 to 10,000,000"),
        (IMAGES + ".gz", {"dims": (10**9, 28, 28)}, r"header claims 1,000,000,000 images; expected 1 to 10,000,000"),
        (IMAGES, {"dims": (30, 5000, 28)}, r"header claims images of 5000×28 pixels; each side must be 1 to 1024"),
        (IMAGES, {"dims": (0, 4, 3)}, r"header claims 0 images; expected 1 to 10,000,000"),
    ],
)
def test_broken_images_file_is_named_with_the_problem(tmp_path, idx_file, mnist_like, name, broken, message):
    images, _ = mnist_like(tmp_path, n=30)
    (tmp_path / IMAGES).unlink()
    idx_file(tmp_path, name, images, **broken)
    with pytest.raises(DataError, match=rf"{name}: {message}"):
        idx(tmp_path)


def test_truncated_header(tmp_path, mnist_like):
    mnist_like(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08")
    with pytest.raises(
        DataError, match=r"train-labels-idx1-ubyte: truncated: an IDX labels header needs 8 bytes, file has 3"
    ):
        idx(tmp_path)


def test_label_count_must_match_image_count(tmp_path, idx_file, mnist_like):
    mnist_like(tmp_path, n=30)
    idx_file(tmp_path, "train-labels-idx1-ubyte", np.zeros(29))
    with pytest.raises(
        DataError, match=r"train-labels-idx1-ubyte: has 29 labels, but train-images-idx3-ubyte has 30 images"
    ):
        idx(tmp_path)


def test_broken_gzip(tmp_path, mnist_like):
    mnist_like(tmp_path, gz=True)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: cannot read: "):
        idx(tmp_path)


def test_missing_files(tmp_path, mnist_like):
    with pytest.raises(
        DataError, match=r"no train-images-idx3-ubyte and train-labels-idx1-ubyte \(raw or \.gz\) found"
    ):
        idx(tmp_path)
    mnist_like(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(
        DataError, match=r"no train-labels-idx1-ubyte \(or \.gz, or dotted name\) next to the train images"
    ):
        idx(tmp_path)


def test_half_a_test_set_is_an_error(tmp_path, idx_file, mnist_like):
    mnist_like(tmp_path)
    idx_file(tmp_path, "t10k-images-idx3-ubyte", np.zeros((5, 4, 3)))
    with pytest.raises(DataError, match=r"no t10k-labels-idx1-ubyte"):
        idx(tmp_path)


def test_path_must_be_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match=r"data\.path must be a folder holding IDX files"):
        idx(tmp_path / "file")
