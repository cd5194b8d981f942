"""Files from the wild (issue 14): every format GDAL reads that users bring, through the
upload API and the job, into valid tables; what used to be dropped salvaged and counted.
Jobs are submitted together so they load side by side."""

import pytest
import shapely

from tests.integration.vector_support import finish, query, submit, upload
from tests.vector_samples import zip_of
from tests import vector_wild as wild


def cases() -> dict[str, tuple[bytes, str, str, dict]]:
    """name → (data, file name, format the upload reports, extra job parameters)."""
    return {
        "gpx": (wild.GPX, "hike.gpx", "gpx", {"all_layers": True}),
        "topojson": (wild.TOPOJSON, "countries.json", "topojson", {}),
        "bare_polygon": (wild.BARE_POLYGON, "shape.geojson", "geojson", {}),
        "bare_collection": (wild.BARE_COLLECTION, "things.json", "geojson", {}),
        "esri": (wild.ESRI_JSON, "query.json", "esrijson", {}),
        "sequence": (wild.GEOJSON_SEQUENCE, "stream.geojsonl", "geojsonseq", {}),
        "csv_wkt": (wild.CSV_UPPER_WKT, "export.csv", "csv", {}),
        "shp_upper": (wild.shapefile_zip_upper_case(), "POLYGONS.ZIP", "shapefile", {}),
        "shx_misnamed": (
            wild.shapefile_zip_upper_case(misnamed_shx=True),
            "p.zip",
            "shapefile",
            {},
        ),
        "shx_missing": (wild.shapefile_zip_upper_case(without_shx=True), "p.zip", "shapefile", {}),
        "osm": (wild.OSM_XML, "map.osm", "osm", {"all_layers": True}),
        "osm_pbf": (wild.osm_pbf(), "extract.osm.pbf", "osm_pbf", {"all_layers": True}),
        "gml": (wild.gml(), "parcels.gml", "gml", {}),
        "mapinfo_tab": (wild.mapinfo_tab_zip(), "parcels.zip", "mapinfo", {}),
        "mapinfo_mif": (wild.mapinfo_mif_zip(), "parcels.zip", "mapinfo", {}),
        "dxf": (wild.dxf(), "drawing.dxf", "dxf", {}),
        "kml_folders": (wild.KML_FOLDERS, "survey.kml", "kml", {"all_layers": True}),
        "nested": (wild.nested_zip(), "delivery.zip", "archive", {"all_layers": True}),
        "curves": (wild.geopackage_of_curves(), "parcels.gpkg", "gpkg", {}),
        "kml_rings": (wild.KML_RINGS, "rings.kml", "kml", {}),
    }


# What each load publishes: table suffix (after the job's table name) → rows.
EXPECTED_TABLES = {
    "gpx": {"_waypoints": 2, "_tracks": 1, "_track_points": 3},
    "topojson": {"": 2},
    "bare_polygon": {"": 1},
    "bare_collection": {"_points": 1, "_lines": 1, "_polygons": 1},
    "esri": {"": 1},
    "sequence": {"": 4},
    "csv_wkt": {"_points": 1, "_polygons": 2},
    "shp_upper": {"": 4},
    "shx_misnamed": {"": 4},
    "shx_missing": {"": 4},
    "osm": {"_points": 1, "_lines": 1, "_multipolygons": 1},
    "osm_pbf": {"_points": 1, "_lines": 1},
    "gml": {"": 3},
    "mapinfo_tab": {"": 3},
    "mapinfo_mif": {"": 3},
    "dxf": {"": 2},
    "kml_folders": {"_wells": 2, "_fields_plots_polygons": 1, "_fields_plots_lines": 1},
    "nested": {
        "_survey_wells": 2,
        "_survey_fields_plots_polygons": 1,
        "_survey_fields_plots_lines": 1,
        "_lots": 2,
    },
    "curves": {"": 3},
    "kml_rings": {"_polygons": 4, "_lines": 1},
}


def test_files_from_the_wild_load_into_valid_tables(api, engine_platform, workers, tag):
    workers(threads=3)
    jobs = {}
    for name, (data, filename, expected_format, extra) in cases().items():
        uploaded = upload(api, data, filename)
        assert uploaded.status_code == 201, (name, uploaded.text)
        assert uploaded.json()["format"] == expected_format, (name, uploaded.json())
        jobs[name] = submit(api, uploaded.json()["blob_name"], f"wild_{name}_{tag}", **extra)
    reports = {}
    for name, job_id in jobs.items():
        job = finish(engine_platform, job_id, timeout=180)
        assert job["status"] == "completed", (name, job["error"])
        base = f"wild_{name}_{tag}"
        published = {
            t["table_name"][len(base) :]: t["feature_count"]
            for t in job["result"]["report"]["tables"]
        }
        assert published == EXPECTED_TABLES[name], name
        for suffix in published:
            valid = query(
                engine_platform,
                f'SELECT bool_and(ST_IsValid(geom)), count(*) FROM geo."{base}{suffix}"',
            )
            assert valid == [(True, published[suffix])], (name, suffix)
        reports[name] = job["result"]["report"]
        assert reports[name]["accounted"], name

    assert "rebuilt" in " ".join(reports["shx_missing"]["warnings"])
    assert "INDEX.SHX" in " ".join(reports["shx_misnamed"]["warnings"])
    curves = reports["curves"]
    assert curves["repairs"]["curves_linearized"] == 3 and curves["dropped"] == {}
    area = query(
        engine_platform, f"SELECT ST_Area(geom) FROM geo.wild_curves_{tag} WHERE name = 'disc'"
    )[0][0]
    assert abs(area - 3.14159) < 2e-3  # the unit circle, within the documented tolerance
    rings = reports["kml_rings"]
    assert (
        rings["repairs"]["bare_rings_salvaged"] == 3
        and rings["repairs"]["empty_parts_removed"] == 1
    )
    assert rings["features_read"] == 5 and rings["dropped"] == {}
    two_parts = query(
        engine_platform,
        f"SELECT ST_NumGeometries(geom) FROM geo.wild_kml_rings_{tag}_polygons "
        "WHERE name = 'ring and polygon'",
    )
    assert two_parts == [(2,)]  # the bare ring kept beside the polygon
    nested = reports["nested"]["source"]["layers"]
    assert {layer["name"] for layer in nested} == {"survey/Wells", "survey/Fields & Plots", "lots"}
    assert reports["gpx"]["tables"][0]["layers"] == ["waypoints"]


def test_several_layers_without_all_layers_name_them_and_suggest_it(
    api, engine_platform, workers, tag
):
    workers(threads=1)
    uploaded = upload(api, wild.KML_FOLDERS, "survey.kml").json()
    job = finish(engine_platform, submit(api, uploaded["blob_name"], f"folders_{tag}"))
    assert job["status"] == "failed"
    assert "Wells (Unknown, 2 features)" in job["error"] and "`all_layers: true`" in job["error"]
    chosen = finish(
        engine_platform,
        submit(api, uploaded["blob_name"], f"folders_{tag}", layer="Fields & Plots"),
    )
    assert chosen["status"] == "completed", chosen["error"]
    assert sorted(chosen["result"]["tables"]) == [f"folders_{tag}_lines", f"folders_{tag}_polygons"]


@pytest.mark.parametrize(
    "members, message",
    [
        (
            {
                "a.zip": zip_of(
                    {"b.zip": zip_of({"c.zip": zip_of({"d.zip": zip_of({"x.geojson": b"{}"})})})}
                )
            },
            "nested more than 3 deep",
        ),
        ({"notes.txt": b"hello"}, "holds no supported data"),
    ],
)
def test_archives_that_cannot_load_are_refused_at_upload(api, members, message):
    refused = upload(api, zip_of(members), "delivery.zip")
    assert refused.status_code == 422 and message in refused.json()["detail"]


def test_served_geometries_follow_the_stored_grid(api, engine_platform, workers, tag):
    """Features read back through the API are what was stored: shapely finds the same shapes."""
    workers(threads=1)
    uploaded = upload(api, wild.TOPOJSON, "countries.json").json()
    job = finish(engine_platform, submit(api, uploaded["blob_name"], f"served_{tag}"))
    assert job["status"] == "completed", job["error"]
    served = api.get(f"/api/features/collections/served_{tag}/items").json()["features"]
    assert {f["properties"]["name"] for f in served} == {"West", "East"}
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in served)
