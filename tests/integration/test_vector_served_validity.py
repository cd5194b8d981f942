"""Valid as served (issue 14, item 2): geometries PostGIS calls valid but whose GeoJSON, at
the 9 decimals the features endpoint writes, is not — a sliver beside a country (Natural
Earth after make_valid), parts a fraction of a nanodegree apart, a hole grazing its shell, a
line shorter than the grid — are repaired on the served grid. Checked on what the API
returns, and on vector tiles PostGIS cuts at z14 and z20."""

import json
import math

import shapely
from shapely.geometry import mapping, shape

from tests.integration.vector_support import finish, put_blob, query, submit

X, Y = 10.001, 50.001  # everything within one z14 tile
E = 3e-10  # under half the served grid step (1e-9)


def feature(name: str, geometry) -> dict:
    return {"type": "Feature", "properties": {"name": name}, "geometry": mapping(geometry)}


def served(geometry) -> shapely.Geometry:
    """The geometry as the endpoint writes it (9 decimals), read back."""
    rounded = json.loads(json.dumps(mapping(geometry)), parse_float=lambda v: round(float(v), 9))
    return shape(rounded)


def sources() -> dict[str, shapely.Geometry]:
    square = shapely.box(X, Y, X + 0.001, Y + 0.001)
    sliver = shapely.Polygon([(X + 0.002, Y), (X + 0.002 + 4 * E, Y), (X + 0.002 + 2 * E, Y + E)])
    return {
        "country with a sliver": shapely.MultiPolygon([square, sliver]),
        "islands a hair apart": shapely.MultiPolygon(
            [
                shapely.box(X, Y + 0.002, X + 0.001, Y + 0.003),
                shapely.box(X + 0.001 + E, Y + 0.002, X + 0.002, Y + 0.003),
            ]
        ),
        "lake grazing its shore": shapely.Polygon(
            shapely.box(X, Y + 0.004, X + 0.001, Y + 0.005).exterior.coords,
            [shapely.box(X + E, Y + 0.0042, X + 0.0005, Y + 0.0045).exterior.coords],
        ),
        "plain field": shapely.box(X + 0.003, Y + 0.003, X + 0.004, Y + 0.004),
        "stub road": shapely.LineString([(X, Y + 0.006), (X + E, Y + 0.006 + E)]),
    }


def tile(z: int, lon: float, lat: float) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    )


def test_what_the_features_endpoint_serves_is_valid(api, engine_platform, workers, tag):
    geometries = sources()
    assert all(g.is_valid for g in geometries.values())  # valid in PostGIS...
    assert sum(not served(g).is_valid for g in geometries.values()) == 4  # ...not as served
    data = json.dumps(
        {"type": "FeatureCollection", "features": [feature(n, g) for n, g in geometries.items()]}
    )
    workers(threads=1)
    job = finish(
        engine_platform,
        submit(api, put_blob(engine_platform, data.encode(), "borders.geojson"), f"ne_{tag}"),
    )
    assert job["status"] == "completed", job["error"]
    report = job["result"]["report"]
    assert report["dropped"] == {"collapsed": 1} and report["dropped_samples"]["collapsed"] == [
        4
    ]  # the stub road
    assert report["validity"]["served_decimals"] == 9 and report["validity"]["invalid_after"] == 0

    table = f"ne_{tag}"  # the road collapsed: polygons only, one table
    items = api.get(f"/api/features/collections/{table}/items", params={"limit": 100}).json()[
        "features"
    ]
    assert len(items) == 4
    for item in items:
        geometry = shape(item["geometry"])
        assert geometry.is_valid, (item["properties"]["name"], shapely.is_valid_reason(geometry))
        assert all(
            len(ring.coords) >= 4
            for polygon in geometry.geoms
            for ring in [polygon.exterior, *polygon.interiors]
        )
    names = {item["properties"]["name"]: shape(item["geometry"]) for item in items}
    assert (
        len(names["country with a sliver"].geoms) == 1
    )  # the sliver, collapsed at the grid, is gone
    assert (
        abs(names["islands a hair apart"].area - 2e-6) < 1e-12
    )  # the two islands, now touching, one part

    # Repaired geometries are stored on the served grid: serving them changes nothing.
    unchanged = query(
        engine_platform,
        f"""
        SELECT name, ST_AsBinary(ST_GeomFromGeoJSON(ST_AsGeoJSON(geom, 9))) = ST_AsBinary(geom)
        FROM geo."{table}" WHERE name <> 'plain field' ORDER BY name""",
    )
    assert [ok for _, ok in unchanged] == [True, True, True]

    # Vector tiles at z14 and z20 (PostGIS's own MVT encoding) of every feature are valid.
    for z in (14, 20):
        x, y = tile(z, X + 0.0005, Y + 0.0005)
        cut = query(
            engine_platform,
            f"""
            SELECT count(*) FILTER (WHERE g IS NOT NULL), bool_and(ST_IsValid(g))
            FROM (SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope({z}, {x}, {y})) AS g
                  FROM geo."{table}") t""",
        )
        assert cut[0][0] >= 1 and cut[0][1] is True, (z, cut)
