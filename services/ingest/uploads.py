"""STAC uploads, checked as ingest_collection will read them and laid out so it can:

- a collection JSON alone (its items, if any, on the web: relative item links need the
  files, so those come as a zip);
- items alone (one Item, an ItemCollection, or NDJSON, one item per line), all of one
  `collection`: a collection document is made for them (extent from their bboxes and
  times) and each item stored as items/<id>.json;
- a zip with a collection.json and its items (files it links, or an .ndjson of items) and
  the asset files they point to.

Every item is validated as STAC; relative hrefs must name files of the upload, absolute
ones must be on the web (http/https/s3/gs). The upload's folder then holds
collection.json for `ingest_collection` (collection_json_path).
"""

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.blob_paths import resolve_relative
from core.errors import InvalidInput
from core.stac.hrefs import EXTERNAL_SCHEMES
from core.stac.validation import parse_json, validate_collection, validate_item
from services.vector.archives import ArchiveLimits, extract_archive, list_archive

COLLECTION = "collection.json"
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
STAC_HEAD = re.compile(rb'"stac_version"\s*:')


@dataclass
class StacSet:
    documents: dict[str, bytes] = field(default_factory=dict)  # relative name → JSON written by us
    files: dict[str, Path] = field(
        default_factory=dict
    )  # relative name → an uploaded file kept as is
    items: int = 0
    assets: int = 0
    format: str = "stac"
    reason: str = ""


def looks_like_stac(head: bytes) -> bool:
    return head.lstrip()[:1] in (b"{", b"[") and STAC_HEAD.search(head) is not None


def prepare_document(path: Path, filename: str) -> StacSet:
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise InvalidInput("a STAC document over 512 MiB: upload the items as NDJSON in a zip")
    raw = path.read_bytes()
    documents = _ndjson(raw, filename) if _is_ndjson(raw) else [parse_json(raw, filename)]
    if (
        len(documents) == 1
        and isinstance(documents[0], dict)
        and documents[0].get("type") == "Collection"
    ):
        return _lone_collection(documents[0], filename)
    return _items_only(_item_documents(documents, filename), filename)


def prepare_archive(path: Path, names: list[str], workdir: Path, limits: ArchiveLimits) -> StacSet:
    """A zip holding collection.json (the shallowest one), its items and their assets."""
    collections = sorted(
        (n for n in names if posixpath.basename(n) == COLLECTION), key=lambda n: n.count("/")
    )
    if not collections:
        raise InvalidInput("a zip of STAC files needs a collection.json")
    list_archive(path, limits)
    extract_archive(path, workdir / "stac", limits, members=names)
    root = posixpath.dirname(collections[0])
    members = {
        posixpath.relpath(n, root) if root else n: workdir / "stac" / n
        for n in names
        if not root or n.startswith(root + "/")
    }
    collection = validate_collection(
        parse_json(members[COLLECTION].read_bytes(), COLLECTION), COLLECTION
    )
    result = StacSet(format="stac-collection-zip")
    items = _linked_items(collection, members) + _ndjson_items(members)
    for item_name, item in items:
        validate_item(item, item_name, collection["id"])
        result.assets += _check_assets(item, item_name, members)
    collection["links"] = [link for link in collection["links"] if link.get("rel") != "item"] + [
        {"rel": "item", "href": f"./{name}", "type": "application/json"} for name, _ in items
    ]
    result.documents = {COLLECTION: _json(collection)} | {name: _json(item) for name, item in items}
    result.files = {
        name: file
        for name, file in members.items()
        if name not in result.documents and not name.endswith(".ndjson")
    }
    result.items = len(items)
    result.reason = f"zip holding the STAC collection {collection['id']!r} with {len(items)} items"
    return result


def _lone_collection(collection: dict, filename: str) -> StacSet:
    validate_collection(collection, filename)
    local = [
        link["href"]
        for link in collection["links"]
        if link.get("rel") == "item" and not _is_web(link["href"])
    ]
    if local:
        raise InvalidInput(
            f"{filename} links {len(local)} item files ({local[0]}, ...): upload the collection, its items "
            "and their assets together as one zip"
        )
    return StacSet(
        documents={COLLECTION: _json(collection)},
        format="stac-collection",
        reason=f"a STAC collection ({collection['id']!r}) without local items",
    )


def _items_only(items: list[dict], filename: str) -> StacSet:
    ids = {item.get("collection") for item in items}
    if len(ids) != 1 or None in ids:
        raise InvalidInput(
            f"{filename}: items uploaded without their collection must all name the same `collection`"
        )
    collection_id = ids.pop()
    names = []
    for index, item in enumerate(items):
        validate_item(item, f"{filename} item {index + 1}", collection_id)
        for key, asset in item["assets"].items():
            if not _is_web(asset.get("href", "")):
                raise InvalidInput(
                    f"{filename}: asset {key!r} of item {item['id']!r} is a local file; upload the items "
                    "with their assets as a zip holding a collection.json"
                )
        names.append(f"items/{_safe(item['id'])}.json")
    if len(set(names)) != len(names):
        raise InvalidInput(f"{filename}: two items have the same id")
    collection = _collection_for(collection_id, items, names)
    return StacSet(
        documents={COLLECTION: _json(collection)}
        | {n: _json(i) for n, i in zip(names, items, strict=True)},
        items=len(items),
        assets=sum(len(i["assets"]) for i in items),
        format="stac-items",
        reason=f"{len(items)} STAC items of {collection_id!r}; a collection document was made for them",
    )


def _collection_for(collection_id: str, items: list[dict], names: list[str]) -> dict[str, Any]:
    boxes = [item["bbox"] for item in items if item.get("bbox")]
    bbox = (
        [
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[-2] for b in boxes),
            max(b[-1] for b in boxes),
        ]
        if boxes
        else [-180, -90, 180, 90]
    )
    times = sorted(
        t
        for item in items
        for t in (
            item["properties"].get("datetime"),
            item["properties"].get("start_datetime"),
            item["properties"].get("end_datetime"),
        )
        if t
    )
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": collection_id,
        "license": "other",
        "description": f"{collection_id}: {len(items)} items uploaded to GeoETL",
        "extent": {
            "spatial": {"bbox": [bbox]},
            "temporal": {"interval": [[times[0] if times else None, times[-1] if times else None]]},
        },
        "links": [
            {"rel": "item", "href": f"./{name}", "type": "application/json"} for name in names
        ],
    }


def _linked_items(collection: dict, members: dict[str, Path]) -> list[tuple[str, dict]]:
    found = []
    for link in collection["links"]:
        if link.get("rel") != "item" or _is_web(link["href"]):
            continue
        name = _resolved(link["href"], COLLECTION)
        if name not in members:
            raise InvalidInput(f"collection.json links {link['href']!r}, which is not in the zip")
        found.append((name, parse_json(members[name].read_bytes(), name)))
    return found


def _ndjson_items(members: dict[str, Path]) -> list[tuple[str, dict]]:
    found = []
    for name in sorted(n for n in members if n.endswith(".ndjson")):
        for item in _item_documents(_ndjson(members[name].read_bytes(), name), name):
            # beside the NDJSON file, so the items' relative asset hrefs still resolve
            found.append(
                (
                    posixpath.join(
                        posixpath.dirname(name), f"{_safe(str(item.get('id')))}.item.json"
                    ),
                    item,
                )
            )
    return found


def _check_assets(item: dict, item_name: str, members: dict[str, Path]) -> int:
    """Relative asset hrefs must be files of the zip (ingest copies them); returns how many are."""
    local = 0
    for key, asset in item["assets"].items():
        href = asset.get("href", "")
        if _is_web(href):
            continue
        if href.startswith("/") or "://" in href:
            raise InvalidInput(
                f"{item_name}: asset {key!r} points to {href!r}: only files of the upload or web URLs"
            )
        if _resolved(href, item_name) not in members:
            raise InvalidInput(f"{item_name}: asset {key!r} ({href}) is not in the zip")
        local += 1
    return local


def _item_documents(documents: list[Any], source: str) -> list[dict]:
    items = []
    for document in documents:
        if isinstance(document, dict) and document.get("type") == "FeatureCollection":
            items += document.get("features") or []
        else:
            items.append(document)
    if not items or not all(isinstance(i, dict) and i.get("type") == "Feature" for i in items):
        raise InvalidInput(
            f"{source}: expected a STAC Collection, Item, ItemCollection or NDJSON of items"
        )
    return items


def _is_ndjson(raw: bytes) -> bool:
    lines = [line for line in raw.splitlines() if line.strip()]
    return len(lines) > 1 and all(
        line.lstrip().startswith(b"{") and line.rstrip().endswith(b"}") for line in lines[:3]
    )


def _ndjson(raw: bytes, source: str) -> list[Any]:
    return [
        parse_json(line, f"{source} line {number}")
        for number, line in enumerate(raw.splitlines(), 1)
        if line.strip()
    ]


def _resolved(href: str, document: str) -> str:
    try:
        return resolve_relative(document, urlsplit(href).path)
    except ValueError as exc:
        raise InvalidInput(f"{document}: {href!r} climbs out of the upload") from exc


def _is_web(href: str) -> bool:
    return urlsplit(href).scheme.lower() in EXTERNAL_SCHEMES


def _safe(identifier: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", identifier).strip("._")[:200] or "item"


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()
