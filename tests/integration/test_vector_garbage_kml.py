"""The issue's 'done when': a hand-made garbage KML goes in through the API and comes out
as valid PostGIS tables, a report accounting for every feature, STAC items and OGC collections."""

from tests.integration.vector_support import finish, query, submit, upload
from tests.vector_samples import GARBAGE_KML


def test_garbage_kml_becomes_clean_tables_with_a_full_report(api, engine_platform, workers, tag):
    uploaded = upload(api, GARBAGE_KML, "garbage.kml")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["format"] == "kml"
    table = f"garbage_{tag}"
    workers(threads=2)
    job_id = submit(
        api,
        uploaded.json()["blob_name"],
        table,
        container=uploaded.json()["container"],
        title="Garbage",
        license="CC-BY-4.0",
        keywords=["test"],
    )
    job = finish(engine_platform, job_id)
    assert job["status"] == "completed", job["error"]
    result = job["result"]
    assert sorted(result["tables"]) == [f"{table}_lines", f"{table}_points", f"{table}_polygons"]

    report = api.get(f"/api/vector/{table}_polygons/report").json()
    assert report["accounted"] is True
    assert report["features_read"] == 9
    assert report["dropped"] == {"null_geometry": 1, "collapsed": 1}
    assert report["features_written"] == 7
    assert report["rows"] == {"points": 2, "lines": 1, "polygons": 5}
    repairs = report["repairs"]
    assert repairs["rings_closed"] == 1
    assert repairs["forced_2d"] == 2
    assert repairs["made_valid"] == 2  # the bow-tie, and the sliver (which then collapsed)
    assert repairs["antimeridian_split"] == 1
    assert repairs["collections_split"] == 1
    assert (
        repairs["features_with_duplicate_vertices"] == 2
        and repairs["duplicate_vertices_removed"] == 3
    )
    assert repairs["reoriented"] >= 1
    assert report["validity"]["invalid_before"] == 2 and report["validity"]["invalid_after"] == 0
    assert report["dropped_samples"]["null_geometry"] == [8] and report["dropped_samples"][
        "collapsed"
    ] == [9]
    assert report["inferred"]["format"] == "kml" and report["inferred"]["crs"] == "EPSG:4326"
    assert report["inferred"]["geometry_types_found"]["GeometryCollection"] == 1

    # PostGIS: valid, 2D, Multi*, SRID 4326, exterior rings counter-clockwise.
    rows = query(
        engine_platform,
        f"""
        SELECT count(*), bool_and(ST_IsValid(geom)), bool_and(ST_NDims(geom) = 2), min(ST_SRID(geom)),
               bool_and(ST_IsPolygonCCW(geom)), array_agg(DISTINCT GeometryType(geom))
        FROM geo."{table}_polygons" """,
    )
    assert rows == [(5, True, True, 4326, True, ["MULTIPOLYGON"])]
    dateline = query(
        engine_platform,
        f"""SELECT ST_NumGeometries(geom), ST_XMin(geom), ST_XMax(geom)
                                          FROM geo."{table}_polygons" t WHERE name = 'dateline'""",
    )
    assert dateline == [(2, -180.0, 180.0)]
    assert (
        query(engine_platform, f'SELECT GeometryType(geom) FROM geo."{table}_points" ORDER BY id')
        == [("MULTIPOINT",)] * 2
    )
    assert query(
        engine_platform,
        f"SELECT count(*) FROM pg_indexes WHERE schemaname = 'geo' AND tablename = '{table}_polygons'",
    ) == [(2,)]

    item = api.get(f"/api/stac/collections/vectors/items/{table}_polygons")
    assert item.status_code == 200
    assert item.json()["properties"]["table:row_count"] == 5
    assert item.json()["properties"]["license"] == "CC-BY-4.0"
    assert item.json()["assets"]["features"]["href"].startswith(
        "http://testserver/api/features/collections/"
    )
    collection = api.get(f"/api/features/collections/{table}_lines").json()
    assert collection["itemType"] == "feature" and collection["title"] == "Garbage"
    features = api.get(
        f"/api/features/collections/{table}_polygons/items", params={"limit": 2}
    ).json()
    assert features["numberMatched"] == 5 and features["numberReturned"] == 2
    assert any(link["rel"] == "next" for link in features["links"])
