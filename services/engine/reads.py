"""Read side of the engine: the views the API and the dashboard show."""

from core.errors import NotFound
from core.models.jobs import EventView, JobView, Page, StageView, TaskView
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql


def job_view(db: Database, job_id: str) -> JobView:
    with db.connection() as conn:
        job = conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()
        if job is None:
            raise NotFound(f"no job {job_id}")
        stages = conn.execute(
            sql("engine/read_stages"), {"job_id": job_id, "attempt": job["attempt"]}
        ).fetchall()
    return _job(job, [StageView(**s) for s in stages])


def list_jobs(
    db: Database, *, status: str | None, job_type: str | None, limit: int, offset: int
) -> Page[JobView]:
    with db.connection() as conn:
        rows = conn.execute(
            sql("engine/list_jobs"),
            {"status": status, "job_type": job_type, "limit": limit, "offset": offset},
        ).fetchall()
    return Page[JobView](
        items=[JobView(**r) for r in rows], limit=limit, offset=offset, total=_total(rows)
    )


def list_tasks(
    db: Database, job_id: str, *, stage: int | None, status: str | None, limit: int, offset: int
) -> Page[TaskView]:
    with db.connection() as conn:
        job = conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()
        if job is None:
            raise NotFound(f"no job {job_id}")
        rows = conn.execute(
            sql("engine/list_tasks"),
            {
                "job_id": job_id,
                "attempt": job["attempt"],
                "stage": stage,
                "status": status,
                "limit": limit,
                "offset": offset,
            },
        ).fetchall()
    return Page[TaskView](
        items=[TaskView(**r) for r in rows], limit=limit, offset=offset, total=_total(rows)
    )


def list_events(db: Database, job_id: str, *, limit: int, offset: int) -> Page[EventView]:
    with db.connection() as conn:
        if conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone() is None:
            raise NotFound(f"no job {job_id}")
        rows = conn.execute(
            sql("engine/list_events"), {"job_id": job_id, "limit": limit, "offset": offset}
        ).fetchall()
    return Page[EventView](
        items=[EventView(**r) for r in rows], limit=limit, offset=offset, total=_total(rows)
    )


def _job(row: dict, stages: list[StageView]) -> JobView:
    current = next((s.name for s in stages if s.stage == row["current_stage"]), None)
    return JobView(**row, current_stage_name=current, stages=stages)


def _total(rows: list[dict]) -> int:
    return rows[0]["total_count"] if rows else 0


def list_runs(db: Database, job_types: list[str], *, limit: int, offset: int) -> Page[JobView]:
    """Jobs of any of `job_types` (a pipeline's versions), newest first."""
    with db.connection() as conn:
        rows = conn.execute(
            sql("pipelines/runs"), {"job_types": job_types, "limit": limit, "offset": offset}
        ).fetchall()
    return Page[JobView](
        items=[JobView(**r) for r in rows], limit=limit, offset=offset, total=_total(rows)
    )
