"""Pictures in a recording: 8-bit levels, filtered (none, dxy, dt), decoded to what was stored, frame after frame."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.train.picture_codec import LEVELS, PAD, REUSE_SPAN, ArrayDecoder, ArrayEncoder, spatial, unspatial


def smooth(seed: int, shape=(4, 48, 48)) -> np.ndarray:
    """Unit maps like a tanh layer's over the plane: smooth, in (-1, 1)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[-1:1:48j, -1:1:48j]
    w = rng.normal(size=(shape[0], 3))
    return np.tanh(w[:, :1, None] * x + w[:, 1:2, None] * y + w[:, 2:, None]).astype(np.float32)


def bound(a: np.ndarray, widest: float) -> float:
    """Half a level of a range `widest` times the values' span (a hair more for float rounding)."""
    return (np.nanmax(a) - np.nanmin(a)) * widest / LEVELS / 2 * 1.001 + 1e-12


def test_spatial_differences_invert_exactly():
    q = np.random.default_rng(0).integers(0, 256, (3, 17, 9), dtype=np.uint8)
    np.testing.assert_array_equal(unspatial(spatial(q)), q)


@pytest.mark.parametrize(
    "array",
    [
        smooth(0),
        np.random.default_rng(1).normal(size=(20, 30)),
        np.linspace(-3, 5, 300),
        np.where(np.arange(400).reshape(20, 20) % 7 == 0, np.nan, np.arange(400.0).reshape(20, 20)),
        np.full((16, 16), 0.25),
    ],
    ids=["unit-maps", "noise", "1-d", "nan", "constant"],
)
@pytest.mark.parametrize("keyframe", [True, False])
def test_a_picture_comes_back_within_half_a_level(array, keyframe):
    encoded = ArrayEncoder().encode(array, "p", keyframe=keyframe)
    decoded = ArrayDecoder().decode(encoded, "p")
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    np.testing.assert_array_equal(np.isnan(decoded), np.isnan(array))
    widest = 1.0 if keyframe else 1 + 2 * PAD
    np.testing.assert_allclose(decoded, array, atol=bound(array, widest), equal_nan=True)
    if keyframe and np.nanmax(array) > np.nanmin(array):
        assert encoded["levels"] == [float(np.nanmin(array)), float(np.nanmax(array))]


@pytest.mark.parametrize("array", [np.arange(300), np.linspace(0, 1, 100), np.array([np.inf] * 300)])
def test_integers_small_arrays_and_infinities_are_exact(array):
    encoded = ArrayEncoder().encode(array, "p", keyframe=False)
    assert "levels" not in encoded
    np.testing.assert_array_equal(ArrayDecoder().decode(encoded, "p"), array)


def test_a_picture_that_barely_changed_is_stored_as_its_change_in_a_fraction_of_the_bytes():
    encoder, decoder = ArrayEncoder(), ArrayDecoder()
    first = smooth(0)
    nudged = first.copy()
    nudged[0, :5, :5] *= 0.9  # one corner of one unit moves
    a, b = encoder.encode(first, "maps", False), encoder.encode(nudged, "maps", False)
    assert b["filter"] == "dt" and b["levels"] == a["levels"]
    assert len(b["data"]) < len(a["data"]) / 5
    decoder.decode(a, "maps")
    np.testing.assert_allclose(decoder.decode(b, "maps"), nudged, atol=bound(first, 1 + 2 * PAD))


def test_smooth_maps_take_the_neighbour_filter():
    assert ArrayEncoder().encode(smooth(0), "maps", True)["filter"] == "dxy"


def test_every_frame_of_a_drifting_picture_stays_within_the_kept_range_bound():
    encoder, decoder = ArrayEncoder(), ArrayDecoder()
    rng = np.random.default_rng(5)
    maps = smooth(2)
    filters = set()
    for frame in range(40):
        maps = np.clip(maps + rng.normal(0, 0.01, maps.shape).astype(np.float32), -1, 1) * (1 - 0.004 * (frame > 20))
        encoded = encoder.encode(maps, "maps", keyframe=frame == 39)
        filters.add(encoded.get("filter", ""))
        decoded = decoder.decode(encoded, "maps")
        widest = 1.0 if frame == 39 else max(1 / REUSE_SPAN, 1 + 2 * PAD)
        np.testing.assert_allclose(decoded, maps, atol=bound(maps, widest), err_msg=f"frame {frame}")
    assert "dt" in filters


def test_a_change_without_the_picture_it_changes_is_refused():
    encoder = ArrayEncoder()
    encoder.encode(smooth(0), "maps", False)
    change = encoder.encode(smooth(0) * 0.99, "maps", False)
    assert change["filter"] == "dt"
    with pytest.raises(ValueError, match="maps: a change of a picture that was not stored before"):
        ArrayDecoder().decode(change, "maps")


def test_object_arrays_are_refused():
    encoded = ArrayEncoder().encode(np.arange(3), "p", False)
    with pytest.raises(ValueError, match="object arrays"):
        ArrayDecoder().decode({**encoded, "__array__": "|O"}, "p")
