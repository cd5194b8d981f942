"""Each repair step on hand-made geometries: what it changes, and that it is counted."""

import numpy as np
import shapely

from services.vector.ewkb import SRID_FLAG, multi_ewkb
from services.vector.loading import to_wgs84
from services.vector.repair import repair
from services.vector.report import RepairLog


def run(wkts, *, transform=None, tolerance=0.0, wkb=None):
    if wkb is None:
        wkb = [shapely.to_wkb(shapely.from_wkt(w)) if w is not None else None for w in wkts]
    log = RepairLog(10)
    fids = np.arange(100, 100 + len(wkb))
    result = repair(
        np.array(wkb, dtype=object), fids, log, transform=transform, tolerance=tolerance
    )
    geoms = [shapely.from_wkb(e) for e in result.ewkb]
    return result, log, geoms


def polygon_wkb(coords) -> bytes:
    import struct

    body = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(coords))
    return body + b"".join(struct.pack("<dd", x, y) for x, y in coords)


def test_clean_geometries_keep_their_source_bytes():
    source = shapely.to_wkb(shapely.from_wkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))"))
    result, log, _ = run(None, wkb=[source])
    assert (
        result.ewkb[0]
        == source[:1]
        + (6 | SRID_FLAG).to_bytes(4, "little")
        + (4326).to_bytes(4, "little")
        + source[5:]
    )
    assert log.repairs == {} and log.dropped == {}


def test_null_empty_and_unreadable_are_dropped_with_ids():
    result, log, _ = run(
        None,
        wkb=[
            None,
            shapely.to_wkb(shapely.from_wkt("POINT EMPTY")),
            b"\x01\x99\x00\x00\x00garbage",
            shapely.to_wkb(shapely.Point(1, 1)),
        ],
    )
    assert log.dropped == {"null_geometry": 1, "empty_geometry": 1, "unreadable_geometry": 1}
    assert log.drop_samples == {
        "null_geometry": [100],
        "empty_geometry": [101],
        "unreadable_geometry": [102],
    }
    assert list(result.rows) == [3]


def test_unclosed_rings_are_closed():
    result, log, geoms = run(None, wkb=[polygon_wkb([(0, 0), (1, 0), (1, 1), (0, 1)])])
    assert log.repairs["rings_closed"] == 1
    assert geoms[0].equals(shapely.box(0, 0, 1, 1))


def test_z_and_m_are_dropped():
    _, log, geoms = run(["POINT Z (1 2 3)", "LINESTRING M (0 0 1, 1 1 2)"])
    assert log.repairs["forced_2d"] == 2
    assert not any(shapely.has_z(g) or shapely.has_m(g) for g in geoms)


def test_duplicate_vertices_exact_and_within_tolerance():
    _, log, geoms = run(
        ["LINESTRING (0 0, 0 0, 1 1, 1.0000000001 1, 2 2)", "LINESTRING (0 0, 5 5)"], tolerance=1e-9
    )
    assert (
        log.repairs["features_with_duplicate_vertices"] == 1
        and log.repairs["duplicate_vertices_removed"] == 2
    )
    assert shapely.get_num_coordinates(geoms[0]) == 3


def test_bow_tie_is_made_valid_and_keeps_its_dimension():
    result, log, geoms = run(["POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"])
    assert (
        log.repairs["made_valid"] == 1 and result.invalid_before == 1 and result.invalid_after == 0
    )
    assert (
        geoms[0].geom_type == "MultiPolygon"
        and geoms[0].is_valid
        and abs(geoms[0].area - 0.5) < 1e-12
    )


def test_collapsed_parts_and_wholly_collapsed_geometries():
    result, log, geoms = run(
        [
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 7 5, 5 5)))",
            "POLYGON ((0 0, 1 0, 2 0, 0 0))",
            "LINESTRING (3 3, 3 3)",
        ]
    )
    # GEOS nodes the flat triangle (5 5, 6 5, 7 5) into two segments: 2 + 1 + 1 collapsed pieces.
    assert log.repairs["collapsed_parts_dropped"] == 4
    assert log.dropped == {"collapsed": 2} and log.drop_samples["collapsed"] == [101, 102]
    assert len(geoms) == 1 and shapely.get_num_geometries(geoms[0]) == 1


def test_polygons_are_oriented_counter_clockwise_with_clockwise_holes():
    _, log, geoms = run(
        [
            "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 8 2, 8 8, 2 8, 2 2))",
            "POLYGON ((0 0, 1 0, 1 1, 0 0))",
        ]
    )
    assert log.repairs["reoriented"] == 1 and log.repair_samples["reoriented"] == [100]
    polygon = geoms[0].geoms[0]
    assert polygon.exterior.is_ccw and not polygon.interiors[0].is_ccw


def test_antimeridian_crossings_are_split():
    _, log, geoms = run(
        [
            "POLYGON ((179 -17, -179 -17, -179 -16, 179 -16, 179 -17))",
            "LINESTRING (170 0, -170 10)",
            "POINT (181 5)",
        ]
    )
    assert log.repairs["antimeridian_split"] == 2 and log.repairs["longitudes_wrapped"] == 1
    polygon, line, point = geoms
    assert shapely.get_num_geometries(polygon) == 2 and shapely.bounds(polygon).tolist() == [
        -180,
        -17,
        180,
        -16,
    ]
    assert abs(polygon.area - 2.0) < 1e-9
    assert shapely.get_num_geometries(line) == 2 and abs(line.length - np.hypot(20, 10)) < 1e-9
    assert point.geoms[0].coords[0] == (-179.0, 5.0)


def test_legitimately_wide_geometries_are_left_alone():
    _, log, geoms = run(["POLYGON ((-180 -90, 180 -90, 180 -60, -180 -60, -180 -90))"])
    assert "antimeridian_split" not in log.repairs and shapely.bounds(geoms[0]).tolist() == [
        -180,
        -90,
        180,
        -60,
    ]


def test_out_of_range_coordinates_are_dropped():
    _, log, _ = run(["POINT (10 95)", "POINT (400 0)", "POINT (10 10)"])
    assert log.dropped == {"out_of_bounds": 2}


def test_reprojection():
    result, log, geoms = run(["POINT (1113194.9 0)"], transform=to_wgs84("EPSG:3857"))
    assert log.repairs["reprojected"] == 1
    assert abs(geoms[0].geoms[0].x - 10) < 1e-6


def test_collections_are_split_by_kind_onto_the_same_row():
    result, log, geoms = run(
        [
            "GEOMETRYCOLLECTION (POINT (1 1), POINT (2 2), LINESTRING (0 0, 1 1), "
            "POLYGON ((0 0, 1 0, 1 1, 0 0)))"
        ]
    )
    assert log.repairs["collections_split"] == 1
    assert sorted(result.kinds) == ["lines", "points", "polygons"] and list(result.rows) == [
        0,
        0,
        0,
    ]
    assert sorted(g.geom_type for g in geoms) == ["MultiLineString", "MultiPoint", "MultiPolygon"]


def test_big_endian_wkb_is_rewrapped():
    source = shapely.to_wkb(shapely.Point(1, 2), byte_order=0)
    ewkb = multi_ewkb(source, 4326)
    assert shapely.from_wkb(ewkb).equals(shapely.MultiPoint([(1, 2)]))
    assert shapely.get_srid(shapely.from_wkb(ewkb)) == 4326


def test_clockwise_rings_in_source_bytes_are_reversed_in_place():
    """One-ring polygons keep their source bytes; a clockwise one has its coordinates
    reversed there (little- and big-endian, Polygon and one-part MultiPolygon)."""
    clockwise = shapely.from_wkt("POLYGON ((0 0, 0 2, 1 3, 2 2, 2 0, 0 0))")
    sources = [
        shapely.to_wkb(clockwise),
        shapely.to_wkb(clockwise, byte_order=0),
        shapely.to_wkb(shapely.MultiPolygon([clockwise])),
    ]
    result, log, geoms = run(None, wkb=sources)
    assert log.repairs["reoriented"] == 3 and "made_valid" not in log.repairs
    for geometry in geoms:
        assert geometry.geoms[0].exterior.is_ccw and geometry.equals(clockwise)
    assert result.wkb[1][0] == 0  # still the source's big-endian bytes, not re-encoded


def test_type_codes_are_read_column_wise():
    import pyarrow as pa

    from services.vector.wkb_headers import NO_TYPE, base_types, plain_2d, type_codes

    values = [
        shapely.to_wkb(shapely.Point(1, 2)),
        None,
        b"\x01\x03",
        shapely.to_wkb(shapely.Point(1, 2), byte_order=0),
        shapely.to_wkb(shapely.from_wkt("POINT Z (1 2 3)"), flavor="iso"),
        b"\x01\x01\x00\x00\x20\xe6\x10\x00\x00" + b"\x00" * 16,  # EWKB with an SRID
        b"\x07garbage",
        b"\x01\x65\x00\x00\x00\x00",
    ]
    codes = type_codes(pa.array(values, type=pa.binary()))
    assert codes.tolist() == [1, NO_TYPE, NO_TYPE, 1, 1001, 0x20000001, NO_TYPE, 101]
    assert base_types(codes).tolist() == [1, NO_TYPE, NO_TYPE, 1, 1, 1, NO_TYPE, 101]
    assert plain_2d(codes).tolist() == [True, False, False, True, False, False, False, False]
