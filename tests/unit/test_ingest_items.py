"""One item as the inventory stages it (pure): registered as read when nothing in it
changes, rewritten otherwise; assets copied, left external or refused."""

import json

import orjson
import pytest

from core.errors import InvalidInput
from core.stac.hrefs import BlobLocation
from services.ingest.assets import AssetPlanner
from services.ingest.items import RawItem, content_hash, stage_item
from tests.stac_samples import item_document

BRONZE = BlobLocation("bronze", "http://127.0.0.1:10000/devstoreaccount1/bronze")
TARGET = "http://127.0.0.1:10000/devstoreaccount1/silver"


def staged(item: dict, *, copy_external: bool = False, allowed: str = "", raw: bytes | None = None):
    planner = AssetPlanner(
        BRONZE, copy_external, lambda url: bool(allowed) and url.startswith(allowed)
    )
    read = RawItem(
        "c/items/x.json", "c/items/x.json", raw if raw is not None else orjson.dumps(item)
    )
    return stage_item(read, content_hash(read, b"silver"), "c", planner, TARGET)


def external_item() -> dict:
    item = item_document("c", 1, "https://data.example.org/scenes/1/visual.tif")
    item["links"] = [{"rel": "license", "href": "https://example.com/licence"}]
    return item


def test_an_item_that_needs_no_change_is_staged_as_it_was_read():
    raw = b'{ "type": "Feature" ,' + orjson.dumps(external_item())[1:]  # odd spacing survives
    result = staged(external_item(), raw=raw)
    assert result.text == raw.decode() and result.copies == []
    assert result.external_hosts == ["https://data.example.org", "https://example.com"]


def test_copied_assets_point_at_the_target_and_relative_links_go():
    result = staged(item_document("c", 1, "../assets/s 1.tif"))
    registered = json.loads(result.text)
    assert registered["assets"]["visual"]["href"] == f"{TARGET}/c/assets/s%201.tif"
    assert registered["links"] == [] and [c.source_blob for c in result.copies] == [
        "c/assets/s 1.tif"
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda i: i.pop("collection"),  # joined to its collection
        lambda i: i.update(stac_version="1.0.0-beta.2"),  # migrated
        lambda i: i["links"].append({"rel": "self", "href": "./x.json"}),  # a relative link dropped
    ],
)
def test_an_item_that_changes_is_written_again(change):
    item = external_item()
    change(item)
    result = staged(item)
    registered = json.loads(result.text)
    assert result.text != orjson.dumps(item).decode() and registered["collection"] == "c"
    assert all(link["href"].startswith("https://") for link in registered["links"])


def test_external_assets_are_copied_only_when_asked_and_allowed():
    assert staged(external_item(), copy_external=True).copies == []
    assert staged(external_item(), allowed="https://data.example.org/").copies == []  # not asked
    copied = staged(external_item(), copy_external=True, allowed="https://data.example.org/")
    assert [(c.url, c.target_blob) for c in copied.copies] == [
        (
            "https://data.example.org/scenes/1/visual.tif",
            "external/data.example.org/scenes/1/visual.tif",
        )
    ]
    registered = json.loads(copied.text)["assets"]
    assert registered["visual"]["href"] == f"{TARGET}/external/data.example.org/scenes/1/visual.tif"
    assert registered["homepage"][
        "href"
    ] == "https://example.com/about.html" and copied.external_hosts == ["https://example.com"]


@pytest.mark.parametrize(
    "href",
    ["../../../secrets/x.tif", "file:///etc/passwd", "/etc/passwd", "%2e%2e/%2e%2e/%2e%2e/x.tif"],
)
def test_hrefs_that_leave_the_container_are_refused(href):
    with pytest.raises(InvalidInput, match="c/items/x.json: href"):
        staged(item_document("c", 1, href))


def test_the_hash_depends_on_where_the_bytes_were_read_and_what_is_done_with_them():
    read = RawItem("a", "c/items/x.json", b"{}")
    elsewhere = RawItem("a", "d/items/x.json", b"{}")
    assert content_hash(read, b"silver") == content_hash(
        RawItem("b", "c/items/x.json", b"{}"), b"silver"
    )
    assert (
        len(
            {
                content_hash(read, b"silver"),
                content_hash(elsewhere, b"silver"),
                content_hash(read, b"gold"),
            }
        )
        == 3
    )
