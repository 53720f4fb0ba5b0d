"""MaxPool2D, AvgPool2D and Flatten: plain references, finite differences, ties, layouts."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_layer

from tuinn.nn.layers import AvgPool2D, Flatten, MaxPool2D, pooling

F64 = np.dtype(np.float64)

#: (input H×W×C, pool_size, stride): the 2×2 fast path, odd sizes, overlapping and oblong windows
CASES = [
    ((4, 4, 2), 2, None),
    ((7, 5, 3), 2, None),
    ((6, 6, 1), 2, 1),
    ((7, 7, 2), 3, 2),
    ((6, 6, 2), 3, None),
    ((5, 6, 2), [2, 3], [1, 2]),
    ((6, 6, 2), 2, 3),
]


def built(layer, input_shape, dtype=F64):
    layer.build(input_shape, np.random.default_rng(0), dtype)
    return layer


def distinct(shape, n: int = 2, seed: int = 4) -> np.ndarray:
    """Values at least 0.01 apart, so no window has a tie, not even after a finite-difference step."""
    rng = np.random.default_rng(seed)
    return rng.permutation(n * int(np.prod(shape))).reshape(n, *shape) * 0.01


def reference_pool(x: np.ndarray, pool, stride, reduce) -> np.ndarray:
    """Pooling written out plainly, one window at a time."""
    (ph, pw), (sh, sw) = pool, stride
    ho, wo = (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, x.shape[3]))
    for i in range(ho):
        for j in range(wo):
            out[:, i, j, :] = reduce(x[:, i * sh : i * sh + ph, j * sw : j * sw + pw, :], axis=(1, 2))
    return out


@pytest.mark.parametrize("cls, reduce", [(MaxPool2D, np.max), (AvgPool2D, np.mean)])
@pytest.mark.parametrize("case", CASES)
def test_forward_matches_the_plain_reference(cls, reduce, case) -> None:
    shape, pool, stride = case
    layer = built(cls(pool, stride), shape)
    x = distinct(shape, n=3)
    expected = reference_pool(x, layer.pool_size, layer.stride, reduce)
    assert expected.shape == (3, *layer.output_shape)
    assert np.allclose(layer.forward(x), expected)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("case", CASES)
def test_gradients_match_finite_differences(cls, case) -> None:
    shape, pool, stride = case
    check_layer(built(cls(pool, stride), shape), distinct(shape))


@pytest.mark.parametrize("case", CASES)
def test_ties_send_each_window_gradient_to_one_winner(case) -> None:
    shape, pool, stride = case
    layer = built(MaxPool2D(pool, stride), shape)
    x = np.zeros((2, *shape))  # every window is one big tie
    layer.forward(x, True)
    dy = np.arange(1.0, 1.0 + 2 * np.prod(layer.output_shape)).reshape(2, *layer.output_shape)
    dx = layer.backward(dy)
    assert dx.sum() == pytest.approx(dy.sum())
    if layer.stride == layer.pool_size:  # windows apart: one nonzero per window, the first
        assert np.count_nonzero(dx) == dy.size
        (sh, sw), (ho, wo) = layer.stride, layer.output_shape[:2]
        assert np.array_equal(dx[:, : sh * ho : sh, : sw * wo : sw, :], dy)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_any_memory_layout_gives_the_same_result(cls) -> None:
    layer = built(cls(), (6, 4, 3))
    x = distinct((6, 4, 3), n=5)
    dy = np.random.default_rng(1).standard_normal((5, 3, 2, 3))
    expected = layer.forward(x, True), layer.backward(dy).copy()  # backward reuses its dx
    for order in [(3, 0, 1, 2), (1, 2, 0, 3), (3, 1, 2, 0)]:
        inverse = np.argsort(order)
        xt = np.ascontiguousarray(x.transpose(order)).transpose(inverse)
        dyt = np.ascontiguousarray(dy.transpose(order[::-1])).transpose(np.argsort(order[::-1]))
        assert np.array_equal(layer.forward(xt, True), expected[0])
        assert np.array_equal(layer.backward(dyt), expected[1])


@pytest.mark.parametrize("case", CASES)
def test_repeated_steps_reuse_buffers_and_stay_right(case) -> None:
    shape, pool, stride = case
    layer = built(MaxPool2D(pool, stride), shape)
    for seed in (1, 2, 3):
        fresh = built(MaxPool2D(pool, stride), shape)
        x = distinct(shape, seed=seed)
        dy = np.random.default_rng(seed).standard_normal((2, *layer.output_shape))
        layer.forward(x, True)
        fresh.forward(x, True)
        dx = layer.backward(dy)
        assert np.array_equal(dx, fresh.backward(dy))


def test_flatten_gradient_and_order() -> None:
    layer = built(Flatten(), (3, 2, 2))
    x = distinct((3, 2, 2))
    assert np.array_equal(layer.forward(x), x.reshape(2, 12))
    check_layer(layer, x)


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (MaxPool2D, {"pool_size": 0}, "pool_size must be a positive integer or a list of two, got 0"),
        (AvgPool2D, {"stride": [2, 2, 2]}, "stride must be a positive integer or a list of two, got [2, 2, 2]"),
    ],
)
def test_constructor_errors_are_plain(cls, kwargs, message) -> None:
    with pytest.raises(ValueError) as err:
        cls(**kwargs)
    assert str(err.value) == message


def test_summary_figures() -> None:
    layer = built(MaxPool2D(), (28, 28, 8))
    assert layer.describe() == "MaxPool2D(2×2)"
    assert layer.neurons == 14 * 14 * 8
    assert layer.parameter_count == 0 and layer.dense_equivalent() is None
    assert built(AvgPool2D(3, 1), (5, 5, 1)).describe() == "AvgPool2D(3×3, s1)"


@pytest.mark.parametrize("case", [CASES[0], CASES[3]])
def test_an_inference_forward_leaves_the_training_state_alone(case) -> None:
    shape, pool, stride = case
    layer = built(MaxPool2D(pool, stride), shape)
    x = distinct(shape, n=2)
    layer.forward(x, training=True)
    dy = np.random.default_rng(2).standard_normal((2, *layer.output_shape))
    expected = layer.backward(dy)
    other = distinct(shape, n=5, seed=9)
    assert np.array_equal(layer.forward(other), reference_pool(other, layer.pool_size, layer.stride, np.max))
    assert np.array_equal(layer.backward(dy), expected)


def first_max_gradient(x: np.ndarray, pool, stride, dy: np.ndarray) -> np.ndarray:
    """Each window's gradient sent to its first maximum in row-major order, one window at a time."""
    (ph, pw), (sh, sw) = pool, stride
    dx = np.zeros_like(x)
    for n, i, j, c in np.ndindex(*dy.shape):
        window = x[n, i * sh : i * sh + ph, j * sw : j * sw + pw, c]
        r, s = np.unravel_index(np.argmax(window), window.shape)  # argmax: the first maximum
        dx[n, i * sh + r, j * sw + s, c] += dy[n, i, j, c]
    return dx


def test_the_issue_window_sends_its_gradient_to_the_first_maximum() -> None:
    layer = built(MaxPool2D(2), (2, 2, 1))
    layer.forward(np.array([[1.0, 2.0], [2.0, 0.0]]).reshape(1, 2, 2, 1), True)
    dx = layer.backward(np.ones((1, 1, 1, 1)))
    assert dx[0, :, :, 0].tolist() == [[0.0, 1.0], [0.0, 0.0]]  # (0, 1), as PyTorch does


@pytest.mark.parametrize("case", CASES)
def test_many_ties_follow_the_row_major_rule_on_every_path(case) -> None:
    shape, pool, stride = case
    layer = built(MaxPool2D(pool, stride), shape)
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, size=(6, *shape)).astype(np.float64)  # three values: ties everywhere
    layer.forward(x, True)
    dy = rng.standard_normal((6, *layer.output_shape))
    expected = first_max_gradient(x, layer.pool_size, layer.stride, dy)
    assert np.allclose(layer.backward(dy), expected, rtol=0, atol=1e-12)


def test_a_pass_in_blocks_keeps_one_blocks_row_maxima_and_row_gradients(monkeypatch) -> None:
    """The 2×2 path's intermediate rows (maxima forward, gradients backward) are spent within a block of
    output rows: a large input's passes hold them for one block only, the output and masks for all rows."""
    monkeypatch.setattr(pooling, "BLOCK_BYTES", 1)  # blocks of one output row
    layer = MaxPool2D(2)
    layer.configure((8, 6, 3))
    x = np.random.default_rng(0).standard_normal((4, 8, 6, 3))
    y = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(y))
    kept = {name: array for name, (_, array) in layer._kept.items()}
    layer.forward(x, training=True)
    assert layer.backward(np.ones_like(y)) is dx  # a second step reuses every array
    assert all(layer._kept[name][1] is array for name, array in kept.items())
    scratch = sorted(name for name, array in kept.items() if array.shape[1] == 1)
    assert scratch == ["drows", "rows", "ties"]  # the row gradients, the row maxima and the ties
    assert layer._y.shape == layer._left_wins.shape == (4, 4, 3, 3) and layer._top_wins.shape == (4, 4, 6, 3)
    np.testing.assert_array_equal(dx.sum(axis=(1, 2)), np.full((4, 3), 12.0))  # each window's gradient, once
