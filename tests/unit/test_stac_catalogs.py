"""Static catalogs walked, NDJSON read in ranges, old STAC migrated (pure, no services)."""

import json
import random

import pytest

from core.errors import InvalidInput
from core.stac.catalogs import CatalogWalk
from core.stac.hrefs import BlobLocation
from core.stac.ndjson import lines_in_range, range_bytes_for, ranges
from core.stac.versions import ORIGINAL_VERSION, migrated
from tests.stac_samples import collection_document, item_document

BRONZE = BlobLocation("bronze", "http://127.0.0.1:10000/devstoreaccount1/bronze")


# -- NDJSON ranges ------------------------------------------------------------------------


def ndjson_file(seed: int) -> tuple[bytes, list[tuple[int, bytes]]]:
    """Lines of very different lengths (some past the reader's overhang), blank lines,
    CRLF endings, and sometimes no final newline."""
    rng = random.Random(seed)
    data, lines = bytearray(), []
    for number in range(rng.randint(1, 60)):
        if rng.random() < 0.1:
            data += b"\n" if rng.random() < 0.5 else b"   \n"
            continue
        line = json.dumps({"n": number, "pad": "x" * rng.choice([0, 10, 300, 70_000])}).encode()
        lines.append((len(data), line))
        data += line + (b"\r\n" if rng.random() < 0.2 else b"\n")
    if rng.random() < 0.5 and data.endswith(b"\n"):
        data = data.rstrip(b"\r\n")
    return bytes(data), lines


@pytest.mark.parametrize("seed", range(12))
def test_ranges_that_tile_a_file_see_every_line_once_with_its_offset(seed):
    data, expected = ndjson_file(seed)
    reads = []

    def read(offset: int, length: int) -> bytes:
        reads.append(length)
        return data[offset : offset + length]

    step = random.Random(seed).choice([500, 4096, 100_000])
    seen = [
        line
        for start, end in ranges(len(data), step)
        for line in lines_in_range(read, start, end, len(data))
    ]
    assert seen == expected
    assert max(reads) <= max(
        2 * 140_000, step + 64 * 1024 + 1
    )  # a range reads its own bytes and one line more


def test_ranges_of_a_byte_each_still_see_each_line_once():
    data = b'{"a": 1}\n\n{"b": 22}\r\n{"c": 333}'
    read = lambda offset, length: data[offset : offset + length]  # noqa: E731
    seen = [
        line
        for start, end in ranges(len(data), 1)
        for line in lines_in_range(read, start, end, len(data))
    ]
    assert seen == [(0, b'{"a": 1}'), (10, b'{"b": 22}'), (21, b'{"c": 333}')]


def test_range_sizes_follow_the_average_line():
    sample = b"".join(json.dumps({"pad": "x" * 990}).encode() + b"\n" for _ in range(20))
    assert range_bytes_for(sample, 500) == pytest.approx(1002 * 500, rel=0.01)
    assert range_bytes_for(b"{}\n" * 100, 10) == 64 * 1024  # never tiny
    assert ranges(10, 4) == [(0, 4), (4, 8), (8, 10)] and ranges(0, 4) == [(0, 0)]


# -- catalog walks --------------------------------------------------------------------------


def catalog(catalog_id: str, links: list[dict]) -> dict:
    return {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": catalog_id,
        "description": catalog_id,
        "links": links,
    }


def child(href: str) -> dict:
    return {"rel": "child", "href": href}


def walk(files: dict[str, dict], root: str, max_depth: int = 8):
    reads = []

    def read_many(blobs: list[str]) -> list[bytes]:
        reads.append(list(blobs))
        return [json.dumps(files[blob]).encode() for blob in blobs]

    found = CatalogWalk(BRONZE, read_many, max_depth).run(root)
    return found, reads


def nested_catalog() -> dict[str, dict]:
    """root catalog → collection → two nested child catalogs (2024 → 2024/01) holding items."""
    collection = collection_document("sat", [])
    collection["links"] += [child("./2024/catalog.json"), {"rel": "item", "href": "./items/a.json"}]
    return {
        "cat/catalog.json": catalog(
            "root", [child("./sat/collection.json"), {"rel": "self", "href": "./catalog.json"}]
        ),
        "cat/sat/collection.json": collection,
        "cat/sat/2024/catalog.json": catalog(
            "2024",
            [
                child("./01/catalog.json"),
                {"rel": "item", "href": "./b.json"},
                {"rel": "parent", "href": "../collection.json"},
            ],
        ),
        "cat/sat/2024/01/catalog.json": catalog(
            "2024-01",
            [{"rel": "item", "href": "./c.json"}, {"rel": "item", "href": "../../items/d.json"}],
        ),
    }


def test_items_below_nested_catalogs_belong_to_the_collection_above_them():
    found, reads = walk(nested_catalog(), "cat/catalog.json")
    assert [c.id for c in found] == ["sat"]
    assert found[0].item_blobs == [
        "cat/sat/items/a.json",
        "cat/sat/2024/b.json",
        "cat/sat/2024/01/c.json",
        "cat/sat/items/d.json",
    ]
    assert reads == [
        ["cat/catalog.json"],
        ["cat/sat/collection.json"],
        ["cat/sat/2024/catalog.json"],
        ["cat/sat/2024/01/catalog.json"],
    ]  # level by level, parents never read again


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda f: f["cat/sat/2024/01/catalog.json"]["links"].append(
                child("../../collection.json")
            ),
            "catalog cycle: cat/sat/collection.json → cat/sat/2024/catalog.json → cat/sat/2024/01/catalog.json → "
            "cat/sat/collection.json",
        ),
        (
            lambda f: f["cat/sat/collection.json"]["links"].append(child("./2024/01/catalog.json")),
            "cat/sat/2024/01/catalog.json is linked twice: from cat/sat/collection.json and from cat/sat/2024/catalog.json",
        ),
        (
            lambda f: f["cat/catalog.json"]["links"].append(
                {"rel": "item", "href": "./loose.json"}
            ),
            "cat/catalog.json links items but is not a Collection nor inside one",
        ),
        (
            lambda f: f["cat/catalog.json"]["links"].append(
                child("https://example.com/other/catalog.json")
            ),
            "child link 'https://example.com/other/catalog.json' is not in container 'bronze'",
        ),
        (
            lambda f: f["cat/catalog.json"]["links"].append(child("../../../etc/catalog.json")),
            "points outside container 'bronze'",
        ),
        (
            lambda f: f["cat/sat/2024/catalog.json"].update(
                type="Collection",
                extent=f["cat/sat/collection.json"]["extent"],
                license="x",
                id="sat",
            ),
            "collection id 'sat' appears twice: cat/sat/collection.json and cat/sat/2024/catalog.json",
        ),
    ],
)
def test_catalogs_that_cannot_be_walked_are_refused_with_the_reason(change, message):
    files = nested_catalog()
    change(files)
    with pytest.raises(InvalidInput) as caught:
        walk(files, "cat/catalog.json")
    assert message in caught.value.detail


def test_the_walk_stops_at_max_depth():
    assert walk(nested_catalog(), "cat/catalog.json", max_depth=3)[0][0].item_blobs
    with pytest.raises(
        InvalidInput,
        match="deeper than max_depth 2: cat/catalog.json → .* → cat/sat/2024/01/catalog.json",
    ):
        walk(nested_catalog(), "cat/catalog.json", max_depth=2)


# -- STAC versions ----------------------------------------------------------------------


def test_old_stac_is_migrated_by_pystac_and_keeps_its_version():
    item = item_document("c", 1, "./s.tif") | {
        "stac_version": "1.0.0-beta.2",
        "stac_extensions": ["eo", "projection"],
    }
    item["properties"]["proj:epsg"] = 32630
    result, original = migrated(item, "x.json")
    assert original == "1.0.0-beta.2" and result["stac_version"].startswith("1.")
    assert result["properties"][ORIGINAL_VERSION] == "1.0.0-beta.2"
    assert all(
        e.startswith("https://stac-extensions.github.io/") for e in result["stac_extensions"]
    )
    assert item["stac_version"] == "1.0.0-beta.2"  # the input is not modified

    collection = collection_document("c", []) | {"stac_version": "0.9.0", "license": "proprietary"}
    result, original = migrated(collection, "c.json")
    assert (
        original == "0.9.0" and result[ORIGINAL_VERSION] == "0.9.0" and result["license"] == "other"
    )


def test_current_stac_passes_through_untouched():
    item = item_document("c", 1, "./s.tif")
    assert migrated(item, "x.json") == (item, None)
    assert migrated(item | {"stac_version": "1.1.0"}, "x.json")[1] is None
