"""process_vector's task types: inspect → load chunks → build indexes → publish."""

import time
from pathlib import Path

from psycopg import sql as pgsql

from core.engine.results import each_result, one_result
from core.errors import InvalidInput
from core.models.metadata import ExternalRefs
from core.ownership import table as table_claim
from services.access.ownership import claim_for_job
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.vector import publishing, staging
from services.vector.inspection import inspect_source
from services.vector.loading import PreparedChunk, commit_chunk, read_chunk, stored_report
from services.vector.models import (
    ChunkSpec,
    IndexParams,
    IndexResult,
    InspectResult,
    LoadChunkParams,
    ProcessVectorParams,
    PublishResult,
)
from services.vector.report import ChunkReport, merge_chunks
from services.vector.report_building import build_report
from services.vector.sources import SourceCache


@handler("vector.inspect")
def inspect(params: ProcessVectorParams, ctx: TaskContext) -> InspectResult:
    plan = _inspection_result(params, *_examine(params, ctx))
    settings = ctx.adapters.settings
    attempt = ctx.job_attempt
    with ctx.adapters.db.connection() as conn:
        if (
            params.all_layers
        ):  # the layers' table names are known now: claimed before anything loads
            claim_for_job(
                conn,
                ctx.job_id,
                [table_claim(n) for n in publishing.claimed_tables(params.table_name, plan)],
            )
        staging.drop_stale_staging(
            conn, ctx.job_id, attempt, settings.vector_staging_retention_hours
        )
        for index, group in enumerate(plan.groups):
            group.staging = staging.create_staging_tables(
                conn, ctx.job_id, attempt, group.columns, index
            )
    return plan


def preview_inspect(params: ProcessVectorParams, ctx: TaskContext) -> InspectResult:
    """The inspection without its side effects (no claims, no staging tables): what a
    pipeline's plan preview needs to count the load's chunks on the real file."""
    return _inspection_result(params, *_examine(params, ctx))


def _examine(params: ProcessVectorParams, ctx: TaskContext):
    settings = ctx.adapters.settings
    container = params.container or settings.bronze_container
    prepared = SourceCache(settings).materialize(ctx.adapters.blobs, container, params.blob_name)
    ctx.check()
    found = inspect_source(
        prepared,
        settings,
        layer=params.layer,
        source_crs=params.source_crs,
        all_layers=params.all_layers,
        merge_layers=params.merge_layers,
    )
    return container, prepared, found


def _inspection_result(
    params: ProcessVectorParams, container: str, prepared, found
) -> InspectResult:
    return InspectResult(
        source={
            "container": container,
            "blob_name": params.blob_name,
            "etag": prepared.etag,
            "format": prepared.format,
            "format_reason": prepared.reason,
            "size_bytes": prepared.size_bytes,
            "encoding": prepared.encoding or found.encoding,
            "encoding_reason": prepared.encoding_reason,
            "csv_geometry": found.csv_geometry,
            "prepare_repairs": prepared.repairs,
        },
        layer=found.layer,
        layers=found.layers,
        datasets=found.datasets,
        groups=found.groups,
        feature_count=found.feature_count,
        declared_geometry_type=found.declared_geometry_type,
        chunks=found.chunks,
        warnings=prepared.warnings + found.warnings,
    )


def plan_chunks(ctx) -> list[dict]:
    """Load-stage planner: one task per chunk the inspection planned."""
    return [chunk.model_dump() for chunk in one_result(ctx, "inspect", InspectResult).chunks]


@handler("vector.load_chunk")
def load_chunk(params: LoadChunkParams, ctx: TaskContext) -> ChunkReport:
    plan = one_result(ctx, "inspect", InspectResult)
    key = {"job_id": ctx.job_id, "attempt": ctx.job_attempt, "chunk": params.index}
    with ctx.adapters.db.connection() as conn:
        done = stored_report(conn, key)
        missing = (
            []
            if done
            else staging.missing_staging(conn, [t for g in plan.groups for t in g.staging.values()])
        )
    if done is not None:
        return done
    if missing:
        raise InvalidInput(
            f"this load's staging tables were dropped ({', '.join(missing)}): its job sat failed "
            "past VECTOR_STAGING_RETENTION_HOURS; resubmit the job"
        )
    settings = ctx.adapters.settings
    prepared = SourceCache(settings).materialize(
        ctx.adapters.blobs,
        plan.source["container"],
        plan.source["blob_name"],
        etag=plan.source["etag"],
    )
    spec = ChunkSpec(**params.model_dump())
    ctx.progress.update(done=0, total=spec.count, unit="features")
    clock = [time.monotonic()]
    meta, table = read_chunk(Path(prepared.root), plan, spec)
    clock.append(time.monotonic())
    ctx.check()
    chunk = PreparedChunk(
        plan,
        spec,
        meta,
        table,
        tolerance=settings.vector_vertex_tolerance,
        sample_size=settings.vector_report_sample_size,
    )
    del meta, table  # the chunk holds what it needs; the source columns can go before the COPY
    clock.append(time.monotonic())
    chunk.report.seconds = {
        "read": round(clock[1] - clock[0], 3),
        "repair": round(clock[2] - clock[1], 3),
    }
    ctx.check()
    with ctx.adapters.db.connection() as conn:
        report = commit_chunk(conn, key, chunk)
    report.seconds["copy"] = round(time.monotonic() - clock[2], 3)
    ctx.progress.update(done=spec.count)
    return report


def plan_indexes(ctx) -> list[dict]:
    """Index-stage planner: a primary key and a spatial index per staging table that received
    rows; building them as separate tasks lets both cores work (CREATE INDEX locks allow it)."""
    rows: dict[tuple[int, str], int] = {}
    for report in each_result(ctx, "load", ChunkReport):
        for kind, count in report.rows.items():
            rows[(report.group, kind)] = rows.get((report.group, kind), 0) + count
    plan = one_result(ctx, "inspect", InspectResult)
    return [
        IndexParams(
            kind=kind, staging_table=plan.groups[group].staging[kind], index=index, group=group
        ).model_dump()
        for (group, kind) in sorted(rows)
        if rows[(group, kind)]
        for index in ("spatial", "primary_key")
    ]


@handler("vector.build_index")
def build_index(params: IndexParams, ctx: TaskContext) -> IndexResult:
    started = time.monotonic()
    name = staging.staging_indexes(params.staging_table)[params.index]
    statement = "vector/spatial_index" if params.index == "spatial" else "vector/primary_key_index"
    with ctx.adapters.db.connection() as conn:
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute(
            staging.query(
                statement, index=pgsql.Identifier(name), table=staging.staged(params.staging_table)
            )
        )
    return IndexResult(
        kind=params.kind,
        staging_table=params.staging_table,
        index=params.index,
        seconds=round(time.monotonic() - started, 3),
    )


@handler("vector.publish")
def publish(job_params: ProcessVectorParams, ctx: TaskContext) -> PublishResult:
    plan = one_result(ctx, "inspect", InspectResult)
    settings = ctx.adapters.settings
    reports = list(each_result(ctx, "load", ChunkReport))
    totals = merge_chunks(reports, settings.vector_report_sample_size)
    per_group = {
        index: merge_chunks(
            [r for r in reports if r.group == index], settings.vector_report_sample_size
        )
        for index in range(len(plan.groups))
    }
    attempt = ctx.job_attempt
    warnings = list(plan.warnings)
    if totals.features_kept == 0:
        with ctx.adapters.db.connection() as conn:
            publishing.drop_staging(conn, plan, ctx.job_id, attempt)
        raise publishing.nothing_to_publish(totals)
    choices = publishing.choose_tables(job_params.table_name, plan, per_group, warnings)
    collection_id = settings.stac_vector_collection
    metadata = [
        publishing.vector_metadata(
            c, job_params, plan, per_group[c.group], ctx.job_id, collection_id
        )
        for c in choices
    ]
    refs = (
        [
            ExternalRefs(
                dataset_id=c.table_name,
                data_type="vector",
                ddh=job_params.ddh,
                other_refs={"job_id": ctx.job_id},
            )
            for c in choices
        ]
        if job_params.ddh
        else []
    )
    with ctx.adapters.db.connection() as conn:
        done = publishing.already_published(conn, choices, ctx.job_id, attempt)
    if not done:
        with ctx.adapters.db.connection() as conn:
            publishing.analyze(conn, choices)
        ctx.check()
        with ctx.adapters.db.connection() as conn:
            publishing.swap_in(
                conn,
                job_params.table_name,
                publishing.claimed_tables(job_params.table_name, plan),
                choices,
                metadata,
                refs,
                publishing.vectors_collection(collection_id),
                job_id=ctx.job_id,
                attempt=attempt,
            )
            publishing.drop_staging(conn, plan, ctx.job_id, attempt)
    report = build_report(
        ctx.job_id, job_params.table_name, plan, totals, per_group, choices, warnings
    )
    return PublishResult(
        tables=[c.table_name for c in choices],
        report_summary=report.summary(),
        report=report.model_dump(mode="json"),
    )


HANDLERS = [inspect, load_chunk, build_index, publish]
