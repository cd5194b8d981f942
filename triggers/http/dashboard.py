"""The HTMX dashboard at /api/interface/metrics: the same models as /api/metrics, as HTML."""

from typing import get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core.engine.states import JobStatus
from core.errors import InvalidInput
from services.metrics.reads import job_metrics_detail, job_progress_list
from services.tiles.layers import job_outputs
from triggers.http.access import principal_of, requires, visible_to
from web_interfaces import TEMPLATES_DIR
from web_interfaces.formatting import register_filters

router = APIRouter(prefix="/api/interface/metrics", tags=["dashboard"], include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
register_filters(templates.env)

STATUSES = list(get_args(JobStatus))


@router.get("", response_class=HTMLResponse, dependencies=[requires("anyone")])
def page(request: Request) -> HTMLResponse:
    """The page's shell holds no data (job types are code): its fragments, fetched with
    the key the user enters, need the reader role."""
    platform = request.app.state.platform
    return templates.TemplateResponse(
        request,
        "metrics/page.html",
        {
            "statuses": STATUSES,
            "job_types": platform.engine.jobs.job_types(),
            "refresh_seconds": platform.settings.dashboard_refresh_seconds,
        },
    )


@router.get("/jobs", response_class=HTMLResponse, dependencies=[requires("reader")])
def job_list(
    request: Request, status: str = "", job_type: str = "", limit: int = Query(50, ge=1, le=500)
) -> HTMLResponse:
    """The filter form sends empty strings for "all"."""
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    jobs = job_progress_list(
        request.app.state.platform.db, status=status or None, job_type=job_type or None, limit=limit
    )
    jobs = [visible_to(principal_of(request), job) for job in jobs]
    return templates.TemplateResponse(request, "metrics/job_list.html", {"jobs": jobs})


@router.get("/jobs/{job_id}", response_class=HTMLResponse, dependencies=[requires("reader")])
def job_detail(job_id: str, request: Request) -> HTMLResponse:
    platform = request.app.state.platform
    detail = visible_to(principal_of(request), job_metrics_detail(platform.db, job_id))
    outputs = (
        job_outputs(detail.progress.job_type, platform.engine.job(job_id).get("result"))
        if detail.progress.status in ("completed", "completed_with_errors")
        else []
    )
    return templates.TemplateResponse(
        request,
        "metrics/job_detail.html",
        {"detail": detail, "job": detail.progress, "outputs": outputs},
    )
