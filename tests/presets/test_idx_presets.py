"""mnist-cnn and fashion-cnn on MNIST-format IDX files written by the test (from the bundled digits)."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from tuinn.data.digits import raw_digits


def write_idx(path, array: np.ndarray) -> None:
    """An IDX file (ubyte) holding `array`, gzip'd when the name ends in .gz."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


@pytest.fixture(scope="module")
def mnist_folder(tmp_path_factory):
    """28×28 images: the 8×8 digits scaled ×3 and padded by 2, as MNIST-format train and t10k files."""
    table = raw_digits()
    images = np.kron(table[:, :64].reshape(-1, 8, 8), np.ones((3, 3), dtype=np.uint8)) * 15
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    labels = table[:, 64]
    folder = tmp_path_factory.mktemp("mnist")
    write_idx(folder / "train-images-idx3-ubyte.gz", images[:1500])
    write_idx(folder / "train-labels-idx1-ubyte.gz", labels[:1500])
    write_idx(folder / "t10k-images-idx3-ubyte", images[1500:])
    write_idx(folder / "t10k-labels-idx1-ubyte", labels[1500:])
    return folder


def tuinn(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuinn", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("preset", ["mnist-cnn", "fashion-cnn"])
def test_idx_folder_trains_the_cnn(mnist_folder, tmp_path, preset):
    r = tuinn("--preset", preset, "--headless", "--json", "--data", str(mnist_folder), "--epochs", "2", cwd=tmp_path)
    assert "Traceback" not in r.stderr
    end = json.loads(r.stdout.splitlines()[-1])
    assert end["type"] == "end" and end["epoch"] == 2
    assert end["val_metric"] > 0.75, end  # chance is 0.1


def test_summary_with_data_shows_28x28(mnist_folder, tmp_path):
    r = tuinn("--preset", "mnist-cnn", "--summary", "--data", str(mnist_folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "28×28×8" in r.stdout and "6,272" in r.stdout and "4,923,520" in r.stdout


def test_corrupt_idx_folder_exits_2(mnist_folder, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in mnist_folder.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    raw = (broken / "t10k-images-idx3-ubyte").read_bytes()
    (broken / "t10k-images-idx3-ubyte").write_bytes(raw[: len(raw) // 2])  # truncated
    r = tuinn("--preset", "mnist-cnn", "--headless", "--data", str(broken), cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "t10k-images-idx3-ubyte" in r.stderr and "truncated" in r.stderr
