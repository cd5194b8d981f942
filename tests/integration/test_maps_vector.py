"""OGC API – Features filters (datetime, queryable equality, CQL2 text and JSON, sortby,
properties) and vector tiles (MVT at z0 and z14, empty tiles, 404s, TileJSON, pyramids),
as clients use them: the API, GDAL's OAPIF driver and GDAL's MVT driver."""

import json
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import pytest
import shapely

from core.features.query import FeatureQuery
from core.tiles import Tile
from infrastructure.db import catalog, tile_pyramids
from services.engine.worker import WorkerPool
from services.tiles import vector
from services.tiles.cache import TileCache
from services.tiles.pyramids import Pyramids
from tests.integration.vector_support import finish, put_blob, submit
from tests.vector_samples import written

# Ids follow the rows: 1 big (10°), 2 small (0.001°), 3 medium (1°), 4 late (1°).
ROWS = [
    ("big", "a", 1, "2020-01-05", shapely.box(0, 0, 10, 10)),
    ("small", "b", 2, "2021-06-01", shapely.box(20, 20, 20.001, 20.001)),
    ("medium", "a", 3, "2022-03-03", shapely.box(40, -20, 41, -19)),
    ("late", "c", 4, "2024-12-31", shapely.box(-60, 30, -59, 31)),
]


@pytest.fixture(scope="module")
def table(engine_platform, platform):
    frame = gpd.GeoDataFrame(
        {
            "name": [r[0] for r in ROWS],
            "category": [r[1] for r in ROWS],
            "count": [r[2] for r in ROWS],
            "observed_date": [r[3] for r in ROWS],
        },
        geometry=[r[4] for r in ROWS],
        crs="EPSG:4326",
    )
    pool = WorkerPool(
        engine_platform.engine,
        engine_platform.engine.jobs.handlers,
        engine_platform,
        threads=2,
        heartbeat_seconds=0.3,
        batch_size=50,
        poll_seconds=0.05,
    )
    pool.start()
    try:
        from fastapi.testclient import TestClient

        from tests.conftest import ADMIN_HEADERS
        from triggers.http.app import create_app

        with TestClient(create_app(engine_platform), headers=ADMIN_HEADERS) as api:
            blob = put_blob(engine_platform, written(frame, "GeoJSON", ".geojson"), "maps.geojson")
            job = finish(engine_platform, submit(api, blob, "maps_vector"))
    finally:
        pool.stop()
    assert job["status"] == "completed", job["error"]
    return "maps_vector"


def names(api, table, **params):
    response = api.get(f"/api/features/collections/{table}/items", params=params)
    assert response.status_code == 200, response.text
    return [f["properties"]["name"] for f in response.json()["features"]]


def problem(api, table, **params):
    response = api.get(f"/api/features/collections/{table}/items", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["detail"]


def test_datetime_instants_and_intervals_on_the_detected_time_column(api, table):
    extent = api.get(f"/api/features/collections/{table}").json()["extent"]["temporal"]["interval"]
    assert extent == [["2020-01-05T00:00:00Z", "2024-12-31T00:00:00Z"]]
    assert names(api, table, datetime="2020-01-05") == ["big"]
    assert names(api, table, datetime="2021-06-01T00:00:00Z") == ["small"]
    assert names(api, table, datetime="2021-01-01/..") == ["small", "medium", "late"]
    assert names(api, table, datetime="../2020-12-31") == ["big"]
    assert names(api, table, datetime="2020-01-01T00:00:00Z/2022-03-03") == [
        "big",
        "small",
        "medium",
    ]
    assert names(api, table, datetime="/2020-01-05") == ["big"]
    for bad in ("garbage", "../..", "2024-01-01/2020-01-01", "2020-13-01", "2020-01-01T25:00:00Z"):
        assert "datetime" in problem(api, table, datetime=bad)


def test_queryable_equality_and_unknown_parameters(api, table):
    assert names(api, table, category="a") == ["big", "medium"]
    assert names(api, table, count="2") == ["small"]
    assert names(api, table, category="a", count="3") == ["medium"]
    assert "is a number" in problem(api, table, count="two")
    assert "unknown query parameter 'colour'" in problem(api, table, colour="red")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("count > 1 AND category = 'a'", ["medium"]),
        ("name LIKE 'sm%'", ["small"]),
        ("CASEI(name) LIKE 'BI%'", ["big"]),
        ("count BETWEEN 2 AND 3", ["small", "medium"]),
        ("category IN ('b', 'c')", ["small", "late"]),
        ("NOT category = 'a'", ["small", "late"]),
        ("observed_date IS NULL", []),
        ("S_INTERSECTS(geometry, BBOX(-1, -1, 11, 11))", ["big"]),
        ("S_INTERSECTS(geometry, POINT(40.5 -19.5))", ["medium"]),
        ("T_AFTER(observed_date, DATE('2021-12-31'))", ["medium", "late"]),
        ("T_DURING(observed_date, INTERVAL('2021-01-01', '2022-12-31'))", ["small", "medium"]),
        ("observed_date >= DATE('2022-01-01') OR count = 1", ["big", "medium", "late"]),
    ],
)
def test_cql2_text_filters(api, table, text, expected):
    assert names(api, table, filter=text) == expected


def test_cql2_json_filters_and_paging_keeps_the_filter(api, table):
    document = {"op": "=", "args": [{"property": "category"}, "a"]}
    response = api.get(
        f"/api/features/collections/{table}/items",
        params={"filter": json.dumps(document), "filter-lang": "cql2-json", "limit": 1},
    )
    body = response.json()
    assert body["numberMatched"] == 2 and [f["properties"]["name"] for f in body["features"]] == [
        "big"
    ]
    following = api.get(
        next(link["href"] for link in body["links"] if link["rel"] == "next")
    ).json()
    assert [f["properties"]["name"] for f in following["features"]] == ["medium"]


@pytest.mark.parametrize(
    "params,says",
    [
        ({"filter": "count >"}, "not valid cql2-text"),
        ({"filter": "{bad", "filter-lang": "cql2-json"}, "not valid cql2-json"),
        ({"filter": "x = 1", "filter-lang": "sql"}, "filter-lang"),
        ({"filter": "colour = 'red'"}, "not a queryable"),
        ({"filter": "count = 'many'"}, "is a number"),
        ({"filter": "count + 1 > 2"}, "expected a property"),
        ({"filter": "T_AFTER(name, DATE('2020-01-01'))"}, "needs a date or time property"),
        ({"filter": "S_INTERSECTS(geometry, BBOX(1, 2, 3))"}, "four numbers"),
        ({"filter": "count = 1", "filter-crs": "EPSG:3857"}, "CRS84"),
        ({"filter": "name = 'a\x00b'"}, "NUL"),
    ],
)
def test_malformed_filters_are_400_naming_the_problem(api, table, params, says):
    assert says in problem(api, table, **params)


def test_sortby_and_properties(api, table):
    assert names(api, table, sortby="-count") == ["late", "medium", "small", "big"]
    assert names(api, table, sortby="category,-count") == ["medium", "big", "small", "late"]
    body = api.get(
        f"/api/features/collections/{table}/items", params={"properties": "name,count", "limit": 1}
    ).json()
    assert body["features"][0]["properties"] == {"name": "big", "count": 1}
    assert "sortby" in problem(api, table, sortby="colour")
    assert "properties" in problem(api, table, properties="name,colour")


def decode(data: bytes, table: str) -> list[dict]:
    layers = mapbox_vector_tile.decode(data)
    assert list(layers) == [f"geo.{table}"]
    return layers[f"geo.{table}"]["features"]


def tile(api, table, z, y, x, **params):
    return api.get(
        f"/api/features/collections/{table}/tiles/WebMercatorQuad/{z}/{y}/{x}", params=params
    )


def test_vector_tiles_decode_to_the_right_features(api, table):
    world = tile(api, table, 0, 0, 0)
    assert (
        world.status_code == 200
        and world.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    )
    features = decode(world.content, table)
    # z0: one pixel is ~0.7°; the 0.001° square is left out, the others drawn with their attributes.
    assert sorted(f["properties"]["name"] for f in features) == ["big", "late", "medium"]
    big = next(f for f in features if f["properties"]["name"] == "big")
    assert (
        big["id"] == 1
        and big["properties"]["category"] == "a"
        and big["geometry"]["type"] == "Polygon"
    )

    z14 = Tile.checked(14, *_column_row(20.0005, 20.0005, 14))
    close = decode(tile(api, table, 14, z14.y, z14.x).content, table)
    assert [f["properties"]["name"] for f in close] == ["small"] and close[0]["id"] == 2
    ring = close[0]["geometry"]["coordinates"][0]
    assert len(ring) == 5  # the square, not simplified away

    assert tile(api, table, 5, 31, 0).status_code == 204  # the Pacific: nothing there
    assert tile(api, table, 3, 0, 99).status_code == 404
    assert tile(api, "no_such_table", 0, 0, 0).status_code == 404
    assert (
        api.get(f"/api/features/collections/{table}/tiles/WorldCRS84Quad/0/0/0").status_code == 404
    )


def test_tiles_take_the_features_filters(api, table):
    only_a = decode(tile(api, table, 0, 0, 0, filter="category = 'a'").content, table)
    assert sorted(f["properties"]["name"] for f in only_a) == ["big", "medium"]
    recent = decode(tile(api, table, 0, 0, 0, datetime="2023-01-01/..").content, table)
    assert [f["properties"]["name"] for f in recent] == ["late"]
    slim = decode(tile(api, table, 0, 0, 0, properties="name").content, table)
    assert all(set(f["properties"]) == {"name"} for f in slim)
    by_value = decode(tile(api, table, 0, 0, 0, category="c").content, table)
    assert [f["properties"]["name"] for f in by_value] == ["late"]
    assert tile(api, table, 0, 0, 0, filter="count >").status_code == 400
    assert tile(api, table, 0, 0, 0, limit="3").status_code == 400  # not a tile parameter


def test_tilejson_and_tilesets(api, table):
    document = api.get(f"/api/features/collections/{table}/tilejson.json").json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"][0].endswith(
        f"/api/features/collections/{table}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    )
    assert document["vector_layers"][0]["id"] == f"geo.{table}"
    assert document["vector_layers"][0]["fields"]["count"] == "Number"
    assert document["bounds"] == [-60.0, -20.0, 41.0, 31.0]
    filtered = api.get(
        f"/api/features/collections/{table}/tilejson.json", params={"filter": "count = 1"}
    ).json()
    assert filtered["tiles"][0].endswith("?filter=count+%3D+1")
    assert (
        api.get(
            f"/api/features/collections/{table}/tilejson.json", params={"filter": "nope ="}
        ).status_code
        == 400
    )
    tilesets = api.get(f"/api/features/collections/{table}/tiles").json()["tilesets"]
    assert tilesets[0]["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    tileset = api.get(f"/api/features/collections/{table}/tiles/WebMercatorQuad").json()
    assert tileset["layers"][0]["id"] == f"geo.{table}" and tileset["dataType"] == "vector"
    links = {link["rel"] for link in api.get(f"/api/features/collections/{table}").json()["links"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector" in links


def test_a_pyramid_serves_the_same_tiles_as_the_table(engine_platform, table):
    db = engine_platform.db
    with db.connection() as conn:
        meta = catalog.get_vector_metadata(conn, table)
    pyramids = Pyramids(db, min_features=1)
    with db.connection() as conn:
        direct = vector.tile(
            conn,
            TileCache(0),
            Pyramids(db, min_features=10**9),
            meta,
            Tile(1, 1, 0),
            FeatureQuery(),
            "",
        )
    assert pyramids.build_now(meta)
    with db.connection() as conn:
        assert tile_pyramids.registered(conn, meta)
        assert tile_pyramids.tile(conn, meta, Tile(1, 1, 0)) == direct
        assert tile_pyramids.tile(conn, meta, Tile(2, 0, 0)) == b""  # nothing there: no row
    with db.connection() as conn:
        served = vector.tile(conn, TileCache(0), pyramids, meta, Tile(1, 1, 0), FeatureQuery(), "")
    assert served == direct and decode(served, table)


def test_gdal_reads_a_filtered_collection_and_a_tile(engine_platform, table, tmp_path):
    """GDAL as QGIS uses it: the OAPIF driver with an attribute filter, the MVT driver on a tile."""
    import httpx
    import pyogrio

    from tests.support import served_app

    with served_app(engine_platform.settings, LOCAL_WORKERS="0") as url:
        frame = pyogrio.read_dataframe(
            f"OAPIF:{url}/api/features", layer=table, where="category = 'a'"
        )
        data = httpx.get(
            f"{url}/api/features/collections/{table}/tiles/WebMercatorQuad/0/0/0", timeout=30
        ).content
    assert sorted(frame["name"]) == ["big", "medium"]
    path = tmp_path / "0" / "0" / "0.pbf"  # the z/x/y.pbf layout GDAL's MVT driver reads
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    layers = [name for name, _ in pyogrio.list_layers(Path(path))]
    assert layers == [f"geo.{table}"]
    tiled = pyogrio.read_dataframe(path, layer=f"geo.{table}")
    assert sorted(tiled["name"]) == ["big", "late", "medium"] and tiled.crs.to_epsg() == 3857


def _column_row(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    side = 1 << z
    x = int((lon + 180) / 360 * side)
    y = int(
        (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi)
        / 2
        * side
    )
    return x, y
