"""Shape rules of the image layers against worked examples, and the errors when a layer cannot fit."""

from __future__ import annotations

import pytest

from tuinn.nn import Network, SpecError


def summary(input_shape, *layers: dict) -> list:
    """The summary rows of a network of `layers` plus a flatten and a dense output."""
    spec = {
        "layers": [*layers, {"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
        "loss": "softmax_cross_entropy",
    }
    return Network.from_spec(spec, input_shape=input_shape).summary_rows()


def conv(filters: int, kernel, **kw) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": kernel, **kw}


@pytest.mark.parametrize(
    "stride, shape, neurons",
    [(2, (2, 2, 3), 12), (1, (3, 3, 3), 27)],
)
def test_the_seed_example(stride, shape, neurons) -> None:
    # a 4×4×1 image, 3 filters of 2×2: stride 2 visits 2×2 positions, stride 1 visits 3×3
    row = summary((4, 4, 1), conv(3, 2, stride=stride))[0]
    assert row.output_shape == shape
    assert row.neurons == neurons
    assert row.parameters == 3 * 2 * 2 * 1 + 3  # the same 15 shared parameters either way
    assert row.dense_equivalent == 16 * neurons + neurons
    assert row.mult_adds == neurons * 2 * 2
    assert row.type == ("Conv2D(3, 2×2, s2)" if stride == 2 else "Conv2D(3, 2×2)")


@pytest.mark.parametrize(
    "size, kernel, stride, padding, out",
    [
        (28, 3, 1, "valid", 26),
        (28, 3, 1, "same", 28),
        (28, 3, 1, 1, 28),
        (7, 3, 2, "same", 4),  # ceil(7 / 2)
        (5, 3, 2, "same", 3),
        (9, 2, 2, "same", 5),
        (7, 3, 2, "valid", 3),
        (6, 5, 1, 2, 6),
        (4, 3, 3, 1, 2),
    ],
)
def test_conv_output_sizes(size, kernel, stride, padding, out) -> None:
    row = summary((size, size, 2), conv(5, kernel, stride=stride, padding=padding))[0]
    assert row.output_shape == (out, out, 5)
    assert row.neurons == out * out * 5
    assert row.mult_adds == out * out * 5 * kernel * kernel * 2


def test_oblong_kernels_and_strides() -> None:
    row = summary((9, 8, 1), conv(2, [3, 2], stride=[2, 1], padding="same"))[0]
    assert row.output_shape == (5, 8, 2)


def test_pooling_28_to_14_to_7_and_odd_sizes() -> None:
    pool = {"type": "maxpool2d", "pool_size": 2}
    rows = summary((28, 28, 1), conv(8, 3, padding=1), pool, conv(16, 3, padding=1), pool, pool)
    assert [r.output_shape for r in rows[:5]] == [
        (28, 28, 8),
        (14, 14, 8),
        (14, 14, 16),
        (7, 7, 16),
        (3, 3, 16),  # 7 is odd: the last row and column are dropped
    ]
    assert rows[3].neurons == 7 * 7 * 16
    assert rows[1].parameters == 0 and rows[1].dense_equivalent is None
    avg = summary((7, 7, 1), {"type": "avgpool2d", "pool_size": 3, "stride": 2})[0]
    assert avg.output_shape == (3, 3, 1) and avg.type == "AvgPool2D(3×3, s2)"


def build_error(input_shape, *layers: dict) -> str:
    with pytest.raises(SpecError) as err:
        summary(input_shape, *layers)
    return str(err.value)


def test_a_kernel_larger_than_the_input_says_what_would_fit() -> None:
    assert build_error((4, 4, 1), conv(3, 5)) == (
        "layer 1 (conv2d): a 5×5 kernel with padding 'valid' on a 4×4×1 input gives a 0×0 output; "
        "use a kernel of at most 4×4 or padding 'same'"
    )
    assert build_error((6, 3, 2), conv(3, [3, 5], padding=0)) == (
        "layer 1 (conv2d): a 3×5 kernel with padding 0 on a 6×3×2 input gives a 4×0 output; "
        "use a kernel of at most 3×3 or padding 'same'"
    )


def test_a_pool_larger_than_the_input_says_what_would_fit() -> None:
    pool = {"type": "maxpool2d", "pool_size": 2}
    assert build_error((4, 4, 1), pool, pool, pool) == (
        "layer 3 (maxpool2d): a 2×2 pool on a 1×1×1 input gives a 0×0 output; "
        "use a pool of at most 1×1 or remove this layer"
    )


@pytest.mark.parametrize("kind", ["conv2d", "maxpool2d", "avgpool2d"])
def test_flat_input_asks_for_image_data(kind) -> None:
    layer = conv(2, 3) if kind == "conv2d" else {"type": kind}
    assert build_error((784,), layer) == (
        f'layer 1 ({kind}): {kind} needs an image input (H, W, C) but gets 784; load the data with shape = "image"'
    )
    assert "needs an image input (H, W, C) but gets 28×28" in build_error((28, 28), layer)
