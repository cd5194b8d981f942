"""Stage 1: find the collections and where their items are.

Walks the root (a Collection, or a static catalog's Catalog) down its child links, reads
each items path (ItemCollection or NDJSON), claims every collection found — before
anything is copied, the collections must be this job's to replace — and plans the
inventory: parts of `batch_size` item links, NDJSON byte ranges of about as many lines,
slices of ItemCollections, written to app.ingest_parts.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from core.errors import InvalidInput
from core.ownership import stac_collection
from core.stac.catalogs import CatalogWalk, FoundCollection
from core.stac.hrefs import BlobLocation
from infrastructure.db.queries import sql
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.reads import blob_size, read_blob, read_range
from services.access.ownership import claim_for_job
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.assets import AssetPlanner
from services.ingest.models import CollectionFound, Discovery, IngestCollectionParams
from services.ingest.outbound import asset_planner
from services.ingest.sources import (
    HEAD_BYTES,
    LONG_HEAD_BYTES,
    Part,
    feature_parts,
    is_ndjson,
    link_parts,
    ndjson_parts,
)

READ_THREADS = 16  # catalog documents of one level are read together


@handler("ingest.discover")
def discover(params: IngestCollectionParams, ctx: TaskContext) -> Discovery:
    store = ctx.adapters.blobs
    source = BlobLocation(params.source_container, store.container_url(params.source_container))
    max_bytes = ctx.adapters.settings.ingest_document_max_bytes

    def read_many(blobs: list[str]) -> list[bytes]:
        ctx.check()
        with ThreadPoolExecutor(min(READ_THREADS, len(blobs))) as pool:
            return list(
                pool.map(
                    lambda blob: read_blob(
                        store, BlobRef(source.container, blob), "STAC document", max_bytes
                    ),
                    blobs,
                )
            )

    walk = CatalogWalk(source, read_many, params.max_depth)
    found = _checked_roots(params, walk.run(params.root_path))
    parts = [part for c in found for part in link_parts(c.id, c.item_blobs, params.batch_size)]
    files = [
        _item_file_parts(ctx, source, path, found[0].id, params.batch_size)
        for path in params.items_paths
    ]
    parts += [part for listed in files for part in listed[0]]
    planner = asset_planner(ctx.adapters.settings, source, params.copy_external)
    with ctx.adapters.db.connection() as conn:  # one transaction: claimed and planned, or neither
        claim_for_job(conn, ctx.job_id, [stac_collection(c.id) for c in found])
        _replace_parts(conn, ctx, parts)
    return Discovery(
        collections=[_described(c, planner) for c in found],
        parts=len(parts),
        item_links=sum(len(c.item_blobs) for c in found),
        ndjson_files=sum(1 for _, kind in files if kind == "ndjson"),
        item_collections=sum(1 for _, kind in files if kind == "features"),
        documents_walked=walk.documents,
    )


def _checked_roots(
    params: IngestCollectionParams, found: list[FoundCollection]
) -> list[FoundCollection]:
    if not found:
        raise InvalidInput(
            f"{params.root_path}: no Collection found in the catalog (pgSTAC keeps items in collections)"
        )
    if params.collection_json_path is not None and found[0].blob != params.collection_json_path:
        raise InvalidInput(
            f"{params.collection_json_path} is a Catalog, not a Collection: pass it as catalog_json_path"
        )
    return found


def _item_file_parts(
    ctx: TaskContext, source: BlobLocation, path: str, collection_id: str, batch_size: int
) -> tuple[list[Part], str]:
    """An items path as parts, and its kind (ndjson, or features for an ItemCollection)."""
    store = ctx.adapters.blobs
    ref = BlobRef(source.container, path)
    size = blob_size(store, ref, "items file")
    head = read_range(store, ref, 0, min(size, HEAD_BYTES))
    if b"\n" not in head and size > HEAD_BYTES:
        head = read_range(store, ref, 0, min(size, LONG_HEAD_BYTES))
    if is_ndjson(head):
        return list(ndjson_parts(collection_id, path, size, head, batch_size)), "ndjson"
    raw = read_blob(store, ref, "items file", ctx.adapters.settings.ingest_document_max_bytes)
    return list(feature_parts(collection_id, path, raw, batch_size)), "features"


def _replace_parts(conn, ctx: TaskContext, parts: list[Part]) -> None:
    """This job's earlier plans and staged items go: a new discovery starts the inventory over."""
    conn.execute(sql("ingest/clear_job"), {"job_id": ctx.job_id})
    conn.execute(sql("ingest/clear_job_parts"), {"job_id": ctx.job_id})
    with conn.cursor().copy(sql("ingest/copy_parts")) as copy:
        for row in _rows(ctx, parts):
            copy.write_row(row)


def _rows(ctx: TaskContext, parts: list[Part]) -> Iterator[tuple]:
    for number, part in enumerate(parts):
        yield part.row(ctx.job_id, ctx.job_attempt, number)


WALKED = ("item", "child")  # links followed by the walk; pgSTAC serves items itself


def _described(found: FoundCollection, planner: AssetPlanner) -> CollectionFound:
    """The collection as it will be registered, without the links the walk followed: a
    collection of 100,000 item links would otherwise travel in every stage's reads."""
    plan = planner.plan(found.document.get("assets") or {}, found.blob)
    document = {
        **found.document,
        "links": [link for link in found.document["links"] if link["rel"] not in WALKED],
    }
    return CollectionFound(
        id=found.id,
        blob=found.blob,
        document=document,
        original_stac_version=found.original_version,
        assets=plan.copies,
        external_assets=len(plan.external_hosts),
    )
