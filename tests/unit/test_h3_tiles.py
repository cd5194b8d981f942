"""H3 tiles' pure parts: which resolution a zoom draws, parents' combined statistics, the
search boxes across the antimeridian, the style's ramp and statistic check."""

import math

import h3.api.basic_int as h3
import pytest
import shapely

from core.errors import BadRequest
from core.tiles import Tile
from services.h3 import styles, tiles

AGGREGATION = {
    "collection_id": "h3-r7-x",
    "statistics": ["count", "sum", "mean", "min", "max", "stddev"],
}


def test_low_zooms_draw_coarser_cells_and_high_zooms_the_aggregations_own():
    shown = [tiles.display_resolution(7, z) for z in range(0, 16)]
    assert shown == sorted(shown) and shown[0] < 7 and shown[-1] == 7
    assert tiles.display_resolution(0, 0) == 0


def test_parents_add_counts_and_pool_means_and_deviations():
    children = [
        {
            "count": 1.0,
            "sum": 2.0,
            "mean": 2.0,
            "min": 2.0,
            "max": 2.0,
            "stddev": 0.0,
            "majority": 1.0,
            "coverage": 1.0,
        },
        {
            "count": 3.0,
            "sum": 18.0,
            "mean": 6.0,
            "min": 5.0,
            "max": 7.0,
            "stddev": 1.0,
            "majority": 2.0,
            "coverage": 0.5,
        },
    ]
    parent = tiles.combine(1, children, children=7)
    assert parent["count"] == 4 and parent["sum"] == 20 and parent["mean"] == pytest.approx(5.0)
    assert (parent["min"], parent["max"], parent["majority"]) == (2.0, 7.0, 2.0)
    # E[x²] = (1*4 + 3*(1 + 36)) / 4 = 28.75; variance 28.75 - 25
    assert parent["stddev"] == pytest.approx(math.sqrt(3.75)) and parent[
        "coverage"
    ] == pytest.approx(1.5 / 7)


def test_merged_groups_cells_under_their_parent():
    cell = h3.latlng_to_cell(0.8, 10.2, 7)
    rows = [
        {
            "cell": c,
            "count": 1.0,
            "sum": 1.0,
            "mean": 1.0,
            "min": 1.0,
            "max": 1.0,
            "stddev": None,
            "majority": None,
            "coverage": 1.0,
        }
        for c in h3.cell_to_children(h3.cell_to_parent(cell, 6), 7)
    ]
    (parent,) = tiles.merged(rows, 6, 7)
    assert parent["cell"] == h3.cell_to_parent(cell, 6) and parent["coverage"] == pytest.approx(1.0)
    assert parent["stddev"] is None


def test_a_search_past_the_antimeridian_looks_on_the_other_side():
    assert tiles.wrapped(-185, 0, -170, 10) == [(-180, 0, -170, 10), (175, 0, 180, 10)]
    assert tiles.wrapped(170, 0, 190, 10) == [(170, 0, 180, 10), (-180, 0, -170, 10)]
    assert tiles.wrapped(-200, 0, 200, 10) == [(-180.0, 0, 180.0, 10)]
    assert len(tiles.search_boxes(Tile(8, 0, 127), 3, 7)) == 2  # widened for parents, past -180°
    assert len(tiles.search_boxes(Tile(8, 1, 127), 7, 7)) == 1  # own cells: the tile and its buffer


def test_hexagons_are_web_mercator_and_a_straddling_cell_is_on_both_sides():
    (wkb,) = tiles.mercator_wkb([h3.latlng_to_cell(-17.0, 179.99, 6)])
    shape = shapely.from_wkb(wkb)
    assert shape.geom_type == "MultiPolygon"
    west, _, east, _ = shape.bounds
    assert west < -20037508.34 < east and west < 20037508.34 < east
    assert tiles.mercator_wkb([h3.latlng_to_cell(89.9, 0.0, 2)]) == [
        None
    ]  # beyond Mercator's ±85.05°


def test_the_style_ramp_spans_the_range_and_unknown_statistics_are_refused():
    stops = styles.ramp_stops(0.0, 8.0)
    assert [v for v, _ in stops] == [0.0, 2.0, 4.0, 6.0, 8.0] and [c for _, c in stops] == list(
        styles.RAMP
    )
    assert styles.ramp_stops(3.0, 3.0) == [(3.0, styles.RAMP[-1])]
    assert styles.checked_statistic(AGGREGATION, None) == "mean"
    assert styles.checked_statistic(AGGREGATION, "coverage") == "coverage"
    for bad in ("majority", "fractions", "mean; drop table x"):
        with pytest.raises(BadRequest):
            styles.checked_statistic(AGGREGATION, bad)
    assert styles.default_statistic({"statistics": ["majority", "fractions"]}) == "majority"
