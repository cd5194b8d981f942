"""What the repair emits is what PostGIS accepts (issue 14, item 4), by test: generated messy
WKB — empty and short rings, unclosed rings, NaN vertices, curves, bare rings, nested and
truncated collections, Z, coordinates a fraction of the served grid apart — goes through
the repair and then through the binary COPY the loader uses. PostGIS must take every row,
each must be valid, valid again once served with 9 decimals, and every feature accounted for."""

import math
import struct

import numpy as np
import psycopg
from psycopg.rows import dict_row
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from services.vector.ewkb import multi_ewkb
from services.vector.repair import SRID, repair
from services.vector.report import RepairLog
from services.vector.staging import geometry_dumper

# Coordinates on a coarse lattice (so rings touch, cross and repeat), nudged now and then by
# less than the served grid step, with the odd NaN and the odd out-of-range value.
coordinate = st.one_of(
    st.integers(-3, 3).map(float),
    st.tuples(st.integers(-3, 3), st.sampled_from([3e-10, -4e-10, 1e-9, 7e-10])).map(
        lambda t: t[0] + t[1]
    ),
    st.sampled_from([math.nan, 179.9999999997, -180.0, 95.0]),
)
point = st.tuples(coordinate, coordinate)


def counted(values: list[tuple[float, float]], dims: int = 2) -> bytes:
    return struct.pack("<I", len(values)) + b"".join(
        struct.pack("<" + "d" * dims, *v, *([7.0] * (dims - 2))) for v in values
    )


def header(code: int, dims: int) -> bytes:
    return struct.pack("<BI", 1, code + (1000 if dims == 3 else 0))


@st.composite
def ring(draw) -> list[tuple[float, float]]:
    body = draw(st.lists(point, min_size=0, max_size=7))
    return body + body[:1] if body and draw(st.booleans()) else body  # closed, or left open


@st.composite
def geometry(draw, depth: int = 0) -> bytes:
    dims = draw(st.sampled_from([2, 2, 3]))
    kind = draw(
        st.sampled_from(
            ["point", "line", "polygon", "curve", "curvepolygon", "ring"]
            + (["multi", "collection"] if depth < 2 else [])
        )
    )
    if kind == "point":
        return header(1, dims) + counted([draw(point)], dims)[4:]
    if kind == "line":
        return header(2, dims) + counted(draw(st.lists(point, max_size=5)), dims)
    if kind == "ring":
        return header(101, 2) + counted(draw(ring()))
    if kind == "curve":
        return header(8, dims) + counted(draw(st.lists(point, max_size=7)), dims)
    if kind == "polygon":
        rings = draw(st.lists(ring(), max_size=3))
        return (
            header(3, dims)
            + struct.pack("<I", len(rings))
            + b"".join(counted(r, dims) for r in rings)
        )
    if kind == "curvepolygon":
        arcs = draw(st.lists(st.lists(point, min_size=3, max_size=5), min_size=1, max_size=2))
        return (
            header(10, 2)
            + struct.pack("<I", len(arcs))
            + b"".join(header(8, 2) + counted(a + a[:1]) for a in arcs)
        )
    members = draw(st.lists(geometry(depth + 1), max_size=3))
    code = {"multi": draw(st.sampled_from([4, 5, 6])), "collection": 7}[kind]
    return struct.pack("<BII", 1, code, len(members)) + b"".join(members)


@st.composite
def messy_wkb(draw) -> bytes | None:
    value = draw(st.one_of(st.none(), geometry()))
    if value is not None and draw(st.integers(0, 9)) == 0:
        value = value[: draw(st.integers(0, len(value)))]  # truncated in transit
    return value


@pytest.fixture(scope="module")
def conn(settings):
    with psycopg.connect(settings.dsn, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("CREATE TEMP TABLE accepted (id int, geom geometry)")
        yield conn


def copied(conn, geometries: list[bytes]) -> None:
    oid = geometry_dumper(conn)
    conn.execute("TRUNCATE accepted")
    with (
        conn.cursor() as cursor,
        cursor.copy("COPY accepted (id, geom) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["int4", oid])
        for position, value in enumerate(geometries):
            copy.write_row((position, value))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(messy_wkb(), min_size=1, max_size=12))
def test_postgis_accepts_whatever_the_repair_emits(conn, values):
    note(f"values: {[v.hex() if v is not None else None for v in values]}")
    log = RepairLog(5)
    result = repair(
        np.array(values + [None], dtype=object)[:-1],
        np.arange(len(values)),
        log,
        transform=None,
        tolerance=1e-9,
    )
    copied(conn, [multi_ewkb(w, SRID) for w in result.wkb])  # PostGIS refuses nothing
    checks = conn.execute("""SELECT count(*) AS rows, coalesce(bool_and(ST_IsValid(geom)), true) AS valid,
                                    coalesce(bool_and(ST_IsValid(ST_GeomFromGeoJSON(ST_AsGeoJSON(geom, 9)))), true)
                                        AS valid_served,
                                    coalesce(bool_and(ST_NDims(geom) = 2 AND ST_SRID(geom) = 4326
                                                      AND NOT ST_IsEmpty(geom)), true) AS plain
                             FROM accepted""").fetchone()
    assert list(checks.values()) == [len(result.wkb), True, True, True]
    kept = len(np.unique(result.rows))
    assert kept + sum(log.dropped.values()) == len(values)  # every feature accounted for
