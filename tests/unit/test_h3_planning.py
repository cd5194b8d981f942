"""H3 aggregation planning (pure): default and parent resolutions, which parents and
cells cover an area, cells across the antimeridian, parameters."""

import h3.api.basic_int as h3
import pytest
import shapely
from pydantic import ValidationError

from core.h3 import cells
from core.h3.resolutions import cell_area_m2, default_resolution, parent_resolution
from services.h3.areas import bbox_of, box
from services.h3.models import H3AggregateParams, collection_id_for


def overlap(area, resolution: int) -> set[int]:
    return set(
        h3.h3shape_to_cells_experimental(h3.geo_to_h3shape(area), resolution, contain="overlap")
    )


def test_the_default_resolution_gives_cells_of_49_pixels_or_more():
    for pixel in (10.0, 30.0, 100.0, 1000.0):
        resolution = default_resolution(pixel)
        assert cell_area_m2(resolution) / pixel**2 >= 49
        assert resolution == 15 or cell_area_m2(resolution + 1) / pixel**2 < 49  # the finest such
    assert (
        default_resolution(10.0) == 10
        and default_resolution(0.01) == 15
        and default_resolution(1e7) == 0
    )


def test_parent_cells_bound_the_pixels_a_task_reads():
    # 10 m pixels at resolution 8 (~7,400 pixels a cell): 343 cells (~2.5 M pixels) fit 4 M
    assert parent_resolution(8, 10.0, 4 * 1024**2, max_levels=4) == 5
    assert (
        parent_resolution(8, 10.0, 100, max_levels=4) == 8
    )  # one cell is already more than a task
    assert (
        parent_resolution(12, 1000.0, 4 * 1024**2, max_levels=4) == 8
    )  # capped at 7^4 cells a task
    assert parent_resolution(1, 1000.0, 10**12, max_levels=4) == 0


@pytest.mark.parametrize(
    "area",
    [
        shapely.box(14.9, 45.0, 15.2, 45.2),
        shapely.Polygon([(10, 0), (10.3, 0.05), (10.1, 0.3), (10, 0)]),
    ],
)
def test_the_parents_children_are_exactly_the_cells_overlapping_the_area(area):
    parents = cells.parents_covering(area, 8, 5)
    shapely.prepare(area)
    children = [c for p in parents for c in cells.children_in(p, 8, area)]
    assert len(children) == len(set(children))  # no cell in two tasks
    assert set(children) == overlap(area, 8)
    assert all(cells.children_in(p, 8, area) for p in parents)  # no empty task
    assert {h3.cell_to_parent(c, 5) for c in children} == set(parents)


def test_cells_across_the_antimeridian_are_unwrapped_split_and_boxed():
    area = box(179.5, -17.5, -179.5, -17.0)
    assert area.geom_type == "MultiPolygon"
    found = [c for p in cells.parents_covering(area, 7, 5) for c in cells.children_in(p, 7, area)]
    crossing = [c for c in found if cells.extent(c)[0] > cells.extent(c)[2]]
    assert crossing and set(found) == overlap(area, 7)
    cell = crossing[0]
    west, south, east, north = cells.extent(cell)
    assert 179 < west < 180 and -180 < east < -179 and south < north
    geometry = shapely.geometry.shape(cells.geojson(cell))
    assert geometry.geom_type == "MultiPolygon" and len(geometry.geoms) == 2
    assert geometry.bounds[0] == -180 and geometry.bounds[2] == 180
    unwrapped = shapely.Polygon(cells.ring(cell))
    assert geometry.area == pytest.approx(unwrapped.area)  # cut, nothing lost
    assert bbox_of(area) == (179.5, -17.5, -179.5, -17.0)


def test_parameters_take_one_source_one_area_and_nothing_unknown():
    assert H3AggregateParams(blob="a/b.tif").area_description() == {"kind": "raster_extent"}
    assert H3AggregateParams(raster_id="dem", bbox=[179, -1, -179, 1]).bbox == [179, -1, -179, 1]
    refused = [
        {"blob": "a.tif", "extra": 1},
        {},
        {"blob": "a.tif", "raster_id": "b"},
        {"blob": "a.tif", "bbox": [0, 0, 1, 1], "table": "t"},
        {"blob": "a.tif", "filter": {"a": 1}},
        {"blob": "a.tif", "table": "Bad-Name"},
        {"blob": "a.tif", "table": "t", "filter": {"A b": 1}},
        {"blob": "a.tif", "bbox": [0, 0, 0, 1]},
        {"blob": "a.tif", "bbox": [0, 0, 181, 1]},
    ]
    for parameters in refused:
        with pytest.raises(ValidationError):
            H3AggregateParams.model_validate(parameters)


def test_collection_ids_are_url_safe_and_distinct():
    first, second = collection_id_for("silver/A b.tif", 8), collection_id_for("silver/a-b.tif", 8)
    assert first.startswith("h3-r8-silver-a-b-tif-") and first != second
    assert collection_id_for("x", 7) != collection_id_for("x", 8)
