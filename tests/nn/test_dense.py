"""The dense-side layers: Dense, Maxout, Dropout and Flatten."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad, check_layer, projection

from tuinn.nn.layers import Dense, Dropout, Flatten, Layer, Maxout, ShapeError

F64 = np.dtype(np.float64)


def built(layer: Layer, input_shape: tuple[int, ...], seed: int = 0, dtype: np.dtype = F64) -> Layer:
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def batch(shape: tuple[int, ...], seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu", "elu"])
def test_dense_gradients_w_b_and_dx(activation: str) -> None:
    layer = built(Dense(4, activation=activation), (3,))
    layer.parameters["b"][...] = [0.1, -0.2, 0.3, 0.05]  # a bias the check can see
    check_layer(layer, batch((6, 3)))


def test_dense_forward_is_affine_then_activation() -> None:
    layer = built(Dense(2, activation="tanh"), (3,))
    x = batch((4, 3))
    w, b = layer.parameters["W"], layer.parameters["b"]
    b[...] = [0.5, -0.5]
    assert np.allclose(layer.forward(x), np.tanh(x @ w + b))
    assert np.allclose(layer.preactivation, x @ w + b)


def test_dense_parameters_shapes_and_default_initialisers() -> None:
    relu = built(Dense(300, activation="relu"), (200,))
    tanh = built(Dense(300, activation="tanh"), (200,))
    assert relu.parameters["W"].shape == (200, 300) and relu.parameters["b"].shape == (300,)
    assert not relu.parameters["b"].any()
    # He: std sqrt(2/fan_in); Glorot uniform: |w| <= sqrt(6/(fan_in+fan_out))
    assert relu.parameters["W"].std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    limit = np.sqrt(6 / 500)
    assert np.abs(tanh.parameters["W"]).max() <= limit
    assert tanh.parameters["W"].std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    no_bias = built(Dense(3, use_bias=False), (2,))
    assert set(no_bias.parameters) == {"W"}
    check_layer(no_bias, batch((4, 2)))


def test_dense_first_layer_skips_the_input_gradient() -> None:
    layer = built(Dense(2), (3,))
    layer.skip_input_grad = True
    layer.forward(batch((4, 3)), True)
    assert layer.backward(np.ones((4, 2))) is None
    assert layer.gradients["W"].any()


def test_dense_float32_stays_float32() -> None:
    layer = built(Dense(3, activation="gelu"), (2,), dtype=np.dtype(np.float32))
    out = layer.forward(batch((4, 2)).astype(np.float32), True)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == layer.gradients["W"].dtype == np.float32


def test_bad_units_and_image_input_are_refused() -> None:
    for units in (0, -1, 2.5, True, "4"):
        with pytest.raises(ValueError, match="units"):
            Dense(units)
        with pytest.raises(ValueError, match="units"):
            Maxout(units)
    with pytest.raises(ValueError, match="pieces"):
        Maxout(3, pieces=False)
    with pytest.raises(ShapeError, match="4×4×1.*flatten"):
        built(Dense(3), (4, 4, 1))


def test_maxout_gradients_without_ties() -> None:
    layer = built(Maxout(3, pieces=4), (5,))
    layer.parameters["b"][...] = batch((3, 4), seed=9) * 0.1
    check_layer(layer, batch((7, 5)))


def test_maxout_is_the_max_of_its_pieces() -> None:
    layer = built(Maxout(2, pieces=3), (4,))
    x = batch((5, 4))
    w, b = layer.parameters["W"], layer.parameters["b"]
    pieces = np.einsum("ni,iuk->nuk", x, w) + b
    assert np.allclose(layer.forward(x), pieces.max(axis=2))
    assert layer.output_shape == (2,) and w.shape == (4, 2, 3) and b.shape == (2, 3)


def test_dropout_gradient_flows_through_the_mask() -> None:
    shape, r = (6, 8), projection(4, (6, 8))

    def forward(v: np.ndarray) -> tuple[np.ndarray, Layer]:
        layer = built(Dropout(0.4), shape[1:], seed=11)  # the same mask on every call
        return layer.forward(v, True), layer

    x = batch(shape)
    out, layer = forward(x)
    mask = out / x
    assert set(np.round(np.unique(mask), 12)) == {0.0, round(1 / 0.6, 12)}
    check_grad(lambda v: float(np.sum(r * forward(v)[0])), x.copy(), layer.backward(r))


def test_dropout_is_the_identity_at_inference_and_keeps_the_mean() -> None:
    layer = built(Dropout(0.5), (1000,))
    x = np.ones((50, 1000))
    assert layer.forward(x, training=False) is x
    assert layer.backward(x) is x
    assert layer.forward(x, True).mean() == pytest.approx(1.0, rel=0.02)
    assert (layer.forward(x, True) == 0).mean() == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)


def test_flatten_round_trip_in_row_major_order() -> None:
    layer = built(Flatten(), (2, 3, 4))
    x = batch((5, 2, 3, 4))
    out = layer.forward(x)
    assert layer.output_shape == (24,) and out.shape == (5, 24)
    assert np.array_equal(out[1], x[1].ravel())
    assert np.array_equal(layer.backward(out), x)
