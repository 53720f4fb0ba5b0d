"""Feature-map layout: as many channels as fit in the panel, tiles wrapped into rows."""

import numpy as np

from tuinn.train.snapshot import FeatureMap
from tuinn.tui.widgets.feature_maps import layout, tile_grid, tile_rows


def fmap(h: int, c: int) -> FeatureMap:
    return FeatureMap("l", "Conv2D", (h, h, c), h * h * c, np.ones((h, h, c), dtype=np.float32))


def lines_used(plan) -> int:
    """Heading plus tile rows of every layer, in text lines."""
    return sum(1 + -(-(-(-shown // per_row) * (fm.shape[0] * z + 1) - 1) // 2) for fm, z, per_row, shown in plan)


def test_layout_wraps_channels_into_rows_within_the_height():
    maps = (fmap(8, 16), fmap(4, 16), fmap(4, 32), fmap(2, 32))
    plan = layout(maps, width=48, height=30)
    shown = [p[3] for p in plan]
    assert lines_used(plan) <= 30
    assert sum(shown) > sum(min(fm.shape[2], p[2]) for fm, p in zip(maps, plan))  # more than one row each
    assert all(p[3] <= p[0].shape[2] for p in plan)


def test_layout_shows_everything_when_there_is_room():
    maps = (fmap(2, 3),)
    ((fm, zoom, per_row, shown),) = layout(maps, width=60, height=20)
    assert shown == 3 and zoom >= 2
    assert tile_rows(fm, zoom) <= 20


def test_tile_grid_places_each_channel_with_gaps():
    maps = np.arange(2 * 2 * 5, dtype=float).reshape(2, 2, 5)
    grid = tile_grid(maps, zoom=1, per_row=3)
    assert grid.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert np.array_equal(grid[0:2, 3:5], maps[:, :, 1])  # second tile of the first row
    assert np.array_equal(grid[3:5, 0:2], maps[:, :, 3])  # first tile of the second row
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 2]).all()  # the gaps
    assert np.isnan(grid[3:5, 6:8]).all()  # no sixth channel


def test_layout_grows_small_maps_into_spare_room_beyond_the_tiles_the_need_asks_for():
    plan = layout((fmap(2, 3),), width=46, height=30)
    ((fm, zoom, per_row, shown),) = plan
    assert shown == 3 and zoom > 6  # tiles taller than 12 pixels
    assert lines_used(plan) <= 30 and fm.shape[1] * zoom <= 46
    bigger = [(fm, zoom + 1, max(1, 47 // (2 * (zoom + 1) + 1)), 3)]
    assert lines_used(bigger) > 30  # one more zoom would not fit


def test_layout_counts_the_half_lines_of_stacked_tile_rows():
    plan = layout((fmap(4, 32),), width=44, height=11)  # 4 rows of 9 tiles of 4x4: 19 pixels, 10 lines + heading
    assert plan[0][3] == 32 and lines_used(plan) <= 11
