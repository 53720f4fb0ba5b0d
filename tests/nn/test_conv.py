"""Conv2D: against a plain reference, finite differences, memory, training."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad, check_layer

from tuinn.nn import Network, SpecError, activations, im2col, make_optimizer
from tuinn.nn.activations import get_activation
from tuinn.nn.layers import Conv2D

F64 = np.dtype(np.float64)

#: (input H×W×C, filters, kernel, stride, padding): square and oblong, odd and even sizes
CASES = [
    ((5, 5, 1), 2, 3, 1, "valid"),
    ((6, 5, 3), 2, 3, 1, "same"),
    ((5, 6, 3), 3, [2, 3], 1, 1),
    ((7, 7, 1), 2, 3, 2, "same"),
    ((6, 7, 3), 2, 2, 2, "valid"),
    ((5, 5, 3), 2, 3, [2, 1], 2),
]


def built(layer: Conv2D, input_shape, seed: int = 0, dtype=F64) -> Conv2D:
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def conv_layer(case, activation: str = "linear") -> Conv2D:
    """A built float64 Conv2D for a CASES entry, with a nonzero bias."""
    shape, filters, kernel, stride, padding = case
    layer = built(Conv2D(filters, kernel, stride, padding, activation=activation), shape)
    layer.parameters["b"][...] = np.linspace(-0.5, 0.5, filters)
    return layer


def batch(shape, n: int = 2, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, *shape))


def reference_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride, pads) -> np.ndarray:
    """The convolution written out plainly: one output pixel at a time."""
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw, _, filters = w.shape
    ho = (xp.shape[1] - kh) // stride[0] + 1
    wo = (xp.shape[2] - kw) // stride[1] + 1
    out = np.zeros((x.shape[0], ho, wo, filters))
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                patch = xp[n, i * stride[0] : i * stride[0] + kh, j * stride[1] : j * stride[1] + kw, :]
                for f in range(filters):
                    out[n, i, j, f] = np.sum(patch * w[..., f]) + b[f]
    return out


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_the_plain_reference(case) -> None:
    layer = conv_layer(case)
    x = batch(case[0], n=3)
    expected = reference_conv(x, layer.parameters["W"], layer.parameters["b"], layer.stride, layer.im2col.geom.pads)
    assert layer.forward(x).shape == expected.shape == (3, *layer.output_shape)
    assert np.allclose(layer.forward(x), expected, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_finite_differences(case) -> None:
    layer = conv_layer(case)
    check_layer(layer, batch(case[0]))


def test_gradients_through_an_activation() -> None:
    check_layer(conv_layer(CASES[1], activation="tanh"), batch(CASES[1][0]))


def test_inference_works_in_chunks_and_keeps_nothing(monkeypatch) -> None:
    layer = conv_layer(CASES[3])
    x = batch(CASES[3][0], n=7)
    expected = layer.forward(x, training=True)
    per_sample = layer.im2col.column_bytes // 7
    monkeypatch.setattr(im2col, "INFERENCE_COLUMN_BYTES", 3 * per_sample)  # chunks of 3, 3, 1
    assert np.allclose(layer.forward(x, training=False), expected, atol=1e-12)
    assert layer.im2col.column_bytes == 0
    with pytest.raises(RuntimeError, match="backward needs a training forward"):
        layer.backward(np.ones(expected.shape))


def test_one_training_forward_serves_one_backward() -> None:
    # the column gradient overwrites the column matrix: a second backward must not reuse it
    layer = conv_layer(CASES[2], activation="relu")
    z = layer.forward(batch(CASES[2][0]), True)
    layer.backward(np.ones(z.shape))
    with pytest.raises(RuntimeError, match="backward needs a training forward"):
        layer.backward(np.ones(z.shape))


def test_first_layer_backward_keeps_its_columns() -> None:
    # without dx nothing is overwritten, so the weight gradient can be taken again
    layer = conv_layer(CASES[2])
    layer.skip_input_grad = True
    z = layer.forward(batch(CASES[2][0]), True)
    assert layer.backward(np.ones(z.shape)) is None
    dw = layer.gradients["W"].copy()
    layer.backward(np.ones(z.shape))
    assert np.array_equal(layer.gradients["W"], dw)


def test_column_memory_of_the_benchmark_net() -> None:
    # the figures the im2col module docstring gives for the 28×28 benchmark net, batch 64
    first = built(Conv2D(8, 3, padding=1), (28, 28, 1), dtype=np.float32)
    second = built(Conv2D(16, 3, padding=1), (14, 14, 8), dtype=np.float32)
    first.forward(np.zeros((64, 28, 28, 1), np.float32), True)
    second.forward(np.zeros((64, 14, 14, 8), np.float32), True)
    assert first.im2col.column_bytes == 10 * 28 * 28 * 64 * 4  # 2.0 MB
    assert second.im2col.column_bytes == 73 * 14 * 14 * 64 * 4  # 3.7 MB


def test_batch_sizes_can_change_between_calls() -> None:
    layer = conv_layer(CASES[1])
    for n in (3, 1, 2, 5, 3, 1):  # more sizes than the kernel keeps buffers for
        x = batch(CASES[1][0], n=n, seed=n)
        expected = reference_conv(x, layer.parameters["W"], layer.parameters["b"], layer.stride, layer.im2col.geom.pads)
        assert np.allclose(layer.forward(x), expected, atol=1e-12)


def test_repeated_training_steps_reuse_buffers_and_stay_right() -> None:
    layer = conv_layer(CASES[2], activation="relu")
    for n in (3, 3, 2, 3):  # a buffer set reused, another made, the first again
        x = batch(CASES[2][0], n=n, seed=n)
        fresh = conv_layer(CASES[2], activation="relu")
        z = layer.forward(x, True)
        assert np.array_equal(z, fresh.forward(x, True))
        dy = np.random.default_rng(n).standard_normal(z.shape)
        assert np.array_equal(layer.backward(dy), fresh.backward(dy))
        assert np.array_equal(layer.gradients["W"], fresh.gradients["W"])
        assert np.array_equal(layer.gradients["b"], fresh.gradients["b"])


def test_relu_keeps_its_cached_zeros_read_only() -> None:
    relu = get_activation("relu")
    x = batch((4, 4, 2), n=3)
    for view in (x, x.transpose(0, 2, 1, 3), -x):
        assert np.array_equal(relu.fn(view), np.where(view > 0, view, 0.0))
    with pytest.raises(ValueError):
        np.maximum(x, 0.0, out=activations.zeros_like(x))
    assert not activations.zeros_like(x).any()


def test_strided_input_views_give_the_same_result() -> None:
    layer = conv_layer(CASES[2])
    x = batch(CASES[2][0], n=3)
    channel_major = np.ascontiguousarray(x.transpose(3, 1, 2, 0)).transpose(3, 1, 2, 0)
    assert np.allclose(layer.forward(channel_major), layer.forward(x), atol=1e-12)


def test_the_first_layer_skips_the_input_gradient() -> None:
    layer = conv_layer(CASES[0])
    layer.skip_input_grad = True
    z = layer.forward(batch(CASES[0][0]), True)
    assert layer.backward(np.ones(z.shape)) is None
    assert layer.gradients["W"].any() and layer.gradients["b"].any()


def cnn_spec(activation: str = "tanh") -> dict:
    return {
        "layers": [
            {"type": "conv2d", "filters": 3, "kernel_size": 3, "padding": "same", "activation": activation},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "conv2d", "filters": 2, "kernel_size": 2, "activation": activation},
            {"type": "avgpool2d", "pool_size": 2, "stride": 1},
            {"type": "flatten"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
        "loss": "softmax_cross_entropy",
    }


def test_network_gradients_through_packed_parameters() -> None:
    # parameters live in one flat buffer: layers must read them at call time and
    # write gradients in place, or this check fails
    net = Network.from_spec(cnn_spec(), input_shape=(6, 6, 2), seed=1)
    x = batch((6, 6, 2), n=3)
    y = np.eye(3)[[0, 2, 1]]
    _, grads = net.loss_and_grads(x, y)
    analytic = net.flat_grads.copy()
    assert grads["conv2d_1.W"].shape == (3, 3, 2, 3)
    check_grad(lambda _: net.loss_and_grads(x, y)[0], net.flat_params, analytic)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": 0}, "filters must be a positive integer, got 0"),
        ({"kernel_size": [3]}, "kernel_size must be a positive integer or a list of two, got [3]"),
        ({"stride": 0}, "stride must be a positive integer or a list of two, got 0"),
        ({"padding": "full"}, "padding must be 'valid', 'same' or a non-negative integer, got 'full'"),
        ({"padding": -1}, "padding must be 'valid', 'same' or a non-negative integer, got -1"),
    ],
)
def test_constructor_errors_are_plain(kwargs, message) -> None:
    kwargs = {"filters": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError) as err:
        Conv2D(**kwargs)
    assert str(err.value) == message
    spec = {"layers": [{"type": "dense", "units": 2}, {"type": "conv2d", **kwargs}], "loss": "mse"}
    with pytest.raises(SpecError, match=r"^layer 2 \(conv2d\): "):
        Network.from_spec(spec, input_shape=(4,))


def test_summary_figures() -> None:
    layer = built(Conv2D(3, 2, stride=2), (4, 4, 1))
    assert layer.describe() == "Conv2D(3, 2×2, s2)"
    assert layer.parameter_count == 3 * 4 + 3
    assert layer.neurons == 12
    assert layer.mult_adds() == 12 * 4
    assert layer.dense_equivalent() == 16 * 12 + 12
    assert built(Conv2D(8, [3, 2], padding="same"), (5, 5, 2)).describe() == "Conv2D(8, 3×2)"
    assert built(Conv2D(8, 3, stride=[2, 1]), (9, 9, 1)).describe() == "Conv2D(8, 3×3, s2×1)"


def bar_images(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """8×8 images holding one horizontal (class 0) or vertical (class 1) bar, plus noise."""
    x = rng.normal(0.0, 0.1, (n, 8, 8, 1))
    labels = rng.integers(0, 2, n)
    where = rng.integers(0, 8, n)
    x[labels == 0, where[labels == 0], :, 0] += 1.0
    x[labels == 1, :, where[labels == 1], 0] += 1.0
    return x, np.eye(2)[labels]


def test_a_small_cnn_learns_bars() -> None:
    spec = {
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1, "activation": "relu"},
            {"type": "maxpool2d"},
            {"type": "flatten"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
        "loss": "softmax_cross_entropy",
    }
    net = Network.from_spec(spec, input_shape=(8, 8, 1), seed=0)
    opt = make_optimizer("sgd", 0.1)
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, y = bar_images(32, rng)
        net.loss_and_grads(x, y)
        opt.step({"all": net.flat_params}, {"all": net.flat_grads})
    x, y = bar_images(400, rng)
    accuracy = np.mean(net.predict(x).argmax(1) == y.argmax(1))
    assert accuracy > 0.97
