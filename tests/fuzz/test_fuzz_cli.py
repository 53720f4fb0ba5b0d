"""Broken presets, flags, data files and network files through the real command: exit 0/1/2, never a traceback.

Each example runs `tuinn` in-process (click's runner); a few run as real processes.
A run whose input happens to be valid trains one epoch (exit 0 or 1); anything else
must be refused with exit 2 and one line naming the problem, leaving no file behind.
"""

from __future__ import annotations

import copy
import datetime
import io
import json
import struct

import numpy as np
import pytest
from fuzz_support import judge, run_cli, run_process, toml_document
from hypothesis import given, settings
from hypothesis import strategies as st

BASE = {
    "name": "fuzz",
    "description": "A preset being broken.",
    "seed": 0,
    "data": {"kind": "playground", "name": "circle", "samples": 60, "noise": 0, "val_ratio": 0.25},
    "model": {
        "loss": "binary_cross_entropy",
        "l2": 0.0,
        "layers": [
            {"type": "dense", "units": 4, "activation": "tanh"},
            {"type": "dense", "units": 1, "activation": "sigmoid"},
        ],
    },
    "train": {
        "epochs": 2,
        "batch_size": 0,
        "lr": 0.5,
        "optimizer": "sgd",
        "momentum": 0.9,
        "dtype": "float64",
        "schedule": {"kind": "cosine", "min_lr": 0.01, "warmup_epochs": 1},
    },
    "target": {"metric": "val_accuracy", "value": 0.9, "patience": 2},
}
#: every key of BASE as a path, the layers' keys included, plus keys a user might add
PATHS = [
    ("name",),
    ("description",),
    ("seed",),
    ("needs_data",),
    ("input_shape",),
    ("bogus",),
    *[("data", k) for k in ("kind", "name", "samples", "noise", "val_ratio", "classes", "path", "bogus")],
    *[("model", k) for k in ("loss", "l1", "l2", "layers", "bogus")],
    *[
        ("model", "layers", i, k)
        for i in (0, 1)
        for k in (
            "type",
            "units",
            "activation",
            "init",
            "use_bias",
            "filters",
            "kernel_size",
            "padding",
            "rate",
            "pieces",
            "name",
            "bogus",
        )
    ],
    *[
        ("train", k)
        for k in (
            "epochs",
            "batch_size",
            "lr",
            "optimizer",
            "momentum",
            "nesterov",
            "beta1",
            "rho",
            "eps",
            "dtype",
            "shuffle",
            "bogus",
        )
    ],
    *[
        ("train", "schedule", k)
        for k in (
            "kind",
            "step_epochs",
            "gamma",
            "min_lr",
            "period_epochs",
            "warmup_epochs",
            "warmup_steps",
            "warmup_start",
            "bogus",
        )
    ],
    ("train", "schedule"),
    *[("target", k) for k in ("metric", "value", "explain_miss", "patience", "min_delta", "bogus")],
]
NAMES = [
    "",
    " ",
    "xor",
    "circle",
    "dense",
    "conv2d",
    "tanh",
    "softmax",
    "relu",
    "mse",
    "hinge",
    "adam",
    "float32",
    "int32",
    "same",
    "valid",
    "he",
    "val_loss",
    "npz",
    "csv",
    "idx",
    "digits",
    "bars",
    "truth_table",
]
SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2, 3, 10**6, 10**9, 10**12, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, 0.5, 1000.0, 1e39]),
    st.booleans(),
    st.sampled_from(NAMES),
    st.text(max_size=20),
    st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
    st.dates(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "type", "units"]), inner, max_size=3)
    ),
    max_leaves=8,
)


def changed(document: dict, changes: list[tuple[tuple, object]]) -> dict:
    """A copy of `document` with each (path, value) set; a path an earlier change removed is skipped."""
    document = copy.deepcopy(document)
    for path, value in changes:
        target = document
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass  # the place is gone: the document is broken anyway
    return document


def broken_preset(changes: list[tuple[tuple, object]]) -> dict:
    return changed(BASE, changes)


@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_broken_presets(tmp_path_factory, changes):
    folder = tmp_path_factory.mktemp("preset")
    (folder / "mine.toml").write_text(toml_document(broken_preset(changes)))
    judge(run_cli(["--config", "mine.toml", "--headless", "--epochs", "1"], folder), folder, {"mine.toml"})


FLAGS = [
    "--epochs",
    "--lr",
    "--batch-size",
    "--seed",
    "--optimizer",
    "--activation",
    "--threads",
    "--set",
    "--preset",
    "--config",
    "--data",
    "--load",
    "--save",
]
FLAG_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e3",
            "nan",
            "inf",
            "1e400",
            "99999999999999999999",
            "x",
            "model.layers[0].units=0",
            "train.lr=-1",
            "train.schedule.kind=step",
            "train.schedule.gamma=2",
            "target.patience=-1",
            "data.noise=99",
            "a=b",
            "=",
            "model.layers[9].units=2",
            ".",
            "..",
            "/",
            "net.npz",
            "afile/x.npz",
        ]
    ),
    st.text(max_size=12),
    st.integers().map(str),
    st.floats().map(str),
)


@given(flags=st.lists(st.tuples(st.sampled_from(FLAGS), FLAG_VALUES), min_size=1, max_size=3))
def test_broken_flags(tmp_path_factory, flags):
    folder = tmp_path_factory.mktemp("flags")
    (folder / "afile").write_text("")
    args = [part for flag, value in flags for part in (flag, value)]
    if "--preset" not in args and "--config" not in args:
        args += ["--preset", "xor"]
    # training budgets stay small: an epochs value is judged with --summary, which checks flags first
    mode = ["--summary"] if "--epochs" in args else ["--headless", "--epochs", "1"]
    saved = {value for flag, value in flags if flag == "--save"}  # a run asked to save may leave its file
    judge(run_cli(args + mode, folder), folder, {"afile", *saved})


CSV_CELLS = st.one_of(
    st.sampled_from(
        ["", " ", "1", "0", "-1", "1e39", "-1e39", "nan", "inf", "1e308", "a", '"', "1,2", "0.5", "\ufeff", "label"]
    ),
    st.text(max_size=6),
)


@given(
    header=st.lists(st.sampled_from(["x", "y", "label", "", "x"]), min_size=0, max_size=4),
    rows=st.lists(st.lists(CSV_CELLS, min_size=0, max_size=4), max_size=30),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_broken_csv_files(tmp_path_factory, header, rows, dtype):
    folder = tmp_path_factory.mktemp("csv")
    text = "\n".join(",".join(row) for row in [header, *rows])
    (folder / "data.csv").write_text(text, encoding="utf-8", errors="surrogatepass")
    args = ["--preset", "circle", "--data", "data.csv", "--headless", "--epochs", "1", "--set", f"train.dtype={dtype}"]
    judge(run_cli(args, folder), folder, {"data.csv"})


ARRAYS = st.sampled_from(
    [
        np.zeros((0, 2)),
        np.zeros((20, 0)),
        np.zeros((20, 2)),
        np.ones((20, 2)) * 1e39,
        np.full((20, 2), np.nan),
        np.arange(40).reshape(20, 2) + 0j,
        np.zeros((20, 2), dtype=bool),
        np.array(["a"] * 20),
        np.zeros(20),
        np.zeros((20, 2, 2)),
        np.zeros((20, 3, 3, 1)),
        np.zeros(()),
        np.arange(20) % 2,
        np.zeros(20, dtype=int),
        np.array([0, 1] * 10, dtype=np.uint8),
        np.array(["cat", "dog", ""] * 6 + ["cat", "dog"]),
        np.zeros((19, 2)),
    ]
)


@given(x=ARRAYS, y=ARRAYS, names=st.sampled_from([("x", "y"), ("x",), ("y",), ("a", "b"), ("x", "y", "z")]))
def test_broken_npz_files(tmp_path_factory, x, y, names):
    folder = tmp_path_factory.mktemp("npz")
    np.savez(folder / "data.npz", **dict(zip(names, (x, y, x))))
    args = ["--preset", "circle", "--data", "data.npz", "--headless", "--epochs", "1"]
    judge(run_cli(args, folder), folder, {"data.npz"})


@given(
    magic=st.sampled_from([2051, 2049, 0x0D03, 0, 2**32 - 1]),
    dims=st.lists(st.integers(0, 70), max_size=4),
    payload=st.binary(max_size=3000),
    label_count=st.integers(0, 40),
    label_value=st.integers(0, 255),
)
def test_broken_idx_folders(tmp_path_factory, magic, dims, payload, label_count, label_value):
    folder = tmp_path_factory.mktemp("idx")
    data = folder / "mnist"
    data.mkdir()
    (data / "train-images-idx3-ubyte").write_bytes(struct.pack(f">I{len(dims)}I", magic, *dims) + payload)
    labels = bytes([label_value, (label_value + 1) % 256] * label_count)[:label_count]
    (data / "train-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, label_count) + labels)
    args = ["--preset", "mnist-cnn", "--data", "mnist", "--headless", "--epochs", "1"]
    judge(run_cli(args, folder), folder, {"mnist"})


def image_bytes(side: int, mode: str, fmt: str) -> bytes:
    """A real image file's bytes: `side`×`side` noise in Pillow `mode`, saved as `fmt`."""
    from PIL import Image

    rng = np.random.default_rng(side)
    shape = (side, side, 3) if mode == "RGB" else (side, side)
    pixels = rng.integers(0, 65536 if mode == "I;16" else 256, shape).astype(np.uint16 if mode == "I;16" else np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


IMAGE_FILES = st.tuples(
    st.sampled_from(["png", "jpg", "gif", "png", "jpg", "txt", ""]),
    st.integers(1, 40),  # side
    st.sampled_from(["L", "L", "RGB", "I;16"]),
    st.one_of(st.none(), st.none(), st.integers(0, 400)),  # cut the file to this many bytes
    st.one_of(st.just(b""), st.just(b""), st.binary(max_size=8)),  # bytes written over the start
)


@given(
    classes=st.lists(st.lists(IMAGE_FILES, min_size=1, max_size=4), min_size=1, max_size=3),
    image_size=st.sampled_from([None, None, [0, 3], [6, 6]]),
)
def test_broken_image_folders(tmp_path_factory, classes, image_size):
    pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    folder = tmp_path_factory.mktemp("images")
    data = folder / "data"
    data.mkdir()
    for c, files in enumerate(classes):
        (data / f"class{c}").mkdir()
        for i in range(3):  # good images beside the fuzzed ones, so that some folders train
            (data / f"class{c}" / f"good{i}.png").write_bytes(image_bytes(8 + i, "L", "PNG"))
        for i, (ext, side, mode, cut, head) in enumerate(files):
            fmt = {"png": "PNG", "jpg": "JPEG", "gif": "GIF"}.get(ext, "PNG")
            mode = "L" if fmt != "PNG" and mode == "I;16" else mode
            raw = image_bytes(side, mode, fmt) if ext != "txt" else b"not an image"
            raw = head + raw[len(head) :]
            (data / f"class{c}" / f"{i}.{ext}").write_bytes(raw if cut is None else raw[:cut])
    args = ["--preset", "digits-cnn", "--data", "data", "--headless", "--epochs", "1"]
    if image_size is not None:
        args += ["--set", f"data.image_size={image_size}"]
    judge(run_cli(args, folder), folder, {"data"})


@pytest.fixture(scope="module")
def saved_xor(tmp_path_factory):
    """A network file saved by a real run: its description and arrays, to break."""
    folder = tmp_path_factory.mktemp("saved")
    assert run_cli(["--preset", "xor", "--headless", "--epochs", "1", "--save", "net.npz"], folder).code in (0, 1)
    with np.load(folder / "net.npz", allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    return json.loads(str(arrays.pop("__meta__"))), arrays


META_PATHS = [
    ("format",),
    ("spec",),
    ("input_shape",),
    ("dtype",),
    ("seed",),
    ("spec", "layers"),
    ("spec", "loss"),
    *[("spec", "layers", i, k) for i in (0, 1) for k in ("type", "units", "activation", "bogus")],
]


@given(
    changes=st.lists(st.tuples(st.sampled_from(META_PATHS), VALUES), max_size=3),
    weights=st.sampled_from([None, np.nan, np.inf, 1j, "text", (3, 3)]),
    raw=st.binary(max_size=64),
)
def test_broken_network_files(tmp_path_factory, saved_xor, changes, weights, raw):
    folder = tmp_path_factory.mktemp("load")
    meta, arrays = changed(saved_xor[0], changes), dict(saved_xor[1])
    if isinstance(weights, tuple):
        arrays["dense_1.W"] = np.zeros(weights)
    elif weights is not None:
        arrays["dense_1.W"] = np.full(arrays["dense_1.W"].shape, weights)
    if raw:
        (folder / "net.npz").write_bytes(raw)
    else:
        np.savez(folder / "net.npz", __meta__=np.array(json.dumps(meta, default=str)), **arrays)
    args = ["--preset", "xor", "--load", "net.npz", "--headless", "--epochs", "1"]
    judge(run_cli(args, folder), folder, {"net.npz"}, must_refuse=bool(raw) or weights is not None)


@settings(max_examples=4)
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=2))
def test_broken_presets_in_a_real_process(tmp_path_factory, changes):
    folder = tmp_path_factory.mktemp("process")
    (folder / "mine.toml").write_text(toml_document(broken_preset(changes)))
    judge(run_process(["--config", "mine.toml", "--headless", "--epochs", "1"], folder), folder, {"mine.toml"})
