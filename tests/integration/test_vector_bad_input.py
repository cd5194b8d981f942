"""Bad input: a clear 4xx at upload/submit time where it can be seen there, otherwise a
failed task with the reason — never a crashed worker, a partial table or a stuck job."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_HEADERS
from tests.integration.vector_support import finish, put_blob, query, submit, upload
from tests.vector_samples import (
    GARBAGE_KML,
    corrupt_zip,
    geodataframe,
    geojson,
    point_feature,
    traversal_zip,
    wide_csv,
    zip_bomb,
    zipped_dataset,
)
from triggers.composition import Platform
from triggers.http.app import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.geojson", "the file is empty"),
        (corrupt_zip(), "broken.zip", "corrupt zip archive"),
        (traversal_zip(), "evil.zip", "path traversal"),
        (zip_bomb(), "bomb.zip", "likely zip bomb"),
        (GARBAGE_KML.replace(b"</Document>", b"</Documnt>"), "broken.kml", "invalid XML"),
        (PNG, "picture.png", "unknown format"),
        (b"just some words, nothing more", "notes.txt", "unknown format"),
        (b'{"hello": "world"}', "data.json", "JSON that is not GeoJSON"),
        (b"<html><body>hi</body></html>", "page.kml", "XML that is not KML"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "db.gpkg", "not a GeoPackage"),
        (
            zipped_dataset(geodataframe(2), "ESRI Shapefile", "parcels.shp", drop=(".dbf",)),
            "parcels.zip",
            "missing .dbf",
        ),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "parcels.shp", "bare .shp"),
    ],
)
def test_upload_refuses_what_can_never_load(api, data, filename, message):
    response = upload(api, data, filename)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]


def test_upload_size_limit(engine_platform):
    small = Platform.build(engine_platform.settings.model_copy(update={"upload_max_bytes": 100}))
    try:
        with TestClient(create_app(small), headers=ADMIN_HEADERS) as client:
            response = client.post(
                "/api/uploads", files={"file": ("big.geojson", b"{" + b" " * 200 + b"}")}
            )
    finally:
        small.close()
    assert response.status_code == 413 and "upload limit" in response.json()["detail"]


@pytest.mark.parametrize(
    "table_name",
    ["parcels; DROP TABLE app.jobs; --", "Parcels", "1abc", "a" * 64, "table_metadata", 'x"y', ""],
)
def test_table_names_are_validated_at_submit(api, table_name):
    response = api.post(
        "/api/jobs/submit/process_vector", json={"blob_name": "x.geojson", "table_name": table_name}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "table_name"


def test_other_parameters_are_validated_at_submit(api):
    response = api.post(
        "/api/jobs/submit/process_vector",
        json={
            "blob_name": "x",
            "table_name": "ok",
            "source_crs": "EPSG:999999",
            "license": "free for all",
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"source_crs", "license"}


FAR_OUTSIDE = geojson([point_feature(500_000 + i, 4_500_000, n=i) for i in range(3)])
WIDE = wide_csv(10_000)


def failing_sources(tag: str) -> dict[str, tuple[bytes, str, str]]:
    """(data, blob name, expected message) for inputs only the job can judge (put straight in bronze)."""
    return {
        "no_features": (geojson([]), "empty.geojson", "has no features"),
        "far_outside": (FAR_OUTSIDE, "utm.geojson", "far outside the valid range of EPSG:4326"),
        "no_prj_projected": (
            zipped_dataset(
                geodataframe(3, crs="EPSG:32631", offset=500_000).set_crs(
                    None, allow_override=True
                ),
                "ESRI Shapefile",
                "utm.shp",
            ),
            "utm.zip",
            "the CRS is missing or wrong",
        ),
        "wide": (WIDE, "wide.csv", "the source has 10,000 columns; at most 1,000"),
        "corrupt_zip": (corrupt_zip(), "broken.zip", "corrupt zip archive"),
        "traversal": (traversal_zip(), "evil.zip", "path traversal"),
        "unknown": (PNG, "picture.png", "unknown format"),
        "csv_without_geometry": (b"a,b\n1,2\n3,4\n", "plain.csv", "CSV has no geometry"),
        "all_collapsed": (
            geojson(
                [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]],
                        },
                    }
                ]
            ),
            "slivers.geojson",
            "no features left to publish: all 1 were dropped (1 collapsed)",
        ),
    }


def test_bad_sources_fail_with_the_reason_and_leave_nothing_behind(
    api, engine_platform, workers, tag
):
    workers(threads=3)
    jobs = {}
    for name, (data, blob, _) in failing_sources(tag).items():
        jobs[name] = submit(api, put_blob(engine_platform, data, blob), f"bad_{name}_{tag}")
    jobs["missing_blob"] = submit(api, f"nowhere/{tag}.geojson", f"bad_missing_{tag}")
    expected = {name: message for name, (_, _, message) in failing_sources(tag).items()} | {
        "missing_blob": "source not found"
    }
    for name, job_id in jobs.items():
        job = finish(engine_platform, job_id, timeout=90)
        assert job["status"] == "failed", (name, job["status"])
        assert expected[name] in job["error"], (name, job["error"])
        tasks = api.get(f"/api/jobs/{job_id}/tasks").json()["items"]
        assert all(t["tries"] == 1 for t in tasks if t["status"] == "failed"), (
            name,
            "bad input is not retried",
        )
        assert query(
            engine_platform, "SELECT to_regclass(%s) IS NULL", f"geo.bad_{name}_{tag}"
        ) == [(True,)]
        staging = query(
            engine_platform,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'geo_staging' AND tablename LIKE %s",
            f"s_{job_id[:16]}%",
        )
        assert staging == [(0,)] or name != "all_collapsed", (name, "staging left behind")


def test_missing_prj_with_lon_lat_loads_with_a_warning(api, engine_platform, workers, tag):
    frame = geodataframe(3).set_crs(None, allow_override=True)
    blob = put_blob(
        engine_platform, zipped_dataset(frame, "ESRI Shapefile", "noprj.shp"), "noprj.zip"
    )
    workers(threads=1)
    job = finish(engine_platform, submit(api, blob, f"noprj_{tag}"))
    assert job["status"] == "completed", job["error"]
    report = job["result"]["report"]
    assert report["inferred"]["crs"] == "EPSG:4326"
    assert "(no .prj: CRS unknown)" in report["inferred"]["format_reason"]
    assert any("declares no CRS; assumed EPSG:4326" in w for w in report["warnings"])


def test_non_utf8_attributes_are_transcoded(api, engine_platform, workers, tag):
    data = "name,lon,lat\nCafé Müller,2.35,48.85\nSão Paulo,-46.6,-23.5\n".encode("cp1252")
    blob = put_blob(engine_platform, data, "latin.csv")
    workers(threads=1)
    job = finish(engine_platform, submit(api, blob, f"latin_{tag}"))
    assert job["status"] == "completed", job["error"]
    report = job["result"]["report"]
    assert report["inferred"]["encoding"] == "cp1252"
    assert any("transcoded to UTF-8" in w for w in report["warnings"])
    assert query(engine_platform, f'SELECT name FROM geo."latin_{tag}" ORDER BY id') == [
        ("Café Müller",),
        ("São Paulo",),
    ]


def test_stray_features_outside_the_crs_are_dropped_and_counted(api, engine_platform, workers, tag):
    data = geojson([point_feature(1, 1, n=1), point_feature(2, 95, n=2), point_feature(3, 3, n=3)])
    workers(threads=1)
    job = finish(
        engine_platform,
        submit(api, put_blob(engine_platform, data, "stray.geojson"), f"stray_{tag}"),
    )
    assert job["status"] == "completed", job["error"]
    report = job["result"]["report"]
    assert (
        report["dropped"] == {"out_of_bounds": 1}
        and report["features_written"] == 2
        and report["accounted"]
    )
    assert any("fall outside the valid range" in w for w in report["warnings"])
