"""Stage 6: describe each registered collection as an H3 aggregation source
(h3.source_catalog), total up what was done, and drop the job's staging rows."""

from collections import Counter

import orjson
from psycopg.types.json import Jsonb

from core.h3.resolutions import resolution_range
from core.engine.results import each_result, one_result
from infrastructure.db.queries import sql
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import (
    CollectionFound,
    CollectionOutcome,
    CopyResult,
    Discovery,
    FinalizeResult,
    IngestCollectionParams,
    PartResult,
    RegisterItemsResult,
)
from services.ingest.raster_probe import probe_asset
from services.ingest.source_description import SourceDescription, choose_asset, describe_from_stac

# Used when neither STAC metadata nor the raster itself tells the pixel size.
DEFAULT_PIXEL_METRES = 30.0
MAX_HOSTS = 5


@handler("ingest.finalize")
def finalize(params: IngestCollectionParams, ctx: TaskContext) -> FinalizeResult:
    discovery = one_result(ctx, "discover", Discovery)
    parts = list(each_result(ctx, "inventory", PartResult))
    registered = list(each_result(ctx, "register_items", RegisterItemsResult))
    copies = list(each_result(ctx, "copy", CopyResult))
    done = {batch for r in registered for batch in r.batches}
    with ctx.adapters.db.connection() as conn:
        outcomes = [
            _collection_outcome(conn, params, c, parts, registered, ctx)
            for c in discovery.collections
        ]
        conn.execute(
            sql("ingest/clear_attempt"), {"job_id": ctx.job_id, "attempt": ctx.job_attempt}
        )
        conn.execute(
            sql("ingest/clear_attempt_parts"), {"job_id": ctx.job_id, "attempt": ctx.job_attempt}
        )
    hosts = Counter(host for p in parts for host in p.external_hosts)
    migrated = Counter()
    for p in parts:
        migrated.update(p.migrated)
    first = outcomes[0]
    return FinalizeResult(
        collection_id=first.collection_id,
        collections=outcomes,
        items_total=sum(o.items_total for o in outcomes),
        items_registered=sum(o.items_registered for o in outcomes),
        items_unchanged=sum(o.items_unchanged for o in outcomes),
        failed_batches=sorted(p.batch for p in parts if p.staged and p.batch not in done),
        source_catalog_id=first.source_catalog_id,
        data_type=first.data_type,
        external_assets=sum(p.external_assets for p in parts)
        + sum(c.external_assets for c in discovery.collections),
        external_copied=sum(c.external_copied for c in copies),
        external_hosts=[h for h, _ in hosts.most_common(MAX_HOSTS)],
        migrated=dict(migrated),
    )


def _collection_outcome(
    conn,
    params: IngestCollectionParams,
    found: CollectionFound,
    parts: list[PartResult],
    registered: list[RegisterItemsResult],
    ctx: TaskContext,
) -> CollectionOutcome:
    its_parts = [p for p in parts if p.collection_id == found.id]
    its_registered = [r for r in registered if r.collection_id == found.id]
    unchanged = sum(p.unchanged for p in its_parts)
    items_registered = sum(r.items for r in its_registered)
    catalog_id, data_type = _catalog_entry(
        conn, params, found, its_registered, items_registered + unchanged, ctx
    )
    return CollectionOutcome(
        collection_id=found.id,
        items_total=sum(p.items for p in its_parts),
        items_registered=items_registered,
        items_unchanged=unchanged,
        original_stac_version=found.original_stac_version,
        source_catalog_id=catalog_id,
        data_type=data_type,
    )


def _catalog_entry(
    conn,
    params: IngestCollectionParams,
    found: CollectionFound,
    registered: list[RegisterItemsResult],
    item_count: int,
    ctx: TaskContext,
) -> tuple[str | None, str | None]:
    """Writes the H3 entry from the collection's first registered item; returns its id and
    data type. With no item to describe it from (all unchanged, or an earlier try of this
    task already wrote it and dropped the rows), the collection's entry stays, recounted."""
    first = conn.execute(
        sql("ingest/first_item"),
        {
            "job_id": ctx.job_id,
            "attempt": ctx.job_attempt,
            "collection_id": found.id,
            "batches": [b for r in registered for b in r.batches],
        },
    ).fetchone()
    if first is None:
        entry = conn.execute(
            sql("ingest/source_of_collection"), {"collection_id": found.id, "job_id": ctx.job_id}
        ).fetchone()
        if entry is None:
            return None, None
        conn.execute(sql("ingest/set_source_count"), {"id": entry["id"], "item_count": item_count})
        return entry["id"], entry["data_type"]
    source = _describe(params, found.document, first, ctx)
    if source is None:
        return None, None
    conn.execute(sql("ingest/upsert_source"), _catalog_row(params, found, source, ctx, item_count))
    return _catalog_id(found.id, source), source.data_type


def _describe(
    params: IngestCollectionParams, collection: dict, first: dict, ctx: TaskContext
) -> SourceDescription | None:
    item = orjson.loads(first["item"])
    asset_key = choose_asset(item, params.asset_key)
    if asset_key is None:
        return None
    described = describe_from_stac(collection, item, asset_key)
    copied = {a["key"]: a["target_blob"] for a in first["assets"]}
    if asset_key in copied and (
        described.data_type == "unknown"
        or described.pixel_metres is None
        or not described.band_info
    ):
        probed = probe_asset(ctx.adapters.settings, params.target_container, copied[asset_key])
        described.band_info = described.band_info or probed.band_info
        described.pixel_metres = described.pixel_metres or probed.pixel_metres
        if described.data_type == "unknown":
            described.data_type = probed.data_type
    return described


def _catalog_id(collection_id: str, source: SourceDescription) -> str:
    return f"{collection_id}:{source.asset_key}"


def _catalog_row(
    params: IngestCollectionParams,
    found: CollectionFound,
    source: SourceDescription,
    ctx: TaskContext,
    item_count: int,
) -> dict:
    collection = found.document
    bbox = collection["extent"]["spatial"]["bbox"][0]
    corners = bbox if len(bbox) == 4 else [bbox[0], bbox[1], bbox[3], bbox[4]]
    coarsest, finest = resolution_range(source.pixel_metres or DEFAULT_PIXEL_METRES, corners)
    keywords = collection.get("keywords") or []
    return {
        "id": _catalog_id(found.id, source),
        "title": collection.get("title") or found.id,
        "source_type": "stac_collection",
        "collection_id": found.id,
        "asset_key": source.asset_key,
        "data_type": source.data_type,
        "band_info": Jsonb(source.band_info),
        "theme": params.theme or (keywords[0] if keywords else "unspecified"),
        "min_resolution": coarsest,
        "max_resolution": finest,
        "aggregation_method": params.aggregation_method
        or ("mode" if source.data_type == "categorical" else "mean"),
        "west": corners[0],
        "south": corners[1],
        "east": corners[2],
        "north": corners[3],
        "item_count": item_count,
        "etl_job_id": ctx.job_id,
    }
