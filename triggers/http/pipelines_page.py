"""The pipeline builder (/api/interface/pipelines) and the execution view of a run
(/api/interface/pipelines/runs/{job_id}). The shells hold no data; the builder talks to
the JSON API, and the execution view's fragments render the dashboard's own models and
templates (the job card, the job detail) plus the run's stages as a flow and its outputs."""

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core.models.metrics import JobMetricsDetail
from services.engine import reads
from services.metrics.reads import job_metrics_detail
from services.pipelines.outputs import run_outputs
from triggers.http.access import principal_of, requires, visible_to
from web_interfaces import TEMPLATES_DIR
from web_interfaces.formatting import register_filters

router = APIRouter(prefix="/api/interface/pipelines", tags=["dashboard"], include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
register_filters(templates.env)
TASKS_SHOWN = 50


@router.get("", response_class=HTMLResponse, dependencies=[requires("anyone")])
def builder(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "pipelines/builder.html", {})


@router.get("/runs/{job_id}", response_class=HTMLResponse, dependencies=[requires("anyone")])
def run_page(request: Request, job_id: str = Path(max_length=200)) -> HTMLResponse:
    settings = request.app.state.platform.settings
    return templates.TemplateResponse(
        request,
        "pipelines/run.html",
        {"job_id": job_id, "refresh_seconds": settings.dashboard_refresh_seconds},
    )


@router.get("/runs/{job_id}/flow", response_class=HTMLResponse, dependencies=[requires("reader")])
def flow(request: Request, job_id: str = Path(max_length=200)) -> HTMLResponse:
    """The run's stages in order, each with its status, done/total and failures; the
    current one with rate and ETA; stages not planned yet from its definition; outputs."""
    platform = request.app.state.platform
    principal = principal_of(request)
    detail = visible_to(principal, job_metrics_detail(platform.db, job_id, samples=1))
    return templates.TemplateResponse(
        request,
        "pipelines/flow.html",
        {
            "job": detail.progress,
            "stages": stage_boxes(platform, detail),
            "outputs": run_outputs(platform, job_id),
        },
    )


@router.get(
    "/runs/{job_id}/stages/{stage}", response_class=HTMLResponse, dependencies=[requires("reader")]
)
def stage_tasks(
    request: Request, job_id: str = Path(max_length=200), stage: int = Path(ge=1, le=10_000)
) -> HTMLResponse:
    """One stage's tasks, failed first, with tries and errors."""
    db = request.app.state.platform.db
    principal = principal_of(request)
    failed = reads.list_tasks(db, job_id, stage=stage, status="failed", limit=TASKS_SHOWN, offset=0)
    others = reads.list_tasks(db, job_id, stage=stage, status=None, limit=TASKS_SHOWN, offset=0)
    tasks = (
        failed.items
        + [t for t in others.items if t.status != "failed"][
            : max(0, TASKS_SHOWN - len(failed.items))
        ]
    )
    page = visible_to(
        principal, type(others)(items=tasks, limit=TASKS_SHOWN, offset=0, total=others.total)
    )
    return templates.TemplateResponse(
        request, "pipelines/stage_tasks.html", {"stage": stage, "page": page}
    )


def stage_boxes(platform, detail: JobMetricsDetail) -> list[dict]:
    """Planned stages as the engine recorded them, then the definition's later ones as waiting."""
    boxes = [
        {
            "stage": s.stage,
            "name": s.name,
            "step": s.task_type,
            "status": s.status,
            "total": s.total,
            "done": s.completed + s.failed,
            "failed": s.failed,
            "running": s.running,
        }
        for s in detail.stages
    ]
    definition = platform.engine.jobs.get(detail.progress.job_type)
    if definition is not None:
        for number, stage in enumerate(definition.stages[len(boxes) :], start=len(boxes) + 1):
            boxes.append(
                {
                    "stage": number,
                    "name": stage.name,
                    "step": stage.task_type,
                    "status": "waiting",
                    "total": None,
                    "done": 0,
                    "failed": 0,
                    "running": 0,
                }
            )
    return boxes
