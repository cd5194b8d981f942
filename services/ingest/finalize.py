"""Stage 5: describe the registered collection as an H3 aggregation source
(h3.source_catalog) and drop the job's staging rows."""

import orjson
from psycopg.types.json import Jsonb

from core.h3.resolutions import resolution_range
from infrastructure.db.queries import sql
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import FinalizeResult, IngestCollectionParams, Inventory, RegisterItemsResult
from services.ingest.raster_probe import probe_asset
from services.ingest.source_description import SourceDescription, choose_asset, describe_from_stac

# Used when neither STAC metadata nor the raster itself tells the pixel size.
DEFAULT_PIXEL_METRES = 30.0


@handler("ingest.finalize")
def finalize(params: IngestCollectionParams, ctx: TaskContext) -> FinalizeResult:
    inventory = Inventory.model_validate(next(iter(ctx.results_of("inventory"))))
    registered = [RegisterItemsResult.model_validate(r) for r in ctx.results_of("register_items")]
    failed = sorted({b.batch for b in inventory.batches} - {r.batch for r in registered})
    with ctx.adapters.db.connection() as conn:
        catalog_id, data_type = _catalog_entry(conn, params, inventory, registered, ctx)
        conn.execute(sql("ingest/clear_attempt"), {"job_id": ctx.job_id, "attempt": ctx.task.attempt})
    return FinalizeResult(
        collection_id=inventory.collection_id,
        items_total=inventory.items,
        items_registered=sum(r.items for r in registered),
        failed_batches=failed,
        source_catalog_id=catalog_id,
        data_type=data_type,
    )


def _catalog_entry(conn, params: IngestCollectionParams, inventory: Inventory, registered: list[RegisterItemsResult],
                   ctx: TaskContext) -> tuple[str | None, str | None]:
    """Writes the H3 entry from the first registered item; returns its id and data type."""
    batches = [r.batch for r in registered]
    first = conn.execute(sql("ingest/first_item"), {"job_id": ctx.job_id, "attempt": ctx.task.attempt, "batches": batches}).fetchone()
    if first is None:
        # No staging rows: nothing was registered, or an earlier try of this task already
        # wrote the entry and dropped them (its commit outran its completion).
        entry = conn.execute(sql("ingest/source_of_job"), {"collection_id": inventory.collection_id, "job_id": ctx.job_id}).fetchone()
        return (entry["id"], entry["data_type"]) if entry else (None, None)
    source = _describe(params, inventory, first, ctx)
    if source is None:
        return None, None
    conn.execute(sql("ingest/upsert_source"), _catalog_row(params, inventory, source, ctx, sum(r.items for r in registered)))
    return _catalog_id(inventory, source), source.data_type


def _describe(params: IngestCollectionParams, inventory: Inventory, first: dict, ctx: TaskContext) -> SourceDescription | None:
    item = orjson.loads(first["item"])
    asset_key = choose_asset(item, params.asset_key)
    if asset_key is None:
        return None
    described = describe_from_stac(inventory.collection, item, asset_key)
    copied = {a["key"]: a["target_blob"] for a in first["assets"]}
    if asset_key in copied and (described.data_type == "unknown" or described.pixel_metres is None or not described.band_info):
        probed = probe_asset(ctx.adapters.settings, params.target_container, copied[asset_key])
        described.band_info = described.band_info or probed.band_info
        described.pixel_metres = described.pixel_metres or probed.pixel_metres
        if described.data_type == "unknown":
            described.data_type = probed.data_type
    return described


def _catalog_id(inventory: Inventory, source: SourceDescription) -> str:
    return f"{inventory.collection_id}:{source.asset_key}"


def _catalog_row(params: IngestCollectionParams, inventory: Inventory, source: SourceDescription, ctx: TaskContext,
                 item_count: int) -> dict:
    collection = inventory.collection
    bbox = collection["extent"]["spatial"]["bbox"][0]
    corners = bbox if len(bbox) == 4 else [bbox[0], bbox[1], bbox[3], bbox[4]]
    coarsest, finest = resolution_range(source.pixel_metres or DEFAULT_PIXEL_METRES, corners)
    keywords = collection.get("keywords") or []
    return {
        "id": _catalog_id(inventory, source),
        "title": collection.get("title") or inventory.collection_id,
        "source_type": "stac_collection",
        "collection_id": inventory.collection_id,
        "asset_key": source.asset_key,
        "data_type": source.data_type,
        "band_info": Jsonb(source.band_info),
        "theme": params.theme or (keywords[0] if keywords else "unspecified"),
        "min_resolution": coarsest,
        "max_resolution": finest,
        "aggregation_method": params.aggregation_method or ("mode" if source.data_type == "categorical" else "mean"),
        "west": corners[0], "south": corners[1], "east": corners[2], "north": corners[3],
        "item_count": item_count,
        "etl_job_id": ctx.job_id,
    }
