"""Shared test material: a small XOR preset as TOML text; an MNIST-format folder of IDX files."""

import gzip
import struct

import numpy as np
import pytest

from tuinn.data.digits import raw_digits

XOR_TOML = """
name = "t-xor"
description = "XOR for tests."
seed = 1
[data]
kind = "truth_table"
name = "xor"
[model]
loss = "binary_cross_entropy"
[[model.layers]]
type = "dense"
units = 4
activation = "tanh"
[[model.layers]]
type = "dense"
units = 1
activation = "sigmoid"
[train]
epochs = 500
batch_size = 0
lr = 0.5
optimizer = "sgd"
momentum = 0.9
[target]
metric = "train_accuracy"
value = 1.0
"""


@pytest.fixture
def xor_toml() -> str:
    """A valid 2-4-1 XOR preset, as the text of a TOML file."""
    return XOR_TOML


def write_idx(path, array: np.ndarray) -> None:
    """An IDX file (ubyte) holding `array`, gzip'd when the name ends in .gz."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


@pytest.fixture(scope="session")
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


def opens_in_app(preset: str) -> bool:
    """Whether the app can train the built-in preset here: its data is built in, or an IDX folder
    the tests write (million-pixels is for --summary only: no data could be given to it)."""
    from tuinn.config import load_preset

    config = load_preset(preset)
    return not config.needs_data or config.data.get("kind") == "idx"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`app_preset`: every built-in preset the app can open; `summary_preset`: the others."""
    from tuinn.config import preset_names

    if "app_preset" in metafunc.fixturenames:
        metafunc.parametrize("app_preset", [p for p in preset_names() if opens_in_app(p)])
    if "summary_preset" in metafunc.fixturenames:
        metafunc.parametrize("summary_preset", [p for p in preset_names() if not opens_in_app(p)])
