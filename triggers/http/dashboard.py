"""The HTMX dashboard at /api/interface/metrics: the same models as /api/metrics, as HTML."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core.errors import InvalidInput
from services.metrics.reads import job_metrics_detail, job_progress_list, known_job_types
from web_interfaces import TEMPLATES_DIR
from web_interfaces.formatting import register_filters

router = APIRouter(prefix="/api/interface/metrics", tags=["dashboard"], include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
register_filters(templates.env)

STATUSES = ["queued", "processing", "completed", "completed_with_errors", "failed", "cancelled"]


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    platform = request.app.state.platform
    return templates.TemplateResponse(request, "metrics/page.html", {
        "statuses": STATUSES,
        "job_types": known_job_types(platform.db),
        "refresh_seconds": platform.settings.dashboard_refresh_seconds,
    })


@router.get("/jobs", response_class=HTMLResponse)
def job_list(request: Request, status: str = "", job_type: str = "", limit: int = Query(50, ge=1, le=500)) -> HTMLResponse:
    """The filter form sends empty strings for "all"."""
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    jobs = job_progress_list(request.app.state.platform.db, status=status or None, job_type=job_type or None, limit=limit)
    return templates.TemplateResponse(request, "metrics/job_list.html", {"jobs": jobs})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_detail(job_id: str, request: Request) -> HTMLResponse:
    detail = job_metrics_detail(request.app.state.platform.db, job_id)
    return templates.TemplateResponse(request, "metrics/job_detail.html", {"detail": detail, "job": detail.progress})
