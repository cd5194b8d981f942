"""Stages 4 and 5: the collections, then the items a few batches at a time, upserted into
pgSTAC with their copied assets pointing at the target container. After an upsert, its
items' content hashes are recorded, so the next ingestion skips them while unchanged."""

import orjson

from core.stac.hrefs import with_assets_moved
from core.engine.results import each_result, one_result
from infrastructure.db.pgstac_loader import pgstac_writer
from infrastructure.db.queries import sql
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
def register_collection(
    params: IngestCollectionParams, ctx: TaskContext
) -> RegisterCollectionResult:
    discovery = one_result(ctx, "discover", Discovery)
    copied = any(r.batch is None for r in each_result(ctx, "copy", CopyResult))
    store = ctx.adapters.blobs
    documents, rewritten = [], 0
    for found in discovery.collections:
        targets = (
            {a.key: store.blob_url(params.target_container, a.target_blob) for a in found.assets}
            if copied
            else {}
        )
        documents.append(with_assets_moved(found.document, targets))
        rewritten += len(targets)
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.upsert_collections(documents)
    return RegisterCollectionResult(
        collection_ids=[c.id for c in discovery.collections], assets_rewritten=rewritten
    )


@handler("ingest.register_items")
def register_items(params: RegisterItemsParams, ctx: TaskContext) -> RegisterItemsResult:
    """The staged items are already as they are to be registered (see services.ingest.items)."""
    key = {"job_id": ctx.job_id, "attempt": ctx.job_attempt, "batches": params.batches}
    with ctx.adapters.db.connection() as conn:
        rows = conn.execute(sql("ingest/batch_items"), key).fetchall()
    ctx.check()
    tracker = RasterCollectionTracker(ctx.progress, total_files=len(rows), unit="items")
    items = [orjson.loads(row["item"]) for row in rows]
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.load_items(params.collection_id, items)
    with ctx.adapters.db.connection() as conn:
        conn.execute(sql("ingest/record_registered"), key)
    tracker.items_done(len(rows))
    return RegisterItemsResult(
        batches=params.batches, collection_id=params.collection_id, items=len(items)
    )
