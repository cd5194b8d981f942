"""process_vector's task types: inspect → load chunks → build indexes → publish."""

import time
from pathlib import Path

from psycopg import sql as pgsql

from core.errors import ContractViolation, InvalidInput
from core.models.metadata import ExternalRefs
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.vector import publishing, staging
from services.vector.inspection import inspect_source
from services.vector.loading import PreparedChunk, commit_chunk, read_chunk, stored_report
from services.vector.precision import SERVED_DECIMALS
from services.vector.models import (
    ChunkSpec,
    IndexParams,
    IndexResult,
    InspectResult,
    LoadChunkParams,
    ProcessVectorParams,
    PublishResult,
)
from services.vector.report import ChunkReport, PublishedTable, Validity, VectorReport, merge_chunks
from services.vector.sources import SourceCache


def _inspection(ctx: TaskContext) -> InspectResult:
    results = list(ctx.results_of("inspect"))
    if len(results) != 1:
        raise ContractViolation(f"expected one inspect result, found {len(results)}")
    return InspectResult(**results[0])


@handler("vector.inspect")
def inspect(params: ProcessVectorParams, ctx: TaskContext) -> InspectResult:
    settings = ctx.adapters.settings
    container = params.container or settings.bronze_container
    prepared = SourceCache(settings).materialize(ctx.adapters.blobs.client, container, params.blob_name)
    ctx.check()
    found = inspect_source(prepared, settings, layer=params.layer, source_crs=params.source_crs,
                           all_layers=params.all_layers)
    attempt = ctx.task.attempt
    with ctx.adapters.db.connection() as conn:
        staging.drop_stale_staging(conn, ctx.job_id, attempt, settings.vector_staging_retention_hours)
        tables = staging.create_staging_tables(conn, ctx.job_id, attempt, found.columns)
    return InspectResult(
        source={"container": container, "blob_name": params.blob_name, "etag": prepared.etag,
                "format": prepared.format, "format_reason": prepared.reason, "size_bytes": prepared.size_bytes,
                "encoding": prepared.encoding or found.encoding, "encoding_reason": prepared.encoding_reason,
                "csv_geometry": found.csv_geometry},
        layer=found.layer, layers=found.layers, open_options=found.open_options, feature_count=found.feature_count,
        declared_geometry_type=found.declared_geometry_type, source_crs=found.source_crs, crs_reason=found.crs_reason,
        needs_reprojection=found.needs_reprojection, columns=found.columns, time_candidates=found.time_candidates,
        temporal_property=found.temporal_property, staging=tables, chunks=found.chunks,
        warnings=prepared.warnings + found.warnings,
    )


def plan_chunks(ctx) -> list[dict]:
    """Load-stage planner: one task per chunk the inspection planned."""
    for result in ctx.results_of("inspect"):
        return [ChunkSpec(**chunk).model_dump() for chunk in result["chunks"]]
    return []


@handler("vector.load_chunk")
def load_chunk(params: LoadChunkParams, ctx: TaskContext) -> ChunkReport:
    plan = _inspection(ctx)
    key = {"job_id": ctx.job_id, "attempt": ctx.task.attempt, "chunk": params.index}
    with ctx.adapters.db.connection() as conn:
        done = stored_report(conn, key)
        missing = [] if done else staging.missing_staging(conn, list(plan.staging.values()))
    if done is not None:
        return done
    if missing:
        raise InvalidInput(f"this load's staging tables were dropped ({', '.join(missing)}): its job sat failed "
                           "past VECTOR_STAGING_RETENTION_HOURS; resubmit the job")
    settings = ctx.adapters.settings
    prepared = SourceCache(settings).materialize(ctx.adapters.blobs.client, plan.source["container"],
                                                 plan.source["blob_name"], etag=plan.source["etag"])
    spec = ChunkSpec(**params.model_dump())
    ctx.progress.update(done=0, total=spec.count, unit="features")
    meta, table = read_chunk(Path(prepared.path), plan, spec)
    ctx.check()
    chunk = PreparedChunk(plan, spec, meta, table, tolerance=settings.vector_vertex_tolerance,
                          sample_size=settings.vector_report_sample_size)
    ctx.check()
    with ctx.adapters.db.connection() as conn:
        report = commit_chunk(conn, key, chunk)
    ctx.progress.update(done=spec.count)
    return report


def plan_indexes(ctx) -> list[dict]:
    """Index-stage planner: a primary key and a spatial index per kind that received rows;
    building them as separate tasks lets both cores work (CREATE INDEX locks allow it)."""
    rows: dict[str, int] = {}
    for report in ctx.results_of("load"):
        for kind, count in report.get("rows", {}).items():
            rows[kind] = rows.get(kind, 0) + count
    plan = next(iter(ctx.results_of("inspect")))
    return [IndexParams(kind=kind, staging_table=plan["staging"][kind], index=index).model_dump()
            for kind in sorted(rows) if rows[kind] for index in ("spatial", "primary_key")]


@handler("vector.build_index")
def build_index(params: IndexParams, ctx: TaskContext) -> IndexResult:
    started = time.monotonic()
    name = staging.staging_indexes(params.staging_table)[params.index]
    statement = "vector/spatial_index" if params.index == "spatial" else "vector/primary_key_index"
    with ctx.adapters.db.connection() as conn:
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute(staging.query(statement, index=pgsql.Identifier(name), table=staging.staged(params.staging_table)))
    return IndexResult(kind=params.kind, staging_table=params.staging_table, index=params.index,
                       seconds=round(time.monotonic() - started, 3))


@handler("vector.publish")
def publish(job_params: ProcessVectorParams, ctx: TaskContext) -> PublishResult:
    plan = _inspection(ctx)
    settings = ctx.adapters.settings
    totals = merge_chunks([ChunkReport(**r) for r in ctx.results_of("load")], settings.vector_report_sample_size)
    attempt = ctx.task.attempt
    warnings = list(plan.warnings)
    if totals.features_kept == 0:
        with ctx.adapters.db.connection() as conn:
            publishing.drop_staging(conn, plan, ctx.job_id, attempt)
        raise publishing.nothing_to_publish(totals)
    choices = publishing.choose_tables(job_params.table_name, plan, totals, warnings)
    collection_id = settings.stac_vector_collection
    metadata = [publishing.vector_metadata(c, job_params, plan, totals, ctx.job_id, collection_id) for c in choices]
    refs = [ExternalRefs(dataset_id=c.table_name, data_type="vector", ddh=job_params.ddh,
                         other_refs={"job_id": ctx.job_id}) for c in choices] if job_params.ddh else []
    with ctx.adapters.db.connection() as conn:
        done = publishing.already_published(conn, choices, ctx.job_id, attempt)
    if not done:
        with ctx.adapters.db.connection() as conn:
            publishing.analyze(conn, choices)
        ctx.check()
        with ctx.adapters.db.connection() as conn:
            publishing.swap_in(conn, job_params.table_name, choices, metadata, refs,
                               publishing.vectors_collection(collection_id), job_id=ctx.job_id, attempt=attempt)
            publishing.drop_staging(conn, plan, ctx.job_id, attempt)
    report = _report(ctx.job_id, job_params, plan, totals, choices, warnings)
    return PublishResult(tables=[c.table_name for c in choices], report_summary=report.summary(),
                         report=report.model_dump(mode="json"))


def _report(job_id: str, params: ProcessVectorParams, plan: InspectResult, totals: ChunkReport,
            choices: list[publishing.TableChoice], warnings: list[str]) -> VectorReport:
    dropped = sum(totals.dropped.values())
    return VectorReport(
        job_id=job_id, table_name=params.table_name,
        tables=[PublishedTable(table_name=c.table_name, kind=c.kind, geometry_type=staging.GEOMETRY_TYPES[c.kind],
                               feature_count=c.rows, bbox=totals.bbox.get(c.kind)) for c in choices],
        source={**plan.source, "layer": plan.layer, "layers": plan.layers},
        inferred={
            "format": plan.source["format"], "format_reason": plan.source["format_reason"],
            "encoding": plan.source.get("encoding"), "encoding_reason": plan.source.get("encoding_reason"),
            "crs": plan.source_crs, "crs_reason": plan.crs_reason,
            "declared_geometry_type": plan.declared_geometry_type, "geometry_types_found": totals.input_types,
            "csv_geometry": plan.source.get("csv_geometry"), "time_candidates": plan.time_candidates,
            "temporal_property": plan.temporal_property,
            "temporal_extent": [totals.temporal_min, totals.temporal_max] if plan.temporal_property else None,
            "columns": [{"name": c.name, "source_name": c.source_name, "type": c.pg_type} for c in plan.columns],
        },
        features_read=totals.features_read, features_written=totals.features_kept,
        accounted=totals.features_read == totals.features_kept + dropped,
        rows=totals.rows, repairs=totals.repairs, dropped=totals.dropped, repair_samples=totals.repair_samples,
        dropped_samples=totals.dropped_samples,
        validity=Validity(checked=totals.geometries_checked, invalid_before=totals.invalid_before,
                          invalid_after=totals.invalid_after, proven_valid=totals.proven_valid,
                          served_decimals=SERVED_DECIMALS),
        warnings=warnings,
    )


HANDLERS = [inspect, load_chunk, build_index, publish]
