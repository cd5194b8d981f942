"""Stage 2, one task per part: read the part's items (item files 16 at a time, an NDJSON
range, an ItemCollection slice), skip those registered before with the same content,
validate the rest and stage them in app.ingest_items as one batch.

Every problem of the part is reported together: unreadable or invalid items by source,
items naming another collection by id, ids used twice — in this part or in one staged by
another (the staging table's key catches those whichever task comes second).
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import orjson
import psycopg

from core.errors import InvalidInput
from core.stac.hrefs import BlobLocation
from core.stac.ndjson import lines_in_range
from infrastructure.db.queries import sql
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.reads import read_blob, read_range
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.ingest.items import RawItem, StagedItem, content_hash, stage_item
from services.ingest.models import PartParams, PartResult
from services.ingest.outbound import asset_planner
from services.metrics.trackers import RasterCollectionTracker

READ_THREADS = 16  # item files are small: request latency, not bandwidth, bounds reading them
# (x worker threads, within the blob store's 64 connections)
MAX_LISTED = 5  # problems named in an error; the rest are counted
PROGRESS_EVERY = 50


@handler("ingest.inventory")
def inventory(params: PartParams, ctx: TaskContext) -> PartResult:
    part = _part(ctx, params.part)
    store = ctx.adapters.blobs
    source = BlobLocation(params.source_container, store.container_url(params.source_container))
    raws = list(_raw_items(ctx, part, source))
    context = f"{params.target_container}\0{params.copy_external}".encode()
    hashes = [content_hash(raw, context) for raw in raws]
    known = {} if params.overwrite else _known(ctx, part["collection_id"], hashes)
    planner = asset_planner(ctx.adapters.settings, source, params.copy_external)
    target_url = store.container_url(params.target_container)
    staged, problems = _read(
        ctx,
        list(zip(raws, hashes, strict=True)),
        known,
        lambda raw, digest: stage_item(raw, digest, part["collection_id"], planner, target_url),
    )
    _refuse(part, raws, staged, problems)
    _stage(ctx, params.part, part["collection_id"], staged)
    return _result(params.part, part["collection_id"], raws, staged)


def _read(
    ctx: TaskContext,
    pairs: list[tuple[RawItem, bytes]],
    known: dict[bytes, str],
    stage: Callable[[RawItem, bytes], StagedItem],
) -> tuple[list[StagedItem], list[str]]:
    """Each item staged (unchanged ones by their recorded id, unparsed), or its problem."""
    tracker = RasterCollectionTracker(ctx.progress, total_files=len(pairs), unit="items")
    staged, problems = [], []
    for start in range(0, len(pairs), PROGRESS_EVERY):
        chunk = pairs[start : start + PROGRESS_EVERY]
        for raw, digest in chunk:
            if digest in known:
                staged.append(StagedItem(id=known[digest], source=raw.source, content_hash=digest))
            elif raw.unreadable:
                problems.append(raw.unreadable)
            else:
                try:
                    staged.append(stage(raw, digest))
                except InvalidInput as exc:
                    problems.append(exc.detail)
        tracker.items_done(
            len(chunk),
            nbytes=sum(len(raw.raw) for raw, _ in chunk),
            unchanged=sum(1 for _, digest in chunk if digest in known),
        )
        ctx.check()
    return staged, problems


def _part(ctx: TaskContext, number: int) -> dict:
    with ctx.adapters.db.connection() as conn:
        row = conn.execute(
            sql("ingest/get_part"),
            {"job_id": ctx.job_id, "attempt": ctx.job_attempt, "part": number},
        ).fetchone()
    if row is None:
        raise InvalidInput(
            f"part {number} of this attempt was not planned (was the discover stage re-run?)"
        )
    return row


def _raw_items(ctx: TaskContext, part: dict, source: BlobLocation) -> Iterator[RawItem]:
    if part["kind"] == "links":
        yield from _linked(ctx, part["links"], source)
    elif part["kind"] == "ndjson":
        yield from _ndjson_range(ctx, part, source)
    else:
        for number, line in enumerate(
            part["features"].encode().split(b"\n"), start=part["first_feature"] + 1
        ):
            yield RawItem(f"{part['blob']} feature {number}", part["blob"], line)


def _linked(ctx: TaskContext, blobs: list[str], source: BlobLocation) -> Iterator[RawItem]:
    store, limit = ctx.adapters.blobs, ctx.adapters.settings.ingest_document_max_bytes

    def read(blob: str) -> RawItem:
        try:
            return RawItem(
                blob,
                blob,
                read_blob(store, BlobRef(source.container, blob), "item document", limit),
            )
        except InvalidInput as exc:  # a missing file is reported with the part's other problems
            return RawItem(blob, blob, b"", unreadable=exc.detail)

    with ThreadPoolExecutor(min(READ_THREADS, max(1, len(blobs)))) as pool:
        yield from pool.map(read, blobs)


def _ndjson_range(ctx: TaskContext, part: dict, source: BlobLocation) -> Iterator[RawItem]:
    store, ref = ctx.adapters.blobs, BlobRef(source.container, part["blob"])
    reader = lambda offset, length: read_range(store, ref, offset, length)  # noqa: E731
    for offset, line in lines_in_range(reader, part["first_byte"], part["end_byte"], part["size"]):
        yield RawItem(f"{part['blob']} line at byte {offset}", part["blob"], line)


def _refuse(part: dict, raws: list[RawItem], staged: list[StagedItem], problems: list[str]) -> None:
    if problems:
        raise InvalidInput(
            f"{len(problems)} of {len(raws)} items {_where(part)} are invalid: " + _listed(problems)
        )
    collection_id = part["collection_id"]
    foreign = [
        f"{s.id!r} ({s.source}) names {s.declared_collection!r}"
        for s in staged
        if s.declared_collection not in (None, collection_id)
    ]
    if foreign:
        raise InvalidInput(
            f"{len(foreign)} items {_where(part)} belong to another collection than "
            f"{collection_id!r}: " + _listed(foreign)
        )
    twice = [item_id for item_id, count in Counter(s.id for s in staged).items() if count > 1]
    if twice:
        sources = {item_id: [s.source for s in staged if s.id == item_id] for item_id in twice}
        raise InvalidInput(
            f"{len(twice)} item ids of collection {collection_id!r} appear more than once in part "
            f"{part['part']}: " + _listed([f"{i!r} ({' and '.join(sources[i])})" for i in twice])
        )


def _where(part: dict) -> str:
    return f"of collection {part['collection_id']!r} in part {part['part']}"


def _listed(problems: list[str]) -> str:
    more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
    return "; ".join(problems[:MAX_LISTED]) + more


def _known(ctx: TaskContext, collection_id: str, hashes: list[bytes]) -> dict[bytes, str]:
    with ctx.adapters.db.connection() as conn:
        # binary: arrays of 500 values dumped as text cost a regex substitution each
        rows = conn.execute(
            sql("ingest/known_hashes"),
            {"collection_id": collection_id, "hashes": hashes},
            binary=True,
        ).fetchall()
    return {bytes(row["content_hash"]): row["item_id"] for row in rows}


def _stage(ctx: TaskContext, batch: int, collection_id: str, staged: list[StagedItem]) -> None:
    """Replaces this part's rows in one transaction, so a retried part is idempotent. An id
    another part staged makes the COPY fail on the key: the error names both sources."""
    key = {"job_id": ctx.job_id, "attempt": ctx.job_attempt, "batch": batch}
    try:
        with ctx.adapters.db.connection() as conn:
            conn.execute(sql("ingest/clear_batch"), key)
            with conn.cursor().copy(sql("ingest/copy_items")) as copy:
                for item in staged:
                    copy.write_row(_row(ctx, batch, collection_id, item))
    except psycopg.errors.UniqueViolation as exc:
        raise InvalidInput(_clashes(ctx, batch, collection_id, staged)) from exc


def _row(ctx: TaskContext, batch: int, collection_id: str, item: StagedItem) -> tuple:
    assets = orjson.dumps([c.model_dump(exclude_none=True) for c in item.copies]).decode()
    return (
        ctx.job_id,
        ctx.job_attempt,
        collection_id,
        item.id,
        batch,
        item.source,
        item.content_hash,
        item.text,
        assets,
    )


def _clashes(ctx: TaskContext, batch: int, collection_id: str, staged: list[StagedItem]) -> str:
    with ctx.adapters.db.connection() as conn:
        rows = conn.execute(
            sql("ingest/clashing_ids"),
            {
                "job_id": ctx.job_id,
                "attempt": ctx.job_attempt,
                "collection_id": collection_id,
                "item_ids": [s.id for s in staged],
                "batch": batch,
            },
        ).fetchall()
    mine = {s.id: s.source for s in staged}
    listed = [f"{r['item_id']!r} ({r['source']} and {mine[r['item_id']]})" for r in rows]
    return (
        f"{len(rows)} item ids of collection {collection_id!r} appear more than once: "
        + _listed(listed)
    )


def _result(
    batch: int, collection_id: str, raws: list[RawItem], staged: list[StagedItem]
) -> PartResult:
    changed = [s for s in staged if s.text is not None]
    hosts = Counter(host for s in changed for host in s.external_hosts)
    return PartResult(
        batch=batch,
        collection_id=collection_id,
        items=len(staged),
        staged=len(changed),
        unchanged=len(staged) - len(changed),
        assets=sum(len(s.copies) for s in changed),
        external_assets=sum(hosts.values()),
        external_hosts=[h for h, _ in hosts.most_common(MAX_LISTED)],
        migrated=dict(Counter(s.original_version for s in changed if s.original_version)),
        bytes_read=sum(len(r.raw) for r in raws),
    )
