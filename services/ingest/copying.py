"""Stage 3: one batch's assets into the target container — server-side copies from the
source container, and (copy_external) downloads from allowed hosts through the guarded
client.

A target that already holds the same content is skipped, so running a batch again (a
retry, a re-ingestion) copies nothing twice. Missing source blobs fail the batch before
anything is copied, naming each blob.
"""

from concurrent.futures import ThreadPoolExecutor

from core.errors import Conflict, InvalidInput
from core.engine.results import one_result
from core.storage import BlobInfo
from infrastructure.db.queries import sql
from infrastructure.http.outbound import guarded_client
from infrastructure.storage.copies import BlobRef, same_content, start_copy, wait_for_copies
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.models import AssetCopy, CopyParams, CopyResult, Discovery
from services.ingest.outbound import ExternalCopy, copy_external
from services.metrics.trackers import RasterCollectionTracker

HEAD_THREADS = 8  # property reads and copy starts are round trips: overlap them
DOWNLOAD_THREADS = 4  # external downloads: bandwidth-bound, a few at once


@handler("ingest.copy")
def copy_batch(params: CopyParams, ctx: TaskContext) -> CopyResult:
    wanted = _assets(params, ctx)
    internal = [a for a in wanted if a.source_blob is not None]
    external = [a for a in wanted if a.url is not None]
    tracker = RasterCollectionTracker(ctx.progress, total_files=len(wanted))
    copied, skipped, moved = _copy_internal(params, ctx, internal, tracker)
    downloads = _copy_external(params, ctx, external, tracker)
    fetched = sum(1 for d in downloads if d.copied)
    return CopyResult(
        batch=params.batch,
        copied=copied + fetched,
        skipped=skipped + len(downloads) - fetched,
        bytes_copied=moved + sum(d.bytes for d in downloads),
        external_copied=fetched,
    )


def _copy_internal(
    params: CopyParams, ctx: TaskContext, wanted: list[AssetCopy], tracker: RasterCollectionTracker
) -> tuple[int, int, int]:
    """(copied, skipped, bytes) for the assets in the source container."""
    store = ctx.adapters.blobs
    pairs = [
        (
            BlobRef(params.source_container, a.source_blob),
            BlobRef(params.target_container, a.target_blob),
        )
        for a in wanted
    ]
    with ThreadPoolExecutor(HEAD_THREADS) as pool:
        sources = list(pool.map(lambda pair: store.info(pair[0].container, pair[0].blob), pairs))
        _require_sources(params, wanted, sources)
        ctx.check()
        targets = list(pool.map(lambda pair: store.info(pair[1].container, pair[1].blob), pairs))
        to_copy = [
            (pair, src)
            for pair, src, dst in zip(pairs, sources, targets, strict=True)
            if not _up_to_date(pair, src, dst, params)
        ]
        statuses = list(
            pool.map(lambda job: start_copy(store, job[0][0], job[0][1], job[1]), to_copy)
        )
    pending = [
        pair[1] for (pair, _), status in zip(to_copy, statuses, strict=True) if status != "success"
    ]
    wait_for_copies(store, pending, check=ctx.check)
    for _, src in to_copy:
        tracker.file_done(src.size, cog_written=False)
    return len(to_copy), len(pairs) - len(to_copy), sum(src.size for _, src in to_copy)


def _copy_external(
    params: CopyParams, ctx: TaskContext, wanted: list[AssetCopy], tracker: RasterCollectionTracker
) -> list[ExternalCopy]:
    if not wanted:
        return []
    settings, store = ctx.adapters.settings, ctx.adapters.blobs

    def fetch(asset: AssetCopy) -> ExternalCopy:
        ctx.check()
        done = copy_external(
            http,
            asset.url,
            store,
            BlobRef(params.target_container, asset.target_blob),
            overwrite=params.overwrite,
            max_bytes=settings.ingest_external_max_bytes,
            max_retries=settings.http_max_retries,
        )
        tracker.file_done(done.bytes, cog_written=False)
        return done

    with guarded_client(settings) as http, ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        return list(pool.map(fetch, wanted))


def _assets(params: CopyParams, ctx: TaskContext) -> list[AssetCopy]:
    """This task's assets, each target once (items may share an asset)."""
    if params.batch is None:
        discovery = one_result(ctx, "discover", Discovery)
        assets = [_owned(a, c.id) for c in discovery.collections for a in c.assets]
    else:
        with ctx.adapters.db.connection() as conn:
            rows = conn.execute(
                sql("ingest/batch_assets"),
                {"job_id": ctx.job_id, "attempt": ctx.job_attempt, "batch": params.batch},
            ).fetchall()
        assets = [
            _owned(AssetCopy.model_validate(a), row["item_id"])
            for row in rows
            for a in row["assets"]
        ]
    unique = {a.target_blob: a for a in assets}
    return list(unique.values())


def _owned(asset: AssetCopy, owner: str) -> AssetCopy:
    """The asset, its key prefixed with its item or collection (errors then say whose asset is missing)."""
    return asset.model_copy(update={"key": f"{owner}/{asset.key}"})


def _require_sources(
    params: CopyParams, wanted: list[AssetCopy], sources: list[BlobInfo | None]
) -> None:
    missing = [a for a, src in zip(wanted, sources, strict=True) if src is None]
    if missing:
        where = "the collections' assets" if params.batch is None else f"batch {params.batch}"
        names = ", ".join(f"{a.source_blob!r} (asset {a.key})" for a in missing)
        raise InvalidInput(
            f"{where}: {len(missing)} asset blob(s) not found in container {params.source_container!r}: {names}"
        )


def _up_to_date(
    pair: tuple[BlobRef, BlobRef], source: BlobInfo, target: BlobInfo | None, params: CopyParams
) -> bool:
    if target is None:
        return False
    if same_content(source, target):
        return True
    if not params.overwrite:
        raise Conflict(
            f"target blob {pair[1]} exists with different content from {pair[0]}; "
            "submit with overwrite=true to replace it"
        )
    return False
