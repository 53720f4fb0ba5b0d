"""The MLP step's kernels give the same bits as the implementations they replaced.

Dense layers: the reference is `ActivatedLayer`'s own forward and backward (a fresh activation array, the
derivative as a new array multiplied in place), which every Dense layer ran before its relu
path: loss, gradients and parameters after several SGD steps must equal theirs exactly,
signed zeros and NaNs included, for float32 and float64, at batch sizes over and under the
size from which arrays are reused, with inputs that put pre-activations exactly at zero.
Softmax cross-entropy: the reference is the function as it was (copied unchanged but for its
name), its row maxima taken along the rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn import Network, make_optimizer
from tuinn.nn.layers import ActivatedLayer, Dense
from tuinn.nn.losses import COLUMN_MAX_ROWS, COLUMN_MAX_WIDTH, get_loss

SPEC = {
    "layers": [
        {"type": "dense", "units": 64, "activation": "relu"},
        {"type": "dense", "units": 48, "activation": "relu"},
        {"type": "dense", "units": 5, "activation": "softmax"},
    ],
    "loss": "softmax_cross_entropy",
}


def batch(n: int, dtype: type, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and one-hot targets; "zeros" has whole samples and features at exactly zero."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, 20)).astype(dtype)
    if kind == "zeros":
        x[::3] = 0.0
        x[:, ::4] = -0.0
    elif kind == "nan":
        x[1, 2] = np.nan
    return x, np.eye(5, dtype=dtype)[rng.integers(0, 5, n)]


def steps(net: Network, x: np.ndarray, y: np.ndarray, count: int = 3) -> list[bytes]:
    """The bits of each step's loss, gradients and parameters after it, over `count` SGD steps."""
    opt = make_optimizer("sgd", 0.1)
    out = []
    for _ in range(count):
        loss, _ = net.loss_and_grads(x, y)
        out.append(np.array(loss).tobytes() + net.flat_grads.tobytes())
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
        out.append(net.flat_params.tobytes())
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [128, 7])
@pytest.mark.parametrize("kind", ["random", "zeros", "nan"])
def test_a_relu_dense_step_gives_the_same_bits_as_the_generic_path(monkeypatch, kind: str, n: int, dtype: type) -> None:
    x, y = batch(n, dtype, kind)
    new = steps(Network.from_spec(SPEC, (20,), seed=1, dtype=dtype), x, y)
    monkeypatch.setattr(Dense, "forward", ActivatedLayer.forward)
    monkeypatch.setattr(Dense, "backward", ActivatedLayer.backward)
    assert steps(Network.from_spec(SPEC, (20,), seed=1, dtype=dtype), x, y) == new


def test_the_cases_reach_the_relu_path_and_its_edges() -> None:
    """Not vacuous: the relu layers train in place, zeros and NaNs reach their pre-activations."""
    x, y = batch(128, np.float32, "zeros")
    net = Network.from_spec(SPEC, (20,), seed=1, dtype=np.float32)
    net.loss_and_grads(x, y)
    first = net.layers[0]
    assert first.output is first.preactivation and first.output.size >= 4096
    assert (first.output == 0).any() and (first.output > 0).any()
    x, y = batch(128, np.float32, "nan")
    net.loss_and_grads(x, y)
    assert np.isnan(first.output).any()


def test_a_relu_layer_in_inference_keeps_its_preactivation_apart() -> None:
    net = Network.from_spec(SPEC, (20,), seed=1, dtype=np.float32)
    x, _ = batch(128, np.float32, "random")
    net.forward(x)
    first = net.layers[0]
    assert first.output is not first.preactivation
    assert (first.preactivation < 0).any() and not (first.output < 0).any()


def reference_softmax_ce_both(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy's value and gradient as they were computed before."""
    shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=-1, keepdims=True)
    shifted -= np.log(total)  # now log-softmax
    loss = float(-np.vdot(y, shifted)) / z.shape[0]
    e /= total
    e -= y
    e *= 1.0 / z.shape[0]
    return loss, e


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(128, 10), (4, 10), (16, 2), (64, COLUMN_MAX_WIDTH), (32, COLUMN_MAX_WIDTH + 1)])
@pytest.mark.parametrize("kind", ["random", "ties", "nan"])
def test_softmax_cross_entropy_gives_the_same_bits_as_before(kind: str, shape: tuple[int, int], dtype: type) -> None:
    rng = np.random.default_rng(5)
    z = rng.standard_normal(shape).astype(dtype) * 30
    if kind == "ties":  # rows whose maximum is a tie, of signed zeros too, and infinities
        z[::2] = np.round(z[::2] / 30)
        z[1::4] = -np.abs(z[1::4])
        z[1::4, ::3] = 0.0
        z[1::4, 1::3] = -0.0
        z[3, 0] = -np.inf
    elif kind == "nan":
        z[2, 1] = np.nan
    y = np.eye(shape[1], dtype=dtype)[rng.integers(0, shape[1], shape[0])]
    loss, grad = get_loss("softmax_cross_entropy").value_and_grad(z.copy(), y)
    expected_loss, expected_grad = reference_softmax_ce_both(z.copy(), y)
    assert np.array(loss).tobytes() == np.array(expected_loss).tobytes()
    assert grad.tobytes() == expected_grad.tobytes() and grad.flags.c_contiguous


def test_the_loss_cases_take_both_ways_to_the_row_maxima(monkeypatch) -> None:
    """Not vacuous: some shapes above are reduced in column order, some along the rows."""
    copied: list[tuple[int, ...]] = []
    to_columns = np.asfortranarray

    def counted(a: np.ndarray) -> np.ndarray:
        copied.append(a.shape)
        return to_columns(a)

    monkeypatch.setattr(np, "asfortranarray", counted)
    loss = get_loss("softmax_cross_entropy")
    for shape in [(128, 10), (4, 10), (32, COLUMN_MAX_WIDTH + 1), (COLUMN_MAX_ROWS, 2)]:
        loss.value_and_grad(np.zeros(shape), np.eye(shape[1])[np.zeros(shape[0], int)])
    assert copied == [(128, 10), (COLUMN_MAX_ROWS, 2)]
