"""STAC validation, href resolution and EWKB encoding (pure, no services)."""

import pytest
from plpygis.geometry import Geometry

from core.errors import InvalidInput
from core.stac.hrefs import BlobLocation, with_assets_moved
from core.stac.validation import parse_json, validate_collection, validate_item
from core.stac.wkb import ewkb_hex
from tests.stac_samples import collection_document, item_document

BRONZE = BlobLocation("bronze", "http://127.0.0.1:10000/devstoreaccount1/bronze")


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [1.5, -2.25]},
        {"type": "Point", "coordinates": [1, 2, 3]},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 0.5]]},
        {
            "type": "Polygon",
            "coordinates": [
                [[0, 0], [1, 0], [1, 1], [0, 0]],
                [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]],
            ],
        },
        {"type": "MultiPoint", "coordinates": [[0, 0, 1], [1, 0, 2]]},
        {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]},
        {
            "type": "MultiPolygon",
            "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]],
        },
        {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Point", "coordinates": [1, 2]},
                {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            ],
        },
    ],
)
def test_ewkb_is_byte_for_byte_what_pypgstac_writes(geometry):
    assert ewkb_hex(geometry) == str(Geometry.from_geojson(geometry).ewkb)


def test_relative_and_absolute_hrefs_resolve_to_blobs_of_the_container():
    assert BRONZE.blob_of("./items/a.json", "c/collection.json") == "c/items/a.json"
    assert BRONZE.blob_of("../assets/a%20b.tif", "c/items/a.json") == "c/assets/a b.tif"
    assert (
        BRONZE.blob_of("http://127.0.0.1:10000/devstoreaccount1/bronze/x/y.tif", "c/items/a.json")
        == "x/y.tif"
    )
    assert BRONZE.blob_of("/vsiaz/bronze/x/y.tif", "c.json") == "x/y.tif"
    assert BRONZE.blob_of("https://example.com/y.tif", "c.json") is None
    assert BRONZE.blob_of("http://127.0.0.1:10000/devstoreaccount1/silver/y.tif", "c.json") is None
    with pytest.raises(InvalidInput, match="points outside container 'bronze'"):
        BRONZE.blob_of("../../etc/passwd", "c/collection.json")


def test_moved_documents_point_at_the_target_and_drop_relative_links():
    item = item_document("c", 1, "../assets/s.tif")
    moved = with_assets_moved(item, {"visual": "http://host/silver/c/assets/s.tif"})
    assert moved["assets"]["visual"]["href"] == "http://host/silver/c/assets/s.tif"
    assert moved["assets"]["homepage"]["href"] == "https://example.com/about.html"
    assert moved["links"] == [] and item["assets"]["visual"]["href"] == "../assets/s.tif"


def test_valid_documents_pass_and_items_join_their_collection():
    validate_collection(collection_document("c", ["./a.json"]), "c.json")
    item = item_document("c", 3, "./s.tif")
    del item["collection"]
    assert validate_item(item, "a.json", "c")["collection"] == "c"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda i: i.pop("assets"), "assets: Field required"),
        (lambda i: i.update(type="Collection"), "type: Input should be 'Feature'"),
        (
            lambda i: i["properties"].update(datetime=None),
            "properties: Value error, datetime is null, so start_datetime",
        ),
        (
            lambda i: i["properties"].update(datetime="yesterday"),
            "properties.datetime: Input should be a valid datetime",
        ),
        (
            lambda i: i.update(geometry={"type": "Polygon", "coordinates": [[1, 2]]}),
            "geometry: Value error, Polygon coordinates",
        ),
        (
            lambda i: i.update(geometry={"type": "Circle", "coordinates": [1, 2]}),
            "geometry.type: Input should be 'Point'",
        ),
        (lambda i: i.pop("bbox"), "an item with a geometry needs a bbox"),
        (lambda i: i.update(collection="other"), "names collection 'other', not 'c'"),
        (lambda i: i["assets"]["visual"].pop("href"), "assets.visual.href: Field required"),
    ],
)
def test_invalid_items_say_what_is_wrong(change, message):
    item = item_document("c", 3, "./s.tif")
    change(item)
    with pytest.raises(InvalidInput) as caught:
        validate_item(item, "items/x.json", "c")
    assert caught.value.detail.startswith("items/x.json")
    assert message in caught.value.detail


def test_broken_json_names_the_file_and_position():
    with pytest.raises(
        InvalidInput, match=r"^a\.json is not valid JSON: Expecting value at line 2 column 1$"
    ):
        parse_json(b'{"a":\n', "a.json")
    with pytest.raises(InvalidInput, match="is not UTF-8 text"):
        parse_json(b'{"a": "\xff"}', "a.json")
