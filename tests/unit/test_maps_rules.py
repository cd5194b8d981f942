"""The pure rules behind maps: WebMercatorQuad tiles and their generalization, Features
query parameters, default raster drawing by type."""

from datetime import datetime, timezone

import pytest

from core.errors import BadRequest, NotFound
from core.features.query import parse_datetime, parse_sortby, typed_value
from core.models.metadata import ColumnDefinition, VectorMetadata
from core.raster.rendering import RasterFacts, default_rendering, with_overrides
from core.tiles import MAX_LATITUDE, Tile, tiles_covering

UTC = timezone.utc


def test_tiles_exist_only_inside_their_matrix():
    assert Tile.checked(0, 0, 0).bounds() == pytest.approx((-180, -MAX_LATITUDE, 180, MAX_LATITUDE))
    assert Tile.checked(1, 1, 0).bounds() == pytest.approx((0, 0, 180, MAX_LATITUDE))
    for z, x, y in ((25, 0, 0), (3, 8, 0), (3, 0, -1)):
        with pytest.raises(NotFound):
            Tile.checked(z, x, y)


def test_generalization_is_a_fraction_of_a_pixel_and_shrinks_with_zoom():
    coarse, fine = Tile(3, 4, 3).generalization(), Tile(12, 2048, 1361).generalization()
    assert coarse.tolerance == pytest.approx(
        45 / 4096 * 2 * 0.937, rel=0.01
    )  # 2 units of a 45° tile at 20.5°N
    assert coarse.min_size == 4 * coarse.tolerance and fine.tolerance < coarse.tolerance / 400
    arctic = Tile(3, 4, 0).generalization()
    assert arctic.tolerance < coarse.tolerance / 5  # latitude is stretched up there


def test_tiles_covering_a_box_and_the_antimeridian():
    assert tiles_covering((0.5, 0.5, 1.5, 1.5), 0) == [Tile(0, 0, 0)]
    assert tiles_covering((1, 1, 2, 2), 1) == [Tile(1, 1, 0)]
    assert len(tiles_covering((170, -10, -170, 10), 2)) == 8  # crossing it: the whole width
    assert len(tiles_covering(None, 2)) == 16


def test_datetime_parameter():
    day = parse_datetime("2020-01-05")
    assert (
        day.start == datetime(2020, 1, 5, tzinfo=UTC) and day.end.date().isoformat() == "2020-01-05"
    )
    assert (
        parse_datetime("2020-01-05T10:00:00Z").start == parse_datetime("2020-01-05T10:00:00Z").end
    )
    opened = parse_datetime("../2021-01-01T00:00:00+02:00")
    assert opened.start is None and opened.end == datetime(2020, 12, 31, 22, tzinfo=UTC)
    assert parse_datetime("2020-01-01/").end is None
    for bad in (
        "..",
        "../..",
        "yesterday",
        "2020-02-30",
        "2021-01-01/2020-01-01",
        "0001-01-01T00:00:00+14:00",
    ):
        with pytest.raises(BadRequest):
            parse_datetime(bad)


def test_values_take_their_column_type():
    count, flag, text = (
        ColumnDefinition(name=n, type=t)
        for n, t in (("count", "bigint"), ("flag", "boolean"), ("name", "text"))
    )
    assert typed_value(count, "12", "q") == 12 and typed_value(count, 2.5, "q") == 2.5
    assert typed_value(flag, "TRUE", "q") is True and typed_value(text, 3, "q") == "3"
    for column, raw in ((count, "nan"), (count, True), (flag, "yes"), (text, "a\x00")):
        with pytest.raises(BadRequest):
            typed_value(column, raw, "q")
    meta = VectorMetadata(id="t", columns=[count, text])
    assert [(k.column, k.descending) for k in parse_sortby("-count,+name,id", meta)] == [
        ("count", True),
        ("name", False),
        ("id", False),
    ]
    with pytest.raises(BadRequest):
        parse_sortby("count;drop", meta)


def facts(kind: str, count: int = 1, dtype: str = "uint8", interp=(), stats=()) -> RasterFacts:
    return RasterFacts(
        raster_type=kind,
        band_count=count,
        dtype=dtype,
        color_interpretation=tuple(interp),
        statistics=tuple(stats),
    )


def test_rasters_are_drawn_by_type():
    stats = [{"minimum": 100.0, "maximum": 900.0, "mean": 500.0, "stddev": 100.0}] * 6
    assert default_rendering(facts("rgb", 3, interp=("red", "green", "blue"))).rescale is None
    dem = default_rendering(facts("dem", dtype="float32", stats=stats))
    assert (dem.bands, dem.rescale, dem.colormap) == ((1,), ((100.0, 900.0),), "terrain")
    assert default_rendering(facts("categorical")).own_colormap
    multi = default_rendering(facts("multispectral", 6, "uint16", stats=stats))
    assert multi.bands == (3, 2, 1) and multi.rescale == ((300.0, 700.0),) * 3
    assert (
        default_rendering(facts("continuous", dtype="float32", stats=stats)).colormap == "viridis"
    )
    shaded = with_overrides(dem, facts("dem", stats=stats), None, None, None, True)
    assert shaded.hillshade and shaded.colormap is None
    for bands, rescale, colormap in (("9", None, None), (None, "3,1", None), (None, None, "../x")):
        with pytest.raises(BadRequest):
            with_overrides(
                multi, facts("multispectral", 6, stats=stats), bands, rescale, colormap, None
            )


def test_deeply_nested_filters_are_refused_before_the_parser_sees_them():
    """cql2's parser recurses natively: 3,000 nested parentheses crashed the process."""
    from core.features.cql import nesting, parse_filter

    assert nesting("(a = '((((') AND (b = 1)") == 1
    assert nesting('{"op": "=", "args": [{"property": "a\\"[["}, 1]}') == 3
    with pytest.raises(BadRequest, match="nests brackets"):
        parse_filter("(" * 3000 + "a = 1" + ")" * 3000, None)
    assert parse_filter("(" * 10 + "a = 1" + ")" * 10, None)["op"] == "="
