"""One item as the inventory reads it: its bytes hashed, then (unless unchanged) parsed,
migrated from an older STAC version, validated, joined to its collection and its assets
planned. Pure: the inventory handler does the reading and the staging."""

import hashlib
from dataclasses import dataclass, field
from urllib.parse import quote

import orjson

from core.stac.hrefs import is_absolute, with_assets_moved
from core.stac.validation import check_item, parse_json
from core.stac.versions import migrated
from services.ingest.assets import AssetPlanner
from services.ingest.models import AssetCopy


@dataclass(frozen=True)
class RawItem:
    source: str  # where it was read, for messages: "items/x.json", "all.ndjson line at byte 512"
    document_blob: str  # relative hrefs resolve against this blob
    raw: bytes
    unreadable: str | None = None  # why it could not be read (a missing file)


@dataclass
class StagedItem:
    id: str
    source: str
    content_hash: bytes
    text: str | None = None  # as it will be registered; None: unchanged, not staged again
    copies: list[AssetCopy] = field(default_factory=list)
    external_hosts: list[str] = field(default_factory=list)
    declared_collection: str | None = None
    original_version: str | None = None


def content_hash(raw: RawItem, context: bytes) -> bytes:
    """The item's bytes, where they were read and what the job does with them (target,
    copy_external): an equal hash means registering it again would change nothing."""
    digest = hashlib.blake2b(raw.raw, digest_size=16)
    digest.update(b"\0" + raw.document_blob.encode() + b"\0" + context)
    return digest.digest()


def stage_item(
    raw: RawItem, digest: bytes, collection_id: str, planner: AssetPlanner, target_url: str
) -> StagedItem:
    """The item as it will be registered — in its collection, copied assets pointing at
    `target_url` (the target container), relative links dropped — so the register stage
    only loads it. Raises InvalidInput naming the source when it is not valid STAC."""
    document, strict = _parsed(raw)
    document, original = migrated(document, raw.source)
    check_item(document, raw.source)
    declared = document.get("collection")
    document["collection"] = collection_id
    plan = planner.plan(document["assets"], raw.document_blob)
    if (
        strict
        and original is None
        and declared == collection_id
        and not plan.copies
        and all(is_absolute(link["href"]) for link in document["links"])
    ):
        text = raw.raw.decode()  # registered as read: no need to write it again
    else:
        targets = {c.key: f"{target_url}/{quote(c.target_blob, safe='/~')}" for c in plan.copies}
        text = orjson.dumps(with_assets_moved(document, targets)).decode()
    return StagedItem(
        id=document["id"],
        source=raw.source,
        content_hash=digest,
        text=text,
        copies=plan.copies,
        external_hosts=plan.external_hosts,
        declared_collection=declared,
        original_version=original,
    )


def _parsed(raw: RawItem) -> tuple[dict, bool]:
    """(the document, whether it is strict JSON). The standard parser explains what orjson
    refuses, or reads what only it accepts (NaN): such a document is written again."""
    try:
        return orjson.loads(raw.raw), True
    except orjson.JSONDecodeError:
        return parse_json(raw.raw, raw.source), False
