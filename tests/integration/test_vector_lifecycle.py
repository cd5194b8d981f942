"""Publishing semantics: atomic replacement under concurrent readers, retiring tables a
re-run no longer produces, idempotent chunks, reprojection, dates, and platform requests."""

import numpy as np
import pyarrow as pa

from services.vector.columns import ColumnPlan
from services.vector.loading import PreparedChunk, commit_chunk
from services.vector.models import ChunkSpec, InspectResult, LayerGroup
from services.vector.staging import create_staging_tables, drop_stale_staging, missing_staging
from tests.integration.vector_support import finish, put_blob, query, submit
from tests.support import reading_continuously
from tests.vector_samples import (
    GARBAGE_KML,
    geodataframe,
    geopackage,
    geopackage_with_dates,
    written,
)


def test_rerun_replaces_the_table_atomically_under_readers(api, engine_platform, workers, tag):
    table = f"atomic_{tag}"
    workers(threads=2)
    first = finish(
        engine_platform,
        submit(
            api,
            put_blob(
                engine_platform, written(geodataframe(5), "GeoJSON", ".geojson"), "v1.geojson"
            ),
            table,
        ),
    )
    assert first["status"] == "completed", first["error"]
    with reading_continuously(
        engine_platform.settings.dsn, f'SELECT count(*) FROM geo."{table}"'
    ) as reader:
        second = finish(
            engine_platform,
            submit(
                api,
                put_blob(
                    engine_platform, written(geodataframe(8), "GeoJSON", ".geojson"), "v2.geojson"
                ),
                table,
            ),
        )
    assert second["status"] == "completed", second["error"]
    assert reader.errors == [] and reader.values <= {5, 8} and 5 in reader.values
    assert query(engine_platform, f'SELECT count(*) FROM geo."{table}"') == [(8,)]
    meta = api.get(f"/api/features/collections/{table}").json()
    assert meta["featureCount"] == 8
    assert api.get(f"/api/vector/{table}/report").json()["job_id"] == second["job_id"]


def test_a_rerun_retires_tables_it_no_longer_produces(api, engine_platform, workers, tag):
    table = f"retire_{tag}"
    workers(threads=2)
    mixed = finish(
        engine_platform, submit(api, put_blob(engine_platform, GARBAGE_KML, "mixed.kml"), table)
    )
    assert len(mixed["result"]["tables"]) == 3
    polygons = finish(
        engine_platform,
        submit(
            api,
            put_blob(
                engine_platform, written(geodataframe(2), "GeoJSON", ".geojson"), "polys.geojson"
            ),
            table,
        ),
    )
    assert polygons["result"]["tables"] == [table]
    for gone in (f"{table}_points", f"{table}_lines", f"{table}_polygons"):
        assert query(engine_platform, "SELECT to_regclass(%s)", f"geo.{gone}") == [(None,)]
        assert api.get(f"/api/features/collections/{gone}").status_code == 404
        assert api.get(f"/api/stac/collections/vectors/items/{gone}").status_code == 404
    assert api.get(f"/api/stac/collections/vectors/items/{table}").status_code == 200


def test_reprojection_and_out_of_range_dates(api, engine_platform, workers, tag):
    workers(threads=2)
    mercator = geodataframe(4).to_crs("EPSG:3857")
    projected = finish(
        engine_platform,
        submit(
            api, put_blob(engine_platform, geopackage({"m": mercator}), "m.gpkg"), f"mercator_{tag}"
        ),
    )
    assert projected["status"] == "completed", projected["error"]
    report = projected["result"]["report"]
    assert report["inferred"]["crs"] == "EPSG:3857" and report["repairs"]["reprojected"] == 4
    xmin, ymax = query(
        engine_platform, f'SELECT min(ST_XMin(geom)), max(ST_YMax(geom)) FROM geo."mercator_{tag}"'
    )[0]
    assert abs(xmin) < 1e-6 and abs(ymax - 3.5) < 1e-6

    dated = finish(
        engine_platform,
        submit(api, put_blob(engine_platform, geopackage_with_dates(), "d.gpkg"), f"dates_{tag}"),
    )
    assert dated["status"] == "completed", dated["error"]
    report = dated["result"]["report"]
    assert report["repairs"]["dates_nulled"] == 1 and report["repair_samples"]["dates_nulled"] == [
        1
    ]
    assert report["inferred"]["temporal_property"] == "seen"
    assert query(
        engine_platform, f'SELECT name, seen IS NULL FROM geo."dates_{tag}" ORDER BY id'
    ) == [("a", True), ("b", False), ("c", False)]
    collection = api.get(f"/api/features/collections/dates_{tag}").json()
    assert collection["extent"]["temporal"]["interval"] == [
        ["2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z"]
    ]


def test_a_chunk_committed_twice_loads_once(engine_platform, tag):
    job_id = f"{tag}chunktest{'0' * 20}"
    columns = [ColumnPlan(name="name", source_name="Name", pg_type="text", kind="text")]
    with engine_platform.db.connection() as conn:
        staging = create_staging_tables(conn, job_id, 1, columns)
    group = LayerGroup(
        layers=["x"],
        columns=columns,
        source_crs="EPSG:4326",
        crs_reason="test",
        needs_reprojection=False,
        staging=staging,
    )
    plan = InspectResult(
        source={},
        layer="x",
        layers=[],
        datasets=[],
        groups=[group],
        feature_count=2,
        declared_geometry_type="Point",
        chunks=[],
        warnings=[],
    )
    wkb = pa.array(
        [bytes.fromhex("0101000000000000000000f03f0000000000000040")] * 2, type=pa.binary()
    )
    table = pa.table(
        {"OGC_FID": pa.array([0, 1]), "Name": pa.array(["x", "y"]), "wkb_geometry": wkb}
    )
    chunk = PreparedChunk(
        plan, ChunkSpec(index=0, skip=0, count=2), {}, table, tolerance=0.0, sample_size=5
    )
    key = {"job_id": job_id, "attempt": 1, "chunk": 0}
    reports = []
    for _ in range(2):
        with engine_platform.db.connection() as conn:
            reports.append(commit_chunk(conn, key, chunk))
    assert reports[0] == reports[1] and reports[0].rows == {"points": 2}
    assert query(engine_platform, f'SELECT count(*) FROM geo_staging."{staging["points"]}"') == [
        (2,)
    ]
    assert np.array_equal(chunk.geometries.rows, [0, 1])
    # No job owns this staging: the next inspection (of any load) drops it.
    with engine_platform.db.connection() as conn:
        dropped = drop_stale_staging(conn, f"{tag}other", 1, retention_hours=24)
        assert set(staging.values()) <= set(dropped)
        assert missing_staging(conn, list(staging.values())) == list(staging.values())


def test_platform_submit_links_ddh_ids(api, engine_platform, workers, tag):
    blob = put_blob(engine_platform, written(geodataframe(3), "GeoJSON", ".geojson"), "ddh.geojson")
    ddh = {"dataset_id": f"DS-{tag}", "resource_id": "R1", "version_id": "v2"}
    submitted = api.post(
        "/api/platform/submit",
        json={"ddh": ddh, "source": {"blob_name": blob}, "title": "DDH parcels"},
    )
    assert submitted.status_code == 202, submitted.text
    body = submitted.json()
    assert body["table_name"] == f"ds_{tag}_r1_v2"
    workers(threads=2)
    finish(engine_platform, body["request_id"])
    status = api.get(f"/api/platform/status/{body['request_id']}").json()
    assert status["status"] == "completed" and status["tables"] == [body["table_name"]]
    assert (
        status["dataset_refs"][0]["ddh"] == ddh
        and status["dataset_refs"][0]["data_type"] == "vector"
    )
    rels = {link["rel"] for link in status["links"]}
    assert {"ogc-collection", "stac-item", "report", "job"} <= rels
    assert query(
        engine_platform,
        "SELECT ddh_version_id FROM app.dataset_refs WHERE dataset_id = %s",
        body["table_name"],
    ) == [("v2",)]
    again = api.post(
        "/api/platform/submit",
        json={"ddh": ddh, "source": {"blob_name": blob}, "title": "DDH parcels"},
    )
    assert again.status_code == 200 and again.json()["request_id"] == body["request_id"]
