"""Stage 1: read the collection and its items from the source container, validate them
as STAC, and stage them in app.ingest_items in batches for the copy and register stages."""

import posixpath
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from core.errors import InvalidInput
from core.ownership import stac_collection
from core.stac.hrefs import BlobLocation
from core.stac.validation import parse_json, validate_collection, validate_item
from infrastructure.db.queries import sql
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.reads import container_url, read_blob
from services.access.ownership import claim_for_job
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import AssetCopy, BatchSummary, IngestCollectionParams, Inventory

READ_THREADS = 16       # item documents are small: latency, not bandwidth, bounds reading them
MAX_LISTED_ERRORS = 5   # invalid items named in the error; the rest are counted


@handler("ingest.inventory")
def inventory(params: IngestCollectionParams, ctx: TaskContext) -> Inventory:
    client = ctx.adapters.blobs.client
    source = BlobLocation(params.source_container, container_url(client, params.source_container))
    collection_blob = posixpath.normpath(params.collection_json_path)
    raw = read_blob(client, BlobRef(source.container, collection_blob), "collection document")
    collection = validate_collection(parse_json(raw, collection_blob), collection_blob)
    with ctx.adapters.db.connection() as conn:  # before anything is copied: the collection must be ours to replace
        claim_for_job(conn, ctx.job_id, [stac_collection(collection["id"])])

    item_blobs = _item_blobs(collection, collection_blob, source)
    items = _read_items(client, source, item_blobs, collection["id"], ctx)
    staged = [_staged(blob, item, source) for blob, item in zip(item_blobs, items)]
    _check_unique_ids(staged)
    batches = _stage(ctx, staged, params.batch_size)

    return Inventory(
        collection_id=collection["id"],
        collection=collection,
        collection_blob=collection_blob,
        items=len(staged),
        batches=batches,
        collection_assets=_copies(collection.get("assets") or {}, collection_blob, source),
        asset_keys=sorted({key for entry in staged for key in entry["item"]["assets"]}),
    )


def _item_blobs(collection: dict, collection_blob: str, source: BlobLocation) -> list[str]:
    blobs = []
    for link in collection["links"]:
        if link["rel"] != "item":
            continue
        blob = source.blob_of(link["href"], collection_blob)
        if blob is None:
            raise InvalidInput(f"{collection_blob}: item link {link['href']!r} is not in container {source.container!r}")
        blobs.append(blob)
    return blobs


def _read_items(client, source: BlobLocation, blobs: list[str], collection_id: str, ctx: TaskContext) -> list[dict]:
    """Reads and validates every item; invalid ones are reported together, by file."""
    ctx.progress.update(done=0, total=len(blobs), unit="items")

    def read(blob: str) -> dict | InvalidInput:
        try:
            document = parse_json(read_blob(client, BlobRef(source.container, blob), "item document"), blob)
            return validate_item(document, blob, collection_id)
        except InvalidInput as exc:
            return exc

    results = []
    with ThreadPoolExecutor(READ_THREADS) as pool:
        for result in pool.map(read, blobs):
            results.append(result)
            ctx.progress.advance()
            if len(results) % 500 == 0:
                ctx.check()
    errors = [r for r in results if isinstance(r, InvalidInput)]
    if errors:
        listed = "; ".join(e.detail for e in errors[:MAX_LISTED_ERRORS])
        more = f" (and {len(errors) - MAX_LISTED_ERRORS} more)" if len(errors) > MAX_LISTED_ERRORS else ""
        raise InvalidInput(f"{len(errors)} of {len(blobs)} items are invalid: {listed}{more}")
    return results


def _staged(blob: str, item: dict, source: BlobLocation) -> dict[str, Any]:
    return {"blob": blob, "item": item, "assets": _copies(item["assets"], blob, source)}


def _copies(assets: dict[str, dict], document_blob: str, source: BlobLocation) -> list[AssetCopy]:
    """The assets stored in the source container; others (external URLs) stay as they are."""
    copies = []
    for key, asset in assets.items():
        blob = source.blob_of(asset["href"], document_blob)
        if blob is not None:
            copies.append(AssetCopy(key=key, source_blob=blob, target_blob=blob))
    return copies


def _check_unique_ids(staged: list[dict]) -> None:
    seen: dict[str, str] = {}
    for entry in staged:
        item_id = entry["item"]["id"]
        if item_id in seen:
            raise InvalidInput(f"item id {item_id!r} appears twice: {seen[item_id]} and {entry['blob']}")
        seen[item_id] = entry["blob"]


def _stage(ctx: TaskContext, staged: list[dict], batch_size: int) -> list[BatchSummary]:
    """Replaces this job's staging rows in one transaction (so a retried inventory is idempotent)."""
    summaries: dict[int, BatchSummary] = {}
    with ctx.adapters.db.connection() as conn:
        conn.execute(sql("ingest/clear_job"), {"job_id": ctx.job_id})
        with conn.cursor().copy(sql("ingest/copy_items")) as copy:
            for index, entry in enumerate(staged):
                batch = index // batch_size
                assets = [a.model_dump() for a in entry["assets"]]
                copy.write_row((ctx.job_id, ctx.task.attempt, entry["item"]["id"], batch, entry["blob"],
                                orjson.dumps(entry["item"]).decode(), orjson.dumps(assets).decode()))
                summary = summaries.setdefault(batch, BatchSummary(batch=batch, items=0, assets=0))
                summary.items += 1
                summary.assets += len(assets)
    return list(summaries.values())
