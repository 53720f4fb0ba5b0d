"""--load checks a network file as strictly as a preset: exit 2 naming the field, never a traceback mid-training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.cli.test_bad_input import assert_bad_input
from tuinn.config import load_preset
from tuinn.nn import Network, SpecError
from tuinn.train.trainer import Trainer


def broken_copy(tmp_path, change) -> str:
    """xor's trained network saved, then its description or arrays changed by `change(meta, arrays)`."""
    Trainer(load_preset("xor")).network.save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz", allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    change(meta, arrays)
    np.savez(tmp_path / "bad.npz", __meta__=np.array(json.dumps(meta)), **arrays)
    return "bad.npz"


def set_in(path: list, value):
    def change(meta, arrays):
        target = meta
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def set_array(name: str, make):
    def change(meta, arrays):
        arrays[name] = make(arrays[name])

    return change


@pytest.mark.parametrize(
    "change, fragments",
    [
        (set_in(["spec", "layers", 0, "activation"], ["tanh"]), ["not a tuinn network file", "activation"]),
        (set_in(["spec"], "dense"), ["not a tuinn network file", "spec.layers must be a list"]),
        (set_in(["spec", "layers"], "dense,dense"), ["not a tuinn network file", "spec.layers must be a list"]),
        (set_in(["spec", "layers", 0, "activation"], "softmax"), ["not a tuinn network file", "softmax"]),
        (set_in(["spec", "layers", 1, "activation"], "tanh"), ["not a tuinn network file", "needs activation sigmoid"]),
        (set_in(["input_shape"], [-2]), ["not a tuinn network file", "input_shape"]),
        (set_in(["dtype"], "int32"), ["not a tuinn network file", "dtype"]),
        (set_array("dense_1.W", lambda w: np.full_like(w, np.nan)), ["'dense_1.W' holds NaN or infinite values"]),
        (set_array("dense_2.b", lambda b: b + 1j), ["'dense_2.b' holds complex128 values"]),
    ],
    ids=[
        "activation-list",
        "spec-string",
        "layers-string",
        "hidden-softmax",
        "output-for-loss",
        "input-shape",
        "dtype",
        "nan-weights",
        "complex-weights",
    ],
)
def test_a_broken_network_file_exits_2_naming_the_field(tuinn, tmp_path, change, fragments):
    bad = broken_copy(tmp_path, change)
    assert_bad_input(tuinn("--preset", "xor", "--headless", "--load", bad), "bad.npz", *fragments)
    with pytest.raises(ValueError, match=fragments[-1].replace("(", r"\(")):  # and for the library
        Network.load(tmp_path / bad)


@pytest.mark.parametrize("dtype", ["int32", "complex128", "float16", "no-such-type"])
def test_the_library_refuses_a_dtype_it_cannot_compute_in(dtype):
    spec = {"layers": [{"type": "dense", "units": 1}], "loss": "mse"}
    with pytest.raises(SpecError, match="dtype must be one of float32, float64"):
        Network.from_spec(spec, (2,), dtype=dtype)


def test_the_library_refuses_an_infinite_penalty():
    spec = {"layers": [{"type": "dense", "units": 1}], "loss": "mse", "l2": float("inf")}
    with pytest.raises(SpecError, match="model key 'l2' must be a number >= 0, got inf"):
        Network.from_spec(spec, (2,))
