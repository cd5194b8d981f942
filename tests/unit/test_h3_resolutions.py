"""H3 resolution ranges from pixel size and extent (pure)."""

from core.h3.resolutions import (
    EDGE_METRES,
    bbox_extent_metres,
    coarsest_resolution,
    finest_resolution,
    resolution_range,
)


def test_the_finest_resolution_has_cells_no_smaller_than_a_pixel():
    assert finest_resolution(10.0) == 12  # edge ~10.8 m
    assert finest_resolution(30.0) == 10  # edge ~75.9 m; res 11 (~28.7 m) is below a pixel
    assert finest_resolution(0.1) == 15
    assert finest_resolution(5_000_000) == 0
    assert all(EDGE_METRES[r] > EDGE_METRES[r + 1] for r in range(15))


def test_the_coarsest_resolution_still_spans_the_extent():
    assert coarsest_resolution(40_000_000, 10) == 0
    assert coarsest_resolution(1_000, 12) == 8  # edge ~531 m <= 1 km
    assert coarsest_resolution(1_000, 6) == 6  # never finer than the finest
    assert round(bbox_extent_metres(0, 0, 1, 1)) == 111_320


def test_a_resolution_range_is_ordered():
    assert resolution_range(30.0, [10.0, 50.0, 10.1, 50.1]) == (
        5,
        10,
    )  # 11 km tall: res 5 (~9.9 km edge)
    assert resolution_range(30.0, [-180, -90, 0, 180, 90, 10]) == (0, 10)
