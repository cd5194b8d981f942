"""Every supported format loads, through the upload API and the job, into one clean table
(jobs submitted together, so the formats load side by side)."""

import pytest

from tests.integration.vector_support import finish, query, submit, upload
from tests.vector_samples import geodataframe, geopackage, written, zip_of, zipped_dataset

LON_LAT_CSV = b"id,Name,lon,lat,Observed Date\n" + b"".join(
    f"{i},feature {i},{i}.25,{i}.25,2020-01-{i + 1:02d}\n".encode() for i in range(5)
)
WKT_CSV = b"Name;shape\n" + b"".join(
    f"feature {i};POLYGON(({i} {i}, {i}.5 {i}, {i}.5 {i}.5, {i} {i}.5, {i} {i}))\n".encode()
    for i in range(5)
)


def sources() -> dict[str, tuple[bytes, str, str]]:
    frame = geodataframe(5)
    kml = written(frame, "KML", ".kml")
    return {
        "geojson": (written(frame, "GeoJSON", ".geojson"), "data.geojson", "geojson"),
        "gpkg": (geopackage({"parcels": frame}), "data.gpkg", "gpkg"),
        "fgb": (written(frame, "FlatGeobuf", ".fgb"), "data.fgb", "flatgeobuf"),
        "kml": (kml, "data.kml", "kml"),
        "kmz": (zip_of({"doc.kml": kml}), "data.kmz", "kmz"),
        "shapefile": (
            zipped_dataset(frame, "ESRI Shapefile", "parcels.shp"),
            "parcels.zip",
            "shapefile",
        ),
        "filegdb": (zipped_dataset(frame, "OpenFileGDB", "parcels.gdb"), "parcels.zip", "filegdb"),
        "csv_lonlat": (LON_LAT_CSV, "points.csv", "csv"),
        "csv_wkt": (WKT_CSV, "shapes.txt", "csv"),
        "geojson_named_json": (written(frame, "GeoJSON", ".geojson"), "data.dat", "geojson"),
    }


def test_every_format_loads(api, engine_platform, workers, tag):
    workers(threads=3)
    jobs = {}
    for name, (data, filename, expected_format) in sources().items():
        response = upload(api, data, filename)
        assert response.status_code == 201, (name, response.text)
        assert response.json()["format"] == expected_format, name
        jobs[name] = submit(
            api,
            response.json()["blob_name"],
            f"fmt_{name}_{tag}",
            container=response.json()["container"],
        )
    for name, job_id in jobs.items():
        job = finish(engine_platform, job_id, timeout=120)
        assert job["status"] == "completed", (name, job["error"])
        report = job["result"]["report"]
        assert (
            report["features_read"] == 5 and report["features_written"] == 5 and report["accounted"]
        ), name
        table = job["result"]["tables"][0]
        assert query(
            engine_platform, f'SELECT count(*), bool_and(ST_IsValid(geom)) FROM geo."{table}"'
        ) == [(5, True)], name
        columns = {c["source_name"]: c for c in report["inferred"]["columns"]}
        assert columns["Name"]["name"] == "name", name
    csv_report = engine_platform.engine.job(jobs["csv_lonlat"])["result"]["report"]
    assert (
        "'lon'" in csv_report["inferred"]["csv_geometry"]
        and "'lat'" in csv_report["inferred"]["csv_geometry"]
    )
    assert csv_report["inferred"]["crs_reason"].startswith("none in the source")
    assert any("declares no CRS" in w for w in csv_report["warnings"])
    assert csv_report["inferred"]["temporal_property"] == "observed_date"
    assert csv_report["inferred"]["temporal_extent"][0].startswith("2020-01-01")
    wkt_report = engine_platform.engine.job(jobs["csv_wkt"])["result"]["report"]
    assert "WKT geometry in column 'shape'" in wkt_report["inferred"]["csv_geometry"]
    named = engine_platform.engine.job(jobs["geojson_named_json"])["result"]["report"]
    assert named["inferred"]["format"] == "geojson"


@pytest.mark.parametrize("layer", [None, "roads"])
def test_geopackage_layers(api, engine_platform, workers, tag, layer):
    data = geopackage(
        {"parcels": geodataframe(3), "roads": geodataframe(4), "empty": geodataframe(0)}
    )
    blob = upload(api, data, "layers.gpkg").json()
    workers(threads=1)
    job = finish(
        engine_platform,
        submit(
            api,
            blob["blob_name"],
            f"layers_{tag}_{layer or 'auto'}",
            container=blob["container"],
            **({"layer": layer} if layer else {}),
        ),
    )
    if layer is None:
        assert job["status"] == "failed"
        assert "choose one with `layer`" in job["error"]
        assert (
            "parcels (Polygon, 3 features)" in job["error"]
            and "roads (Polygon, 4 features)" in job["error"]
        )
    else:
        assert job["status"] == "completed", job["error"]
        assert job["result"]["report"]["features_read"] == 4
        assert job["result"]["report"]["source"]["layer"] == "roads"
