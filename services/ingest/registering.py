"""Stages 3 and 4: the collection, then each batch of items, upserted into pgSTAC with
their copied assets pointing at the target container."""

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
    IngestCollectionParams,
    Inventory,
    RegisterCollectionResult,
    RegisterItemsParams,
    RegisterItemsResult,
)


@handler("ingest.register_collection")
def register_collection(params: IngestCollectionParams, ctx: TaskContext) -> RegisterCollectionResult:
    inventory = Inventory.model_validate(next(iter(ctx.results_of("inventory"))))
    copied = any(CopyResult.model_validate(r).batch is None for r in ctx.results_of("copy"))
    client = ctx.adapters.blobs.client
    targets = {a.key: blob_url(client, BlobRef(params.target_container, a.target_blob))
               for a in inventory.collection_assets} if copied else {}
    collection = with_assets_moved(inventory.collection, targets)
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.upsert_collections([collection])
    return RegisterCollectionResult(collection_id=inventory.collection_id, assets_rewritten=len(targets))


@handler("ingest.register_items")
def register_items(params: RegisterItemsParams, ctx: TaskContext) -> RegisterItemsResult:
    with ctx.adapters.db.connection() as conn:
        rows = conn.execute(sql("ingest/batch_items"),
                            {"job_id": ctx.job_id, "attempt": ctx.task.attempt, "batch": params.batch}).fetchall()
    ctx.check()
    client = ctx.adapters.blobs.client
    container = client.get_container_client(params.target_container).url.rstrip("/")
    items = [with_assets_moved(orjson.loads(row["item"]), _target_hrefs(row["assets"], container)) for row in rows]
    with pgstac_writer(ctx.adapters.db) as writer:
        writer.upsert_items(items)
    return RegisterItemsResult(batch=params.batch, items=len(items))


def _target_hrefs(assets: list[dict], container_url: str) -> dict[str, str]:
    """Asset key → its URL in the target container (built directly: one call per batch,
    not per asset, as this runs for every item)."""
    return {a["key"]: f"{container_url}/{quote(a['target_blob'], safe='/~')}" for a in assets}
