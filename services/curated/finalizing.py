"""curated.finalize: the last stage of `curated_update`. It makes the published data the
dataset's (mapping it to the target schema, or upserting it by key, where the dataset
asks for that; for an event source, merging the staged events), then records the new version in the registry and finishes the update
log with its counts — all in one transaction, so a retry either finds it all done or
does it all again."""

import psycopg
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from core.errors import InvalidInput
from core.ownership import table
from infrastructure.db.queries import sql
from services.access.ownership import claim_for_job
from services.curated.acled.merging import Target, merge_events, prepare_full_load
from services.curated.handlers import Finalized, StageRef, VersionCheck
from services.curated.schemas import schema_for
from services.curated.targets import Applied, TargetPlan, lock_and_verify, replace, upsert
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.vector.models import PublishResult
from core.engine.results import one_result


@handler("curated.finalize")
def finalize(params: StageRef, ctx: TaskContext) -> Finalized:
    check = one_result(ctx, "check_version", VersionCheck)
    db = ctx.adapters.db
    with db.connection() as conn:
        logged = conn.execute(sql("curated/log_of_job"), {"job_id": ctx.job_id}).fetchone()
    if logged is not None and logged["status"] == "completed":
        return _from_log(check, logged)
    if check.events is not None:
        return _finalize_events(check, ctx)
    published = one_result(ctx, params.source_stage, PublishResult)
    try:
        with db.connection() as conn:
            applied = _apply(conn, check, published, ctx)
            _record(conn, check.dataset_id, check.version, applied, ctx.job_id)
    except (pgerrors.DataError, pgerrors.IntegrityError) as exc:
        # e.g. a text where the target schema has a number, a duplicate key, a geometry kind the table does not take
        raise InvalidInput(
            f"the {check.dataset_id} data does not fit {check.target_table}: "
            f"{exc.diag.message_primary or exc}"
        ) from exc
    return Finalized(
        dataset_id=check.dataset_id,
        version=check.version,
        table=check.target_table,
        records_added=applied.added,
        records_updated=applied.updated,
        records_deleted=applied.deleted,
        records_total=applied.total,
        source_schema=applied.variant,
    )


def _finalize_events(check: VersionCheck, ctx: TaskContext) -> Finalized:
    """An event source's merge (services/curated/acled/merging.py) and its record, one transaction."""
    target = Target(
        dataset_id=check.dataset_id,
        table=check.target_table,
        title=check.title or check.target_table,
        description=check.description,
        previous_version=check.previous_version,
        job_id=ctx.job_id,
        attempt=ctx.job_attempt,
        collection_id=ctx.adapters.settings.stac_vector_collection,
    )
    try:
        built = (
            prepare_full_load(ctx.adapters.db, check.events)
            if check.events.mode == "full"
            else None
        )
        with ctx.adapters.db.connection() as conn:
            merged = merge_events(conn, target, check.events, built)
            _record(
                conn, check.dataset_id, merged.version, merged.applied, ctx.job_id, merged.details
            )
    except (pgerrors.DataError, pgerrors.IntegrityError) as exc:
        raise InvalidInput(
            f"the {check.dataset_id} events do not fit {check.target_table}: "
            f"{exc.diag.message_primary or exc}"
        ) from exc
    applied = merged.applied
    return Finalized(
        dataset_id=check.dataset_id,
        version=merged.version,
        table=check.target_table,
        records_added=applied.added,
        records_updated=applied.updated,
        records_deleted=applied.deleted,
        records_total=applied.total,
        details=merged.details,
    )


def _apply(
    conn: psycopg.Connection, check: VersionCheck, published: PublishResult, ctx: TaskContext
) -> Applied:
    tables = published.report.get("tables", [])
    if (
        check.publish_table == check.target_table
    ):  # a plain full replace: the publish already swapped it in
        total = sum(int(t["feature_count"]) for t in tables)
        return Applied(
            added=total, updated=0, deleted=check.records_before or 0, total=total, variant=None
        )
    plan = TargetPlan(
        dataset_id=check.dataset_id,
        target_table=check.target_table,
        incoming={t["table_name"]: t["kind"] for t in tables},
        schema=schema_for({"handler": check.source_handler}),
        key_columns=check.key_columns,
        title=check.title or check.target_table,
        description=check.description,
        version=check.version,
        job_id=ctx.job_id,
        attempt=ctx.job_attempt,
        collection_id=ctx.adapters.settings.stac_vector_collection,
    )
    claim_for_job(conn, ctx.job_id, [table(check.target_table)])
    lock_and_verify(conn, plan, check.publish_table)
    return upsert(conn, plan) if check.update_strategy == "upsert" else replace(conn, plan)


def _record(
    conn: psycopg.Connection,
    dataset_id: str,
    version: str,
    applied: Applied,
    job_id: str,
    details: dict | None = None,
) -> None:
    conn.execute(
        sql("curated/record_update"),
        {"dataset_id": dataset_id, "source_version": version, "job_id": job_id},
    )
    conn.execute(
        sql("curated/log_finish"),
        {
            "job_id": job_id,
            "status": "completed",
            "source_version": version,
            "error": None,
            "records_added": applied.added,
            "records_updated": applied.updated,
            "records_deleted": applied.deleted,
            "records_total": applied.total,
            "details": Jsonb(details) if details is not None else None,
        },
    )


def _from_log(check: VersionCheck, logged: dict) -> Finalized:
    return Finalized(
        dataset_id=check.dataset_id,
        version=logged["source_version"],
        table=check.target_table,
        records_added=logged["records_added"],
        records_updated=logged["records_updated"],
        records_deleted=logged["records_deleted"],
        records_total=logged["records_total"],
        details=logged["details"],
    )
