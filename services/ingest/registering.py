"""Stages 4 and 5: the collections, then each batch of items, upserted into pgSTAC with
their copied assets pointing at the target container. After a batch's upsert, its items'
content hashes are recorded, so the next ingestion skips them while they are unchanged."""

from urllib.parse import quote

import orjson

from core.stac.hrefs import with_assets_moved
from infrastructure.db.pgstac_loader import pgstac_writer
from infrastructure.db.queries import sql
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.reads import blob_url
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import (
    CopyResult,
    Discovery,
    IngestCollectionParams,
    RegisterCollectionResult,
    RegisterItemsParams,
    RegisterItemsResult,
)
from services.metrics.trackers import RasterCollectionTracker


@handler("ingest.register_collection")
def register_collection(params: IngestCollectionParams, ctx: TaskContext) -> RegisterCollectionResult:
    discovery = Discovery.model_validate(next(iter(ctx.results_of("discover"))))
    copied = any(CopyResult.model_validate(r).batch is None for r in ctx.results_of("copy"))
    client = ctx.adapters.blobs.client
    documents, rewritten = [], 0
    for found in discovery.collections:
        targets = {a.key: blob_url(client, BlobRef(params.target_container, a.target_blob))
                   for a in found.assets} if copied else {}
        documents.append(with_assets_moved(found.document, targets))
        rewritten += len(targets)
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.upsert_collections(documents)
    return RegisterCollectionResult(collection_ids=[c.id for c in discovery.collections], assets_rewritten=rewritten)


@handler("ingest.register_items")
def register_items(params: RegisterItemsParams, ctx: TaskContext) -> RegisterItemsResult:
    key = {"job_id": ctx.job_id, "attempt": ctx.task.attempt, "batch": params.batch}
    with ctx.adapters.db.connection() as conn:
        rows = conn.execute(sql("ingest/batch_items"), key).fetchall()
    ctx.check()
    tracker = RasterCollectionTracker(ctx.progress, total_files=len(rows), unit="items")
    client = ctx.adapters.blobs.client
    container = client.get_container_client(params.target_container).url.rstrip("/")
    items = [with_assets_moved(orjson.loads(row["item"]), _target_hrefs(row["assets"], container)) for row in rows]
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.upsert_items(items)
    with ctx.adapters.db.connection() as conn:
        conn.execute(sql("ingest/record_registered"), {
            "job_id": ctx.job_id, "collection_ids": [r["collection_id"] for r in rows],
            "item_ids": [r["item_id"] for r in rows], "hashes": [r["content_hash"] for r in rows]})
    tracker.items_done(len(rows))
    return RegisterItemsResult(batch=params.batch, collection_id=params.collection_id, items=len(items))


def _target_hrefs(assets: list[dict], container_url: str) -> dict[str, str]:
    """Asset key → its URL in the target container (built directly: one call per batch,
    not per asset, as this runs for every item)."""
    return {a["key"]: f"{container_url}/{quote(a['target_blob'], safe='/~')}" for a in assets}
