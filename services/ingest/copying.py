"""Stage 2: server-side copies of one batch's assets, source → target container.

A target that already holds the same content is skipped, so running a batch again (a
retry, a re-ingestion) copies nothing twice. Missing source blobs fail the batch before
anything is copied, naming each blob.
"""

from concurrent.futures import ThreadPoolExecutor

from azure.storage.blob import BlobProperties

from core.errors import Conflict, InvalidInput
from infrastructure.db.queries import sql
from infrastructure.storage.copies import BlobRef, properties, same_content, start_copy, wait_for_copies
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import AssetCopy, CopyParams, CopyResult, Inventory

HEAD_THREADS = 8   # property reads and copy starts are round trips: overlap them


@handler("ingest.copy")
def copy_batch(params: CopyParams, ctx: TaskContext) -> CopyResult:
    wanted = _assets(params, ctx)
    client = ctx.adapters.blobs.client
    pairs = [(BlobRef(params.source_container, a.source_blob), BlobRef(params.target_container, a.target_blob)) for a in wanted]
    with ThreadPoolExecutor(HEAD_THREADS) as pool:
        sources = list(pool.map(lambda pair: properties(client, pair[0]), pairs))
        _require_sources(params, wanted, sources)
        ctx.check()
        targets = list(pool.map(lambda pair: properties(client, pair[1]), pairs))
        to_copy = [(pair, src) for pair, src, dst in zip(pairs, sources, targets) if not _up_to_date(pair, src, dst, params)]
        ctx.progress.update(done=len(pairs) - len(to_copy), total=len(pairs), unit="blobs")
        statuses = list(pool.map(lambda job: start_copy(client, job[0][0], job[0][1], job[1]), to_copy))
    pending = [pair[1] for (pair, _), status in zip(to_copy, statuses) if status != "success"]
    wait_for_copies(client, pending, check=ctx.check)
    return CopyResult(batch=params.batch, copied=len(to_copy), skipped=len(pairs) - len(to_copy),
                      bytes_copied=sum(src.size for _, src in to_copy))


def _assets(params: CopyParams, ctx: TaskContext) -> list[AssetCopy]:
    """This task's assets, each target once (items may share an asset)."""
    if params.batch is None:
        inventory = Inventory.model_validate(next(iter(ctx.results_of("inventory"))))
        assets = inventory.collection_assets
    else:
        with ctx.adapters.db.connection() as conn:
            rows = conn.execute(sql("ingest/batch_assets"),
                                {"job_id": ctx.job_id, "attempt": ctx.task.attempt, "batch": params.batch}).fetchall()
        assets = [_owner(a, row["item_id"]) for row in rows for a in row["assets"]]
    unique = {a.target_blob: a for a in assets}
    return list(unique.values())


def _owner(asset: dict, item_id: str) -> AssetCopy:
    """The asset, its key prefixed with its item (errors then say whose asset is missing)."""
    return AssetCopy.model_validate(asset | {"key": f"{item_id}/{asset['key']}"})


def _require_sources(params: CopyParams, wanted: list[AssetCopy], sources: list[BlobProperties | None]) -> None:
    missing = [a for a, src in zip(wanted, sources) if src is None]
    if missing:
        where = "the collection's assets" if params.batch is None else f"batch {params.batch}"
        names = ", ".join(f"{a.source_blob!r} (asset {a.key})" for a in missing)
        raise InvalidInput(f"{where}: {len(missing)} asset blob(s) not found in container {params.source_container!r}: {names}")


def _up_to_date(pair: tuple[BlobRef, BlobRef], source: BlobProperties, target: BlobProperties | None, params: CopyParams) -> bool:
    if target is None:
        return False
    if same_content(source, target):
        return True
    if not params.overwrite:
        raise Conflict(f"target blob {pair[1]} exists with different content from {pair[0]}; "
                       "submit with overwrite=true to replace it")
    return False
