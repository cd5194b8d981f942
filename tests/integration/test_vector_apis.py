"""OGC API – Features and STAC API over published tables, as a client (QGIS, GDAL's OAPIF
driver, pystac-client) walks them: landing → conformance → collections → items → item."""

from tests.integration.vector_support import finish, put_blob, submit
from tests.vector_samples import geodataframe, written


def test_features_and_stac_apis(api, engine_platform, workers, tag):
    workers(threads=2)
    tables = []
    for n in (25, 3):
        job = finish(
            engine_platform,
            submit(
                api,
                put_blob(
                    engine_platform,
                    written(geodataframe(n), "GeoJSON", ".geojson"),
                    f"api{n}.geojson",
                ),
                f"api{n}_{tag}",
                title=f"API {n}",
            ),
        )
        assert job["status"] == "completed", job["error"]
        tables.append(f"api{n}_{tag}")
    table = tables[0]

    landing = api.get("/api/features").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= set(rels)
    conformance = api.get("/api/features/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    listed = {c["id"]: c for c in api.get("/api/features/collections").json()["collections"]}
    assert set(tables) <= set(listed)
    assert listed[table]["extent"]["spatial"]["bbox"] == [[0.0, 0.0, 24.5, 24.5]]

    page = api.get(f"/api/features/collections/{table}/items", params={"limit": 10, "offset": 10})
    assert page.headers["content-type"] == "application/geo+json"
    body = page.json()
    assert body["numberMatched"] == 25 and body["numberReturned"] == 10
    assert [f["id"] for f in body["features"]] == list(range(11, 21))
    assert body["features"][0]["properties"] == {
        "name": "feature 10",
        "count": 10,
        "observed_date": "2020-01-11",
    }
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert links["next"].endswith("limit=10&offset=20") and links["prev"].endswith(
        "limit=10&offset=0"
    )
    last = api.get(
        f"/api/features/collections/{table}/items", params={"limit": 10, "offset": 20}
    ).json()
    assert last["numberReturned"] == 5 and "next" not in {link["rel"] for link in last["links"]}

    boxed = api.get(
        f"/api/features/collections/{table}/items", params={"bbox": "2.2,2.2,4.2,4.2"}
    ).json()
    assert boxed["numberMatched"] == 3 and [f["id"] for f in boxed["features"]] == [3, 4, 5]
    across = api.get(
        f"/api/features/collections/{table}/items", params={"bbox": "170,0,0.9,0.9"}
    ).json()
    assert [f["id"] for f in across["features"]] == [1]  # a box across the antimeridian
    assert (
        api.get(f"/api/features/collections/{table}/items", params={"bbox": "1,2,3"}).status_code
        == 400
    )
    assert (
        api.get(f"/api/features/collections/{table}/items", params={"limit": 0}).status_code == 422
    )

    feature = api.get(f"/api/features/collections/{table}/items/7").json()
    assert feature["type"] == "Feature" and feature["properties"]["count"] == 6
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert api.get(f"/api/features/collections/{table}/items/999").status_code == 404
    assert api.get(f"/api/features/collections/{table}/items/abc").status_code == 404
    assert api.get("/api/features/collections/no_such_table/items").status_code == 404
    assert api.get('/api/features/collections/x";drop table app.jobs;--/items').status_code == 404
    queryables = api.get(f"/api/features/collections/{table}/queryables").json()
    assert queryables["properties"]["count"]["type"] == "integer"

    collections = {c["id"]: c for c in api.get("/api/stac/collections").json()["collections"]}
    assert "vectors" in collections
    assert any(link["rel"] == "items" for link in collections["vectors"]["links"])
    first = api.get("/api/stac/collections/vectors/items", params={"limit": 1}).json()
    assert first["numberReturned"] == 1
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = api.get(next_link).json()
    assert second["features"][0]["id"] != first["features"][0]["id"]
    item = api.get(f"/api/stac/collections/vectors/items/{table}").json()
    assert item["bbox"] == [0.0, 0.0, 24.5, 24.5] and item["properties"]["title"] == "API 25"
    assert {link["rel"] for link in item["links"]} >= {"self", "collection", "parent"}
    assert api.get("/api/stac/collections/vectors/items/nope").status_code == 404
    assert api.get("/api/stac/collections/nope/items").status_code == 404


def test_gdal_ogc_api_client_reads_a_published_layer(api, engine_platform, workers, tag):
    """GDAL's OAPIF driver walks the API as QGIS does (landing, conformance, collections,
    paged items) and gets the features back."""
    import pyogrio

    from tests.support import served_app

    workers(threads=1)
    table = f"oapif_{tag}"
    job = finish(
        engine_platform,
        submit(
            api,
            put_blob(
                engine_platform, written(geodataframe(12), "GeoJSON", ".geojson"), "oapif.geojson"
            ),
            table,
        ),
    )
    assert job["status"] == "completed", job["error"]
    with served_app(engine_platform.settings, LOCAL_WORKERS="0") as url:
        layers = [name for name, _ in pyogrio.list_layers(f"OAPIF:{url}/api/features")]
        assert table in layers
        frame = pyogrio.read_dataframe(f"OAPIF:{url}/api/features", layer=table, PAGE_SIZE="5")
    assert len(frame) == 12 and sorted(frame["count"]) == list(range(12))
    assert frame.crs.to_string() == "OGC:CRS84" and set(frame.geometry.geom_type) == {
        "MultiPolygon"
    }
