"""h3_aggregate end to end on Azurite, PostGIS and pgSTAC, against answers known from the
rasters' construction (tests/h3_samples.py): constant and gradient values, nodata, edge
cells, classes, a mosaic, the antimeridian; re-runs replace, retries do not add."""

import h3.api.basic_int as h3
import mapbox_vector_tile
import psycopg
import pytest
import shapely
from pyproj import Transformer

from psycopg.types.json import Jsonb

from core.tiles import Tile, tiles_covering
from infrastructure.db import zonal_stats
from infrastructure.db.pgstac_loader import pgstac_writer
from infrastructure.db.queries import sql
from services.h3 import handlers
from services.tiles.layers import job_outputs, map_href
from tests import h3_samples as samples
from tests.integration.vector_support import put_blob
from tests.support import reading_continuously, wait_for_status
from tests.vector_samples import geojson

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
RASTER_BOX = shapely.box(
    samples.WEST,
    samples.NORTH - samples.SIDE * samples.PIXEL,
    samples.WEST + samples.SIDE * samples.PIXEL,
    samples.NORTH,
)
VALID_BOX = shapely.box(
    samples.WEST + samples.NODATA_COLUMNS * samples.PIXEL,
    RASTER_BOX.bounds[1],
    RASTER_BOX.bounds[2],
    RASTER_BOX.bounds[3],
)
PIXEL_AREA = samples.PIXEL**2


def put_silver(platform, name: str, content: bytes) -> str:
    platform.blobs.client.get_blob_client(platform.settings.silver_container, name).upload_blob(
        content, overwrite=True
    )
    return name


def run(api, platform, **parameters) -> dict:
    response = api.post("/api/jobs/submit/h3_aggregate", json=parameters)
    assert response.status_code in (200, 202), response.text
    return finished(api, platform, response.json()["job_id"])


def finished(api, platform, job_id: str) -> dict:
    wait_for_status(platform, job_id, DONE, timeout=120)
    return api.get(f"/api/jobs/status/{job_id}").json()


def cells_of(platform, source_id: str, resolution: int) -> dict[int, dict]:
    with psycopg.connect(platform.settings.dsn, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute(
            "SELECT * FROM h3.zonal_stats WHERE source_id = %s AND resolution = %s",
            (source_id, resolution),
        ).fetchall()
    return {row["cell"]: row for row in rows}


def hexagon(cell: int):
    return shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


@pytest.fixture()
def rasters(engine_platform, platform, tag):
    """The sample rasters in silver, named for this test."""
    return {
        name: put_silver(engine_platform, f"h3-{tag}/{name}.tif", make())
        for name, make in (
            ("values", samples.constant_and_gradient),
            ("classes", samples.stripes),
            ("fiji", samples.across_antimeridian),
            ("west", samples.west_of_minus_179),
        )
    }


def test_constant_gradient_nodata_and_edge_cells_have_their_known_answers(
    api, engine_platform, workers, rasters
):
    workers(threads=2)
    status = run(api, engine_platform, blob=rasters["values"], resolution=7)
    assert status["status"] == "completed", status["error"]
    source_id = f"{engine_platform.settings.silver_container}/{rasters['values']}"
    found = cells_of(engine_platform, source_id, 7)
    assert status["result"]["cells"] == len(found) > 100

    for cell, row in found.items():
        valid = shapely.intersection(hexagon(cell), VALID_BOX)
        assert valid.area > 0, "a cell with no valid pixel was written"
        assert row["count"] == pytest.approx(
            valid.area / PIXEL_AREA, rel=1e-6
        )  # coverage-weighted, not centroids
        assert row["mean"] == pytest.approx(samples.CONSTANT, abs=1e-9)
        assert row["min"] == row["max"] == pytest.approx(samples.CONSTANT)
        assert row["sum"] == pytest.approx(samples.CONSTANT * row["count"], rel=1e-9)
        assert row["coverage"] == pytest.approx(valid.area / hexagon(cell).area, rel=1e-6)
        assert row["majority"] is None and row["fractions"] is None  # not asked for

    overlapping = set(
        h3.h3shape_to_cells_experimental(h3.geo_to_h3shape(RASTER_BOX), 7, contain="overlap")
    )
    nodata_only = {c for c in overlapping if shapely.intersection(hexagon(c), VALID_BOX).area == 0}
    assert nodata_only and not nodata_only & set(found)  # left out, not zeros
    assert set(found) == overlapping - nodata_only
    partial = [r for c, r in found.items() if not hexagon(c).within(VALID_BOX)]
    assert partial and all(0 < r["coverage"] < 1 for r in partial)  # edge cells partly covered

    with psycopg.connect(engine_platform.settings.dsn) as conn:  # what the dashboard sums
        cells, label = conn.execute(
            "SELECT sum((progress->>'cells')::float), max(progress->>'resolution') FROM app.tasks "
            "WHERE job_id = %s AND task_type = 'h3.cells'",
            (status["job_id"],),
        ).fetchone()
    assert cells == len(overlapping) and label == "r7"


def test_a_gradient_averages_to_each_cells_centroid(api, engine_platform, workers, rasters):
    """Band 2 holds each pixel's centre longitude: over a fully covered cell the
    coverage-weighted mean is the hexagon's centroid longitude, up to how the partly
    covered boundary pixels round (far below a pixel)."""
    workers(threads=2)
    status = run(
        api,
        engine_platform,
        blob=rasters["values"],
        band=2,
        resolution=7,
        statistics=["mean", "sum"],
    )
    assert status["status"] == "completed", status["error"]
    found = cells_of(
        engine_platform, f"{engine_platform.settings.silver_container}/{rasters['values']}", 7
    )
    inside = {c: r for c, r in found.items() if hexagon(c).within(VALID_BOX)}
    assert len(inside) > 50
    for cell, row in inside.items():
        assert row["mean"] == pytest.approx(hexagon(cell).centroid.x, abs=0.1 * samples.PIXEL)
        assert row["sum"] == pytest.approx(row["mean"] * row["count"], rel=1e-9)


def test_classes_give_a_majority_and_fractions_summing_to_one(
    api, engine_platform, workers, rasters
):
    workers(threads=2)
    status = run(api, engine_platform, blob=rasters["classes"], resolution=7)
    assert status["status"] == "completed", status["error"]
    assert status["result"]["statistics"] == [
        "count",
        "majority",
        "fractions",
    ]  # inferred categorical
    found = cells_of(
        engine_platform, f"{engine_platform.settings.silver_container}/{rasters['classes']}", 7
    )
    assert len(found) > 100
    valid = shapely.box(
        RASTER_BOX.bounds[0],
        RASTER_BOX.bounds[1],
        RASTER_BOX.bounds[2],
        samples.NORTH - 40 * samples.PIXEL,
    )
    for cell, row in found.items():
        fractions = row["fractions"]
        assert sum(fractions.values()) == pytest.approx(1.0) and set(fractions) <= {"1", "2", "3"}
        assert row["majority"] == float(max(fractions, key=fractions.get))
        shares = class_shares(shapely.intersection(hexagon(cell), valid))
        assert fractions == pytest.approx({k: v for k, v in shares.items() if v > 0}, abs=1e-6)
        assert row["mean"] is None


def class_shares(area) -> dict[str, float]:
    """Each stripe's share of `area`: class 1 + (column // 50) % 3, as the raster was made."""
    shares = {"1": 0.0, "2": 0.0, "3": 0.0}
    for stripe in range(samples.SIDE // 50):
        west = samples.WEST + stripe * 50 * samples.PIXEL
        piece = shapely.intersection(area, shapely.box(west, -90, west + 50 * samples.PIXEL, 90))
        shares[str(1 + stripe % 3)] += piece.area / area.area
    return shares


def test_across_the_antimeridian_cells_on_both_sides_are_whole_and_served_cut(
    api, engine_platform, workers, rasters
):
    workers(threads=2)
    status = run(
        api,
        engine_platform,
        blob=rasters["fiji"],
        resolution=6,
        bbox=[179.8, -17.1, -179.8, -16.85],
    )
    assert status["status"] == "completed", status["error"]
    found = cells_of(
        engine_platform, f"{engine_platform.settings.silver_container}/{rasters['fiji']}", 6
    )
    longitudes = [h3.cell_to_latlng(c)[1] for c in found]
    assert min(longitudes) < -179.8 < 0 < 179.8 < max(longitudes)  # both sides, nothing in between
    to_utm = Transformer.from_crs(4326, samples.UTM_60S, always_xy=True)
    raster = shapely.box(
        samples.UTM_WEST,
        samples.UTM_NORTH - 400 * samples.UTM_PIXEL,
        samples.UTM_WEST + 600 * samples.UTM_PIXEL,
        samples.UTM_NORTH,
    )
    straddling = 0
    for cell, row in found.items():
        ring = [(lng + 360 if lng < 0 else lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
        straddling += max(x for x, _ in ring) > 180
        utm = shapely.Polygon([to_utm.transform(x, y) for x, y in ring])
        assert row["mean"] == pytest.approx(3.0)
        assert row["count"] == pytest.approx(
            shapely.intersection(utm, raster).area / samples.UTM_PIXEL**2, rel=1e-6
        )
    assert straddling > 0

    collection_id = status["result"]["collection_id"]
    page = api.get(
        f"/api/h3/features/collections/{collection_id}/items",
        params={"bbox": "179.99,-17.1,-179.99,-16.85", "limit": 1000},
    ).json()
    assert 0 < page["numberMatched"] == page["numberReturned"] < len(found)
    for feature in page["features"]:
        coordinates = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))
        assert (abs(coordinates[:, 0]) <= 180).all()
    assert "MultiPolygon" in {f["geometry"]["type"] for f in page["features"]}  # cut at 180°
    east, west = (Tile(6, *_column_row(lon, -17.0, 6)) for lon in (179.99, -179.99))
    on_both = [
        {
            f["properties"]["cell"]
            for f in decoded(h3_tile(api, collection_id, t.z, t.y, t.x), collection_id)
        }
        for t in (east, west)
    ]
    assert on_both[0] & on_both[1]  # a straddling cell in both tiles

    # A geographic raster starting at -180°: a cell across it counts the part on the raster's side.
    status = run(
        api, engine_platform, blob=rasters["west"], resolution=6, bbox=[179.9, -17.1, -179.7, -16.9]
    )
    assert status["status"] == "completed", status["error"]
    west = cells_of(
        engine_platform, f"{engine_platform.settings.silver_container}/{rasters['west']}", 6
    )
    raster = shapely.box(-180.0, -17.2, -179.6, -16.8)
    crossing = 0
    for cell, row in west.items():
        ring = [(lng - 360 if lng > 0 else lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
        crossing += min(x for x, _ in ring) < -180
        covered = shapely.intersection(shapely.Polygon(ring), raster).area
        assert row["count"] == pytest.approx(covered / PIXEL_AREA, rel=1e-6) and row[
            "mean"
        ] == pytest.approx(5.0)
    assert crossing > 0


def test_cells_are_served_as_ogc_features_with_paging_bbox_and_a_stac_item(
    api, engine_platform, workers, rasters
):
    workers(threads=2)
    status = run(api, engine_platform, blob=rasters["values"], resolution=7)
    result = status["result"]
    collection_id, cells = result["collection_id"], result["cells"]
    listing = api.get("/api/h3/aggregations").json()["aggregations"]
    assert collection_id in {a["collection_id"] for a in listing}
    assert api.get("/api/h3/features/collections").status_code == 200
    assert api.get(f"/api/h3/features/collections/{collection_id}").json()["id"] == collection_id

    first = api.get(result["features_url"], params={"limit": 50})
    assert first.status_code == 200 and first.headers["content-type"].startswith(
        "application/geo+json"
    )
    body = first.json()
    assert body["numberMatched"] == cells and body["numberReturned"] == 50
    second = api.get(next(link["href"] for link in body["links"] if link["rel"] == "next")).json()
    ids = [f["id"] for f in body["features"]] + [f["id"] for f in second["features"]]
    assert len(set(ids)) == len(ids) == 100  # pages do not overlap
    feature = body["features"][0]
    assert feature["properties"]["mean"] == pytest.approx(samples.CONSTANT)
    assert shapely.geometry.shape(feature["geometry"]).equals_exact(
        hexagon(h3.str_to_int(feature["id"])), 1e-9
    )

    corner = api.get(
        result["features_url"], params={"bbox": "10.35,0.6,10.4,0.65", "limit": 1000}
    ).json()
    assert 0 < corner["numberMatched"] < cells
    assert all(
        shapely.geometry.shape(f["geometry"]).intersects(shapely.box(10.35, 0.6, 10.4, 0.65))
        or shapely.geometry.shape(f["geometry"]).envelope.intersects(
            shapely.box(10.35, 0.6, 10.4, 0.65)
        )
        for f in corner["features"]
    )
    one = api.get(f"{result['features_url']}/{feature['id']}")
    assert one.status_code == 200 and one.json()["properties"] == feature["properties"]
    assert api.get(f"{result['features_url']}/not-a-cell").status_code == 404
    assert (
        api.get(f"{result['features_url']}/{h3.int_to_str(h3.latlng_to_cell(0, 0, 7))}").status_code
        == 404
    )
    assert api.get("/api/h3/features/collections/no-such/items").status_code == 404
    assert api.get(result["features_url"], params={"bbox": "1,2,3"}).status_code == 400

    item = api.get(result["stac_item_url"]).json()
    assert (
        item["properties"]["h3:resolution"] == 7
        and item["properties"]["geoetl:cell_count"] == cells
    )
    assert item["properties"]["geoetl:statistics"] == [
        "count",
        "sum",
        "mean",
        "min",
        "max",
        "stddev",
    ]
    assert item["properties"]["geoetl:source"]["id"].endswith(rasters["values"])
    assert item["assets"]["cells"]["href"].endswith(
        f"/api/h3/features/collections/{collection_id}/items"
    )


def test_a_rerun_replaces_the_set_atomically_and_a_retried_task_adds_nothing(
    api, engine_platform, workers, rasters, monkeypatch
):
    workers(threads=2)
    source_id = f"{engine_platform.settings.silver_container}/{rasters['values']}"
    first = run(api, engine_platform, blob=rasters["values"], resolution=7)["result"]["cells"]
    failed_once = set()
    stage_cells = zonal_stats.stage_cells

    def fail_after_writing(conn, job_id, attempt, columns):
        """The first cell task writes its rows, then fails before completing: retried."""
        stage_cells(conn, job_id, attempt, columns)
        if not failed_once:
            failed_once.add(job_id)
            conn.commit()
            raise RuntimeError("the worker lost its connection after writing")

    monkeypatch.setattr(handlers.zonal_stats, "stage_cells", fail_after_writing)
    query = (
        f"SELECT count(*) FROM h3.zonal_stats WHERE source_id = '{source_id}' AND resolution = 7"
    )
    with reading_continuously(engine_platform.settings.dsn, query) as readings:
        second = run(
            api, engine_platform, blob=rasters["values"], resolution=7, bbox=[10.2, 0.7, 10.3, 0.8]
        )
    assert second["status"] == "completed", second["error"]
    tasks = api.get(f"/api/jobs/{second['job_id']}/tasks", params={"limit": 1000}).json()["items"]
    assert any(
        t["task_type"] == "h3.cells" and t["tries"] == 2 for t in tasks
    )  # one task ran twice
    found = cells_of(engine_platform, source_id, 7)
    assert len(found) == second["result"]["cells"] < first  # replaced, not added to
    for cell, row in found.items():
        assert row["count"] == pytest.approx(
            shapely.intersection(hexagon(cell), VALID_BOX).area / PIXEL_AREA, rel=1e-6
        )
        assert row["job_id"] == second["job_id"]
    assert not readings.errors and readings.values <= {
        first,
        len(found),
    }  # never a half-replaced set
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM h3.zonal_stats_staging WHERE job_id = %s", (second["job_id"],)
            ).fetchone()[0]
            == 0
        )


def test_an_area_from_a_published_polygon_table_and_filter(
    api, engine_platform, workers, rasters, tag
):
    workers(threads=2)
    west_half = shapely.box(10.1, 0.6, 10.25, 1.0)
    countries = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": shapely.geometry.mapping(shape),
        }
        for name, shape in (
            ("westland", west_half),
            ("eastland", shapely.box(10.25, 0.6, 10.4, 1.0)),
        )
    ]
    blob = put_blob(engine_platform, geojson(countries), "countries.geojson")
    loaded = finished(api, engine_platform, submit_vector(api, blob, f"countries_{tag}"))
    assert loaded["status"] == "completed", loaded["error"]
    table = loaded["result"]["tables"][0]

    status = run(
        api,
        engine_platform,
        blob=rasters["values"],
        resolution=7,
        table=table,
        filter={"name": "westland"},
    )
    assert status["status"] == "completed", status["error"]
    found = cells_of(
        engine_platform, f"{engine_platform.settings.silver_container}/{rasters['values']}", 7
    )
    expected = set(
        h3.h3shape_to_cells_experimental(h3.geo_to_h3shape(west_half), 7, contain="overlap")
    )
    assert set(found) == expected

    refused = {
        "no such row": run(
            api, engine_platform, blob=rasters["values"], table=table, filter={"name": "atlantis"}
        ),
        "no such column": run(
            api, engine_platform, blob=rasters["values"], table=table, filter={"nom": "westland"}
        ),
        "no such table": run(api, engine_platform, blob=rasters["values"], table=f"nothing_{tag}"),
    }
    assert all(s["status"] == "failed" for s in refused.values())
    assert f"no row of geo.{table} has name = 'atlantis'" in refused["no such row"]["error"]
    assert (
        f"geo.{table} has no column 'nom'; its columns: name" in refused["no such column"]["error"]
    )
    assert f"no published table geo.nothing_{tag}" in refused["no such table"]["error"]


def submit_vector(api, blob: str, table: str) -> str:
    response = api.post(
        "/api/jobs/submit/process_vector", json={"blob_name": blob, "table_name": table}
    )
    assert response.status_code in (200, 202), response.text
    return response.json()["job_id"]


def test_bad_input_is_a_422_or_a_failed_job_with_the_reason(
    api, engine_platform, workers, rasters, tag
):
    workers(threads=2)
    refused = [
        {"blob": rasters["values"], "colour": "blue"},  # unknown parameter
        {"blob": rasters["values"], "raster_id": "x"},  # two sources
        {},  # no source
        {"blob": rasters["values"], "resolution": 16},
        {"blob": rasters["values"], "bbox": [10, 1, 11, 0]},  # south > north
        {"blob": rasters["values"], "filter": {"name": "x"}},  # a filter without a table
        {"blob": rasters["values"], "table": "geo.x; drop table y"},  # not an identifier
        {"blob": rasters["values"], "table": "t", "filter": {"a": 1, "b": 2}},
        {"blob": "../secrets.tif"},
        {"blob": rasters["values"], "statistics": ["median"]},
    ]
    for parameters in refused:
        response = api.post("/api/jobs/submit/h3_aggregate", json=parameters)
        assert response.status_code == 422, (parameters, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")

    failed = {
        "raster": run(api, engine_platform, raster_id=f"nothing-{tag}"),
        "blob": run(api, engine_platform, blob=f"h3-{tag}/missing.tif"),
        "outside": run(api, engine_platform, blob=rasters["values"], bbox=[20, 20, 21, 21]),
        "geometry": run(
            api,
            engine_platform,
            blob=rasters["values"],
            geometry={"type": "Point", "coordinates": [10.2, 0.8]},
        ),
        "band": run(api, engine_platform, blob=rasters["values"], band=3),
        "nodata only": run(
            api, engine_platform, blob=rasters["values"], bbox=[10.0, 0.7, 10.05, 0.8], resolution=9
        ),
    }
    assert all(s["status"] == "failed" for s in failed.values()), {
        k: s["status"] for k, s in failed.items()
    }
    assert (
        f"no raster 'nothing-{tag}': process it with the process_raster job first"
        in failed["raster"]["error"]
    )
    assert f"blob 'h3-{tag}/missing.tif' not found in container" in failed["blob"]["error"]
    assert "the area does not overlap the raster" in failed["outside"]["error"]
    assert "geometry must be a Polygon or MultiPolygon, not Point" in failed["geometry"]["error"]
    assert "band 3 asked, but" in failed["band"]["error"]
    assert "no cell of the area has valid pixels" in failed["nodata only"]["error"]


def test_a_processed_raster_and_a_catalog_mosaic_are_sources_too(
    api, engine_platform, workers, tag
):
    workers(threads=3)
    bronze = engine_platform.settings.bronze_container
    engine_platform.blobs.client.get_blob_client(bronze, f"h3-{tag}/values.tif").upload_blob(
        samples.constant_and_gradient()
    )
    processed = api.post(
        "/api/jobs/submit/process_raster",
        json={
            "container": bronze,
            "blob_name": f"h3-{tag}/values.tif",
            "collection_id": f"h3-{tag}",
            "target_container": engine_platform.settings.silver_container,
        },
    ).json()["job_id"]
    raster = finished(api, engine_platform, processed)
    assert raster["status"] == "completed", raster["error"]
    status = run(api, engine_platform, raster_id=raster["result"]["item_id"], resolution=7)
    assert status["status"] == "completed", status["error"]
    assert status["result"]["source_id"] == raster["result"]["item_id"]
    found = cells_of(engine_platform, raster["result"]["item_id"], 7)
    assert found and all(r["mean"] == pytest.approx(samples.CONSTANT) for r in found.values())

    catalog_id = register_tiles(engine_platform, tag)
    status = run(api, engine_platform, catalog_id=catalog_id, resolution=7)
    assert status["status"] == "completed", status["error"]
    mosaic = cells_of(engine_platform, catalog_id, 7)
    seam = samples.WEST + 200 * samples.PIXEL  # the two tiles meet at this longitude
    across = [
        (c, r)
        for c, r in mosaic.items()
        if hexagon(c).bounds[0] < seam < hexagon(c).bounds[2]
        and hexagon(c).within(shapely.box(samples.WEST, 0.8, samples.WEST + 0.4, 1.0))
    ]
    assert across
    for cell, row in across:  # whole across the seam: both items counted
        assert row["count"] == pytest.approx(hexagon(cell).area / PIXEL_AREA, rel=1e-6)
        assert row["mean"] == pytest.approx(samples.CONSTANT)
    leftovers = engine_platform.blobs.client.get_container_client(
        engine_platform.settings.silver_container
    )
    assert not list(leftovers.list_blob_names(name_starts_with=f"_geoetl/h3/{status['job_id']}/"))


def register_tiles(platform, tag: str) -> str:
    """Two side-by-side tiles as items of a pgSTAC collection, and its H3 source entry."""
    collection = f"tiles-{tag}"
    client, silver = platform.blobs.client, platform.settings.silver_container
    items = []
    for column in (0, 1):
        blob = put_silver(platform, f"{collection}/tile-{column}.tif", samples.tile(column, 0))
        west = samples.WEST + column * 0.2
        items.append(
            {
                "type": "Feature",
                "stac_version": "1.0.0",
                "id": f"tile-{column}",
                "collection": collection,
                "bbox": [west, 0.8, west + 0.2, 1.0],
                "properties": {"datetime": "2024-01-01T00:00:00Z"},
                "geometry": shapely.geometry.mapping(shapely.box(west, 0.8, west + 0.2, 1.0)),
                "links": [],
                "assets": {
                    "data": {"href": f"{client.url.rstrip('/')}/{silver}/{blob}", "roles": ["data"]}
                },
            }
        )
    with pgstac_writer(platform.db) as writer:
        writer.upsert_collections(
            [
                {
                    "type": "Collection",
                    "stac_version": "1.0.0",
                    "id": collection,
                    "description": "t",
                    "license": "other",
                    "links": [],
                    "extent": {
                        "spatial": {"bbox": [[10.0, 0.8, 10.4, 1.0]]},
                        "temporal": {"interval": [[None, None]]},
                    },
                }
            ]
        )
        writer.upsert_items(items)
    with psycopg.connect(platform.settings.dsn) as conn:
        conn.execute(
            sql("ingest/upsert_source"),
            {
                "id": f"{collection}:data",
                "title": "tiles",
                "source_type": "stac_collection",
                "collection_id": collection,
                "asset_key": "data",
                "data_type": "dem",
                "band_info": Jsonb([]),
                "theme": "test",
                "min_resolution": 5,
                "max_resolution": 9,
                "aggregation_method": "mean",
                "west": 10.0,
                "south": 0.8,
                "east": 10.4,
                "north": 1.0,
                "item_count": 2,
                "etl_job_id": None,
            },
        )
    return f"{collection}:data"


def h3_tile(api, collection_id: str, z: int, y: int, x: int):
    return api.get(
        f"/api/h3/features/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{y}/{x}"
    )


def decoded(response, collection_id: str) -> list[dict]:
    assert (
        response.status_code == 200
        and response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    )
    layers = mapbox_vector_tile.decode(response.content)
    assert list(layers) == [f"h3.{collection_id}"]
    return layers[f"h3.{collection_id}"]["features"]


def test_cells_are_served_as_vector_tiles_with_a_style_and_a_map_layer(
    api, engine_platform, workers, rasters
):
    workers(threads=2)
    status = run(api, engine_platform, blob=rasters["values"], resolution=7)
    result = status["result"]
    collection_id, stored = (
        result["collection_id"],
        cells_of(engine_platform, result["source_id"], 7),
    )
    url = f"/api/h3/features/collections/{collection_id}"
    centre = Tile(12, *_column_row(10.25, 0.8, 12))

    near = decoded(h3_tile(api, collection_id, centre.z, centre.y, centre.x), collection_id)
    west, south, east, north = centre.bounds()
    inside = {c for c in stored if hexagon(c).intersects(shapely.box(west, south, east, north))}
    found = {h3.str_to_int(f["properties"]["cell"]) for f in near}
    assert inside <= found and found <= set(stored)  # the buffer may add neighbours
    props = next(f["properties"] for f in near if h3.str_to_int(f["properties"]["cell"]) in inside)
    assert props["mean"] == pytest.approx(samples.CONSTANT) and {
        "count",
        "sum",
        "min",
        "max",
        "coverage",
    } <= set(props)

    whole = Tile(3, *_column_row(10.25, 0.8, 3))  # the whole area in one tile: parents
    far = decoded(h3_tile(api, collection_id, whole.z, whole.y, whole.x), collection_id)
    assert 0 < len(far) < len(stored)
    assert all(h3.get_resolution(h3.str_to_int(f["properties"]["cell"])) < 7 for f in far)
    assert sum(f["properties"]["count"] for f in far) == pytest.approx(
        sum(c["count"] for c in stored.values())
    )

    assert h3_tile(api, collection_id, 12, 0, 0).status_code == 204  # nothing there
    edge = decoded(
        h3_tile(api, collection_id, 3, whole.y + 1, whole.x), collection_id
    )  # in its buffer only
    assert {f["properties"]["cell"]: f["properties"]["count"] for f in edge} == pytest.approx(
        {
            f["properties"]["cell"]: f["properties"]["count"]
            for f in far
            if f["properties"]["cell"] in {e["properties"]["cell"] for e in edge}
        }
    )  # parents whole in every tile
    assert h3_tile(api, collection_id, 2, 9, 0).status_code == 404  # no such row at zoom 2
    assert h3_tile(api, collection_id, 25, 0, 0).status_code in (404, 422)
    assert h3_tile(api, "no-such", 0, 0, 0).status_code == 404
    assert (
        h3_tile(api, "no-such", 0, 0, 0)
        .headers["content-type"]
        .startswith("application/problem+json")
    )

    tilejson = api.get(f"{url}/tilejson.json").json()
    assert tilejson["tiles"][0].endswith(f"{url}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}")
    assert tilejson["vector_layers"][0]["id"] == f"h3.{collection_id}"
    assert (
        api.get(f"{url}/tiles/WebMercatorQuad").json()["layers"][0]["id"] == f"h3.{collection_id}"
    )
    assert api.get(f"{url}/tiles").status_code == 200
    rels = {link["rel"] for link in api.get(url).json()["links"]}
    assert {"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "stylesheet"} <= rels

    style = api.get(f"{url}/style", params={"statistic": "mean"}).json()
    assert style["version"] == 8 and style["metadata"]["geoetl:property"] == "mean"
    source = next(iter(style["sources"].values()))
    assert source["url"].endswith(f"{url}/tilejson.json")
    fill = next(layer for layer in style["layers"] if layer["type"] == "fill")
    assert (
        fill["source-layer"] == f"h3.{collection_id}"
        and fill["paint"]["fill-color"][0] == "interpolate"
    )
    assert len(style["metadata"]["geoetl:legend"]) == 5
    assert (
        api.get(f"{url}/style", params={"statistic": "majority"}).status_code == 400
    )  # not a categorical raster
    assert api.get(f"{url}/style", params={"statistic": "nope"}).status_code == 400

    layer = next(
        lyr
        for lyr in api.get("/api/maps/layers").json()
        if lyr["kind"] == "h3" and lyr["id"] == collection_id
    )
    assert layer["style"].endswith(f"{url}/style?statistic=mean") and layer["tilejson"].endswith(
        f"{url}/tilejson.json"
    )
    assert job_outputs("h3_aggregate", result) == [
        {"label": collection_id, "href": map_href("h3", collection_id)}
    ]


def _column_row(lon: float, lat: float, z: int) -> tuple[int, int]:
    return next((t.x, t.y) for t in tiles_covering((lon, lat, lon, lat), z))
