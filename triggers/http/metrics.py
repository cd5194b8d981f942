"""GET /api/metrics/jobs and /api/metrics/jobs/{job_id}: the JSON the dashboard renders."""

from fastapi import APIRouter, Query, Request

from core.engine.states import JobStatus
from core.models.metrics import JobMetricsDetail, JobProgress
from services.metrics.reads import job_metrics_detail, job_progress_list
from triggers.http.access import principal_of, requires, visible_to

router = APIRouter(prefix="/api/metrics", tags=["metrics"], dependencies=[requires("reader")])


@router.get("/jobs", response_model=list[JobProgress])
def jobs(
    request: Request,
    status: JobStatus | None = None,
    job_type: str | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> list[JobProgress]:
    """Active jobs first, then recent ones: progress, stage n/N, rate, ETA, context metrics."""
    jobs = job_progress_list(
        request.app.state.platform.db, status=status, job_type=job_type, limit=limit
    )
    return [visible_to(principal_of(request), job) for job in jobs]


@router.get("/jobs/{job_id}", response_model=JobMetricsDetail)
def job(
    job_id: str, request: Request, samples: int = Query(120, ge=1, le=2000)
) -> JobMetricsDetail:
    """The job's progress, its metric time series (oldest first), stages, failed tasks, recent events."""
    return visible_to(
        principal_of(request),
        job_metrics_detail(request.app.state.platform.db, job_id, samples=samples),
    )
