"""What the repair salvages instead of dropping: curves, bare rings, broken collections,
empty parts, non-finite vertices; and geometries valid as served (on the 1e-9° grid)."""

import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from services.vector import curves, precision, validity
from services.vector.repair import repair
from services.vector.report import RepairLog

ROOT = Path(__file__).resolve().parents[2]


def points(coords, dims: int = 2) -> bytes:
    return struct.pack("<I", len(coords)) + b"".join(
        struct.pack("<" + "d" * dims, *c) for c in coords
    )


def geom(code: int, body: bytes) -> bytes:
    return struct.pack("<BI", 1, code) + body


def members(code: int, *parts: bytes) -> bytes:
    return struct.pack("<BII", 1, code, len(parts)) + b"".join(parts)


def polygon(*rings) -> bytes:
    return geom(3, struct.pack("<I", len(rings)) + b"".join(points(r) for r in rings))


SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
ARC = geom(8, points([(0, 0), (1, 1), (2, 0)]))
CIRCLE = geom(8, points([(0, 0), (2, 0), (0, 0)]))


def run(values: list[bytes | None]):
    log = RepairLog(10)
    result = repair(
        np.array(values, dtype=object),
        np.arange(100, 100 + len(values)),
        log,
        transform=None,
        tolerance=1e-9,
    )
    return result, log, [shapely.from_wkb(e) for e in result.ewkb]


# -- curves ------------------------------------------------------------------------------------------


def test_an_arc_is_stroked_within_the_documented_tolerance():
    line = curves.stroke_arc(np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([2.0, 0.0]))
    assert line[0].tolist() == [0, 0] and line[-1].tolist() == [2, 0]
    radius = np.hypot(*(line - [1, 0]).T)
    assert np.allclose(radius, 1)  # the vertices lie on the circle
    chords = np.hypot(*np.diff(line, axis=0).T)
    sagitta = 1 - np.sqrt(1 - (chords / 2) ** 2)  # how far each chord strays from the arc
    assert (
        sagitta.max() <= curves.MAX_DEVIATION * 1.000001 and len(line) == 65
    )  # half a circle: 64 steps


def test_a_full_circle_and_collinear_arcs():
    circle = curves.stroke_circular_string(np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]]))
    assert circle[0].tolist() == circle[-1].tolist() == [0, 0] and len(circle) == 129
    assert abs(shapely.area(shapely.polygons(circle)) - math.pi) < 2e-3
    straight = curves.stroke_arc(np.array([0.0, 0.0]), np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    assert straight.tolist() == [[0, 0], [2, 0]]


def test_curved_geometries_are_linearised_and_counted():
    curve_polygon = geom(10, struct.pack("<I", 1) + CIRCLE)
    compound = geom(9, struct.pack("<I", 2) + ARC + geom(2, points([(2, 0), (0, 0)])))
    multi_surface = members(
        12, geom(10, struct.pack("<I", 1) + compound), polygon([(5, 5), (6, 5), (6, 6), (5, 5)])
    )
    result, log, geoms = run(
        [curve_polygon, ARC, members(11, ARC, geom(2, points([(3, 3), (4, 4)]))), multi_surface]
    )
    assert log.repairs["curves_linearized"] == 4 and log.dropped == {}
    assert [g.geom_type for g in geoms] == [
        "MultiPolygon",
        "MultiLineString",
        "MultiLineString",
        "MultiPolygon",
    ]
    assert abs(geoms[0].area - math.pi) < 2e-3 and all(g.is_valid for g in geoms)
    assert abs(geoms[3].area - (math.pi / 2 + 0.5)) < 2e-3


def test_curves_with_z_inside_a_collection_are_read():
    arc_z = (
        struct.pack("<BI", 1, 1008)
        + struct.pack("<I", 3)
        + b"".join(struct.pack("<ddd", x, y, 7) for x, y in [(0, 0), (1, 1), (2, 0)])
    )
    _, log, geoms = run([members(7, arc_z, geom(1, struct.pack("<dd", 5, 5)))])
    assert log.repairs["curves_linearized"] == 1
    assert sorted(g.geom_type for g in geoms) == ["MultiLineString", "MultiPoint"]


# -- bare rings, broken members, surfaces -------------------------------------------------------------


def test_a_bare_ring_beside_a_polygon_becomes_a_polygon():
    """A KML MultiGeometry of a LinearRing and a Polygon: OGR's type 101 for the ring."""
    ring = geom(101, points([(0, 0), (1, 0), (1, 1), (0, 1)]))
    flat = geom(101, points([(3, 3), (4, 4), (3, 3)]))
    _, log, geoms = run([members(7, ring, polygon([(5, 5), (6, 5), (6, 6), (5, 5)])), flat])
    assert log.repairs["bare_rings_salvaged"] == 2
    assert (
        geoms[0].geom_type == "MultiPolygon" and len(geoms[0].geoms) == 2 and geoms[0].area == 1.5
    )
    assert geoms[1].geom_type == "MultiLineString"  # a ring enclosing nothing is a line


def test_the_good_members_of_a_broken_collection_are_kept():
    truncated = struct.pack("<BII", 1, 7, 3) + polygon(SQUARE) + geom(2, points([(0, 0), (1, 1)]))
    garbage_member = members(6, polygon(SQUARE), b"\x07garbage")
    result, log, geoms = run([truncated, garbage_member])
    assert log.repairs["partly_salvaged"] == 2 and log.repairs["unbuildable_parts_dropped"] == 2
    assert sorted(result.kinds) == ["lines", "polygons", "polygons"] and list(result.rows) == [
        0,
        1,
        0,
    ]


def test_surfaces_become_polygons_and_rings_too_short_are_left_out():
    triangle = geom(17, struct.pack("<I", 1) + points([(0, 0), (1, 0), (0, 1), (0, 0)]))
    tin = members(
        16, triangle, geom(17, struct.pack("<I", 1) + points([(1, 0), (1, 1), (0, 1), (1, 0)]))
    )
    short_hole = geom(3, struct.pack("<I", 2) + points(SQUARE) + points([(1, 1)]))
    _, log, geoms = run([tin, short_hole])
    assert geoms[0].geom_type == "MultiPolygon" and geoms[0].area == pytest.approx(1.0)
    assert geoms[1].area == 100 and log.repairs["unbuildable_parts_dropped"] == 1


def test_nothing_buildable_is_dropped_as_unreadable():
    _, log, geoms = run(
        [geom(2, points([(1, 1)])), b"\x01\x63\x00\x00\x00", geom(2, struct.pack("<I", 10**9))]
    )
    assert geoms == [] and log.dropped == {"unreadable_geometry": 3}


# -- what PostGIS refuses or serves badly -------------------------------------------------------------


def test_empty_rings_and_parts_are_removed():
    empty_hole = polygon(SQUARE, [])
    empty_member = members(6, polygon(SQUARE), geom(3, struct.pack("<I", 0)))
    empty_point = members(
        4, geom(1, struct.pack("<dd", 1, 1)), geom(1, struct.pack("<dd", math.nan, math.nan))
    )
    _, log, geoms = run([empty_hole, empty_member, empty_point])
    assert log.repairs["empty_parts_removed"] == 3
    assert [len(g.geoms) for g in geoms[:2]] == [1, 1] and len(geoms[0].geoms[0].interiors) == 0
    assert geoms[2].wkt == "MULTIPOINT ((1 1))"


def test_non_finite_vertices_are_removed():
    _, log, geoms = run(
        [
            polygon([(0, 0), (10, 0), (math.nan, 5), (10, 10), (0, 10), (0, 0)]),
            geom(1, struct.pack("<dd", math.inf, 1)),
        ]
    )
    assert log.repairs["non_finite_vertices_removed"] == 1 and log.dropped == {"out_of_bounds": 1}
    assert geoms[0].area == 100 and np.isfinite(shapely.get_coordinates(geoms[0])).all()


# -- valid as served ----------------------------------------------------------------------------------


def served(geometry) -> shapely.Geometry:
    """What the features endpoint writes: every coordinate with 9 decimals."""
    return shapely.from_wkt(
        re.sub(
            r"-?\d+\.\d+(e-?\d+)?",
            lambda m: f"{float(m.group()):.9f}",
            shapely.to_wkt(geometry, rounding_precision=17, trim=False),
        )
    )


def test_a_component_that_collapses_at_the_served_precision_is_removed():
    """Natural Earth: make_valid left a 2e-19 deg² sliver beside a country, valid in
    PostGIS, collapsed (and invalid) once written with 9 decimals."""
    sliver = [(20, 20), (20 + 4e-10, 20), (20 + 2e-10, 20 + 3e-10), (20, 20)]
    source = shapely.MultiPolygon([shapely.Polygon(SQUARE), shapely.Polygon(sliver)])
    assert source.is_valid and not served(source).is_valid
    _, log, geoms = run([shapely.to_wkb(source)])
    assert geoms[0].is_valid and served(geoms[0]).is_valid and len(geoms[0].geoms) == 1
    assert shapely.equals_identical(
        served(geoms[0]), geoms[0]
    )  # stored on the grid: serving changes nothing


def test_parts_that_touch_once_rounded_are_merged():
    near = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1 + 3e-10, 0, 2, 1)])
    assert near.is_valid and not served(near).is_valid
    _, log, geoms = run([shapely.to_wkb(near)])
    assert (
        log.repairs["made_valid"] == 1
        and served(geoms[0]).is_valid
        and geoms[0].area == pytest.approx(2)
    )


def test_the_served_precision_is_the_features_endpoints():
    items = (ROOT / "infrastructure/db/queries/features/items.sql").read_text()
    assert f"ST_AsGeoJSON(t.geom, {precision.SERVED_DECIMALS})" in items


# -- the star-shaped proof ------------------------------------------------------------------------------


def proven(*shapes) -> list[bool]:
    geoms = np.array(
        [shapely.from_wkt(s) if isinstance(s, str) else s for s in shapes], dtype=object
    )
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    x, y = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
    return validity.star_shaped(x, y, index, validity.single_ring_polygons(geoms)).tolist()


def test_star_shaped_polygons_are_proven_and_others_are_not():
    assert (
        proven(
            "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))",
            "POLYGON ((0 0, 0 4, 4 4, 4 0, 0 0))",  # both windings
            "POLYGON ((0 0, 4 0, 4 4, 2 3, 0 4, 0 0))",  # concave, star
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))",
            "POLYGON ((0 0, 1 0, 1 0, 1 1, 0 0))",
        )
        == [True] * 5
    )  # an exact repeat is removed later
    assert (
        proven(
            "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",  # bow-tie
            "POLYGON ((0 0, 4 0, 4 4, 2 0, 0 4, 0 0))",  # touches itself
            "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))",  # a hole: GEOS decides
            "POLYGON ((0 0, 10 0, 10 1, 1 1, 1 9, 10 9, 10 10, 0 10, 0 0))",  # a C: simple, not star
            "POLYGON ((0 0, 1 0, 1.0000000002 0, 1 1, 0 0))",  # near-repeat: rounding may merge it
            "POLYGON ((0 0, 3e-10 0, 3e-10 3e-10, 0 0))",  # smaller than the served rounding
            "LINESTRING (0 0, 1 1)",
        )
        == [False] * 7
    )


def star(
    radii: list[float], turns: list[float], centre: tuple[float, float], size: float
) -> np.ndarray:
    angles = np.cumsum(turns) / np.sum(turns) * 2 * np.pi
    ring = (
        np.column_stack([np.cos(angles), np.sin(angles)]) * np.array(radii)[:, None] * size + centre
    )
    return np.vstack([ring, ring[:1]])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(3, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n),
            st.lists(st.floats(0.001, 1.0), min_size=n, max_size=n),
            st.tuples(st.floats(-179, 179), st.floats(-89, 89)),
            st.sampled_from([1.0, 1e-4, 1e-7, 1e-8, 4e-9, 2e-9]),
            st.integers(0, n - 1),
            st.floats(-2.0, 2.0),
        )
    )
)
def test_what_is_proven_is_valid_as_stored_and_as_served(case):
    """Random star rings at every scale down to a few grid steps, some with a vertex
    thrown off its ray (often no longer simple): whatever the proof clears, GEOS finds
    valid both as stored and as served (9 decimals)."""
    radii, turns, centre, size, moved, offset = case
    coords = star(radii, turns, centre, size)
    coords[moved] += offset * size
    coords[-1] = coords[0]
    shape = shapely.Polygon(coords)
    if proven(shape)[0]:
        assert shape.is_valid and served(shape).is_valid
