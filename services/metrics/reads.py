"""Read side of the metrics: the job list and one job's detail."""

from core.errors import NotFound
from core.models.jobs import EventView, StageView, TaskView
from core.models.metrics import JobMetricsDetail, JobProgress, MetricSample
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql


def job_progress_list(
    db: Database, *, status: str | None = None, job_type: str | None = None, limit: int = 50
) -> list[JobProgress]:
    with db.connection() as conn:
        rows = conn.execute(
            sql("metrics/list_jobs"),
            {"status": status, "job_type": job_type, "job_id": None, "limit": limit},
        ).fetchall()
    return [_progress(r) for r in rows]


def job_metrics_detail(db: Database, job_id: str, *, samples: int = 120) -> JobMetricsDetail:
    with db.connection() as conn:
        row = conn.execute(
            sql("metrics/list_jobs"),
            {"status": None, "job_type": None, "job_id": job_id, "limit": 1},
        ).fetchone()
        if row is None:
            raise NotFound(f"no job {job_id}")
        key = {"job_id": job_id, "attempt": row["attempt"]}
        series = conn.execute(sql("metrics/series"), key | {"limit": samples}).fetchall()
        stages = conn.execute(sql("engine/read_stages"), key).fetchall()
        failed = conn.execute(
            sql("engine/list_tasks"),
            key | {"stage": None, "status": "failed", "limit": 20, "offset": 0},
        ).fetchall()
        events = conn.execute(
            sql("metrics/recent_events"), {"job_id": job_id, "limit": 20}
        ).fetchall()
    return JobMetricsDetail(
        progress=_progress(row),
        series=[MetricSample(**s) for s in reversed(series)],
        stages=[StageView(**s) for s in stages],
        failed_tasks=[TaskView(**t) for t in failed],
        events=[EventView(**e) for e in events],
    )


def _progress(row: dict) -> JobProgress:
    return JobProgress(**row | {"stage": row["current_stage"], "context": row["context"] or {}})
