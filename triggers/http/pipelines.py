"""The pipeline API (docs/pipelines.md): steps, templates, validation, versions, the plan
preview and runs. Readers see pipelines; submitters save their own (and create new
names) and run any active pipeline as themselves; admins do anything."""

from typing import Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse

from core.models.jobs import JobView, Page, SubmitResponse
from core.models.pipelines import (
    DiffView,
    OutputLinkView,
    PipelineView,
    PlanPreview,
    RunRequest,
    SavedPipeline,
    StepCatalogView,
    TemplateView,
    ValidationReport,
    VersionView,
)
from core.pipelines.compiler import compile_pipeline, job_type_for
from core.pipelines.definition import NAME_PATTERN, definition_schema
from core.pipelines.diff import definition_diff
from core.pipelines.validation import parse_definition, require_valid
from jobs.templates import templates
from services.access.policy import reject_nul
from services.pipelines import store
from services.pipelines.outputs import run_outputs
from services.pipelines.preview import preview_plan
from services.pipelines.views import catalog_view, pipeline_view, version_view
from services.engine.reads import list_runs
from triggers.http.access import principal_of, requires, visible_to
from triggers.http.limits import MAX_OFFSET
from triggers.operations import submit_job

router = APIRouter(prefix="/api/pipelines", tags=["pipelines"])
Name = Path(pattern=NAME_PATTERN, description="the pipeline's name: a lowercase identifier")
MAX_VERSION = 2_000_000_000


def _platform(request: Request):
    return request.app.state.platform


def _definition(raw: dict[str, Any], platform):
    reject_nul(raw)
    definition = parse_definition(raw)
    require_valid(definition, platform.steps)
    return definition


@router.get("/schema", dependencies=[requires("anyone")], response_model=dict[str, Any])
def schema() -> dict[str, Any]:
    """The JSON Schema of a pipeline definition."""
    return definition_schema()


@router.get("/steps", response_model=StepCatalogView, dependencies=[requires("reader")])
def steps(request: Request) -> StepCatalogView:
    """The steps a pipeline may use (grouped; inputs and outputs as JSON Schema) and the named planners."""
    return catalog_view(_platform(request).steps)


@router.get("/templates", response_model=list[TemplateView], dependencies=[requires("reader")])
def ready_made(request: Request) -> list[TemplateView]:
    """The code-defined jobs as pipeline definitions, to copy and change."""
    jobs = _platform(request).engine.jobs
    return [
        TemplateView(
            name=name, description=definition.get("description", ""), definition=definition
        )
        for name, definition in templates().items()
        if jobs.get(name) is not None
    ]


@router.post("/validate", response_model=ValidationReport, dependencies=[requires("reader")])
def validate(request: Request, definition: dict[str, Any] = Body(...)) -> ValidationReport:
    """200 with who may run it and its run parameters' schema; 422 listing each problem with its stage and field."""
    platform = _platform(request)
    compiled = compile_pipeline(
        "draft",
        1,
        _definition(definition, platform),
        platform.steps,
        lambda setting: getattr(platform.settings, setting),
    )
    return ValidationReport(
        valid=True,
        run_role=compiled.min_role,
        admin_only_parameters=sorted(compiled.restricted_parameters),
        run_parameters_schema=compiled.parameters_model.model_json_schema(),
    )


@router.get("", response_model=list[PipelineView], dependencies=[requires("reader")])
def list_pipelines(
    request: Request,
    archived: bool = False,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[PipelineView]:
    """The latest version of each pipeline (archived ones too with archived=true)."""
    platform = _platform(request)
    return [
        pipeline_view(platform, row)
        for row in store.listing(platform.db, archived=archived, limit=limit, offset=offset)
    ]


@router.put(
    "/{name}",
    status_code=201,
    response_model=SavedPipeline,
    dependencies=[requires("submitter")],
    responses={
        200: {
            "model": SavedPipeline,
            "description": "the definition equals the latest version: nothing new",
        }
    },
)
def save(
    request: Request, name: str = Name, definition: dict[str, Any] = Body(...)
) -> JSONResponse:
    """Save a definition as the next version (its owner or an admin); the answer carries the diff against the previous."""
    platform = _platform(request)
    saved = store.save(platform.db, name, _definition(definition, platform), principal_of(request))
    body = SavedPipeline(
        pipeline=pipeline_view(platform, saved.row),
        created=saved.created,
        previous_version=saved.previous["version"] if saved.previous else None,
        diff=saved.diff() if saved.created else [],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if saved.created else 200)


@router.get("/{name}", response_model=PipelineView, dependencies=[requires("reader")])
def latest(request: Request, name: str = Name) -> PipelineView:
    return pipeline_view(_platform(request), store.latest(_platform(request).db, name))


@router.get("/{name}/versions", response_model=list[VersionView], dependencies=[requires("reader")])
def versions(request: Request, name: str = Name) -> list[VersionView]:
    return [version_view(row) for row in store.versions(_platform(request).db, name)]


@router.get(
    "/{name}/versions/{version}", response_model=PipelineView, dependencies=[requires("reader")]
)
def one_version(
    request: Request, name: str = Name, version: int = Path(ge=1, le=MAX_VERSION)
) -> PipelineView:
    return pipeline_view(_platform(request), store.version(_platform(request).db, name, version))


@router.get("/{name}/diff", response_model=DiffView, dependencies=[requires("reader")])
def diff(
    request: Request,
    name: str = Name,
    from_version: int | None = Query(None, ge=1, le=MAX_VERSION),
    to_version: int | None = Query(None, ge=1, le=MAX_VERSION),
) -> DiffView:
    """Unified diff between two versions (default: the latest against the one before it)."""
    db = _platform(request).db
    after = store.chosen(db, name, to_version)
    before_number = from_version if from_version is not None else after["version"] - 1
    before = store.version(db, name, before_number)["definition"] if before_number >= 1 else None
    lines = definition_diff(
        before, after["definition"], old=f"{name}@{before_number}", new=f"{name}@{after['version']}"
    )
    return DiffView(name=name, from_version=before_number, to_version=after["version"], diff=lines)


@router.post("/{name}/archive", response_model=PipelineView, dependencies=[requires("submitter")])
def archive(request: Request, name: str = Name) -> PipelineView:
    """No new runs or scheduled runs (its owner or an admin); saving a new version revives it."""
    platform = _platform(request)
    return pipeline_view(platform, store.archive(platform.db, name, principal_of(request)))


@router.post("/{name}/plan", response_model=PlanPreview, dependencies=[requires("submitter")])
def plan(
    request: Request, name: str = Name, body: RunRequest = Body(default_factory=RunRequest)
) -> PlanPreview:
    """The tasks each stage would fan out to with these run parameters, on the real inputs; nothing runs."""
    platform = _platform(request)
    return preview_plan(
        platform,
        store.chosen(platform.db, name, body.version),
        body.parameters,
        principal_of(request),
    )


@router.post(
    "/{name}/run",
    status_code=202,
    response_model=SubmitResponse,
    dependencies=[requires("submitter")],
    responses={
        200: {"model": SubmitResponse, "description": "identical parameters: the existing run"}
    },
)
def run(
    request: Request, name: str = Name, body: RunRequest = Body(default_factory=RunRequest)
) -> JSONResponse:
    """A run is a job of type pipeline:NAME@VERSION, submitted as the caller (same checks as any job)."""
    platform = _platform(request)
    row = store.chosen(platform.db, name, body.version)
    platform.pipelines.runnable(row)
    submitted = submit_job(
        platform, job_type_for(name, row["version"]), body.parameters, principal_of(request)
    )
    return JSONResponse(submitted.model_dump(), status_code=202 if submitted.created else 200)


@router.get("/{name}/runs", response_model=Page[JobView], dependencies=[requires("reader")])
def runs(
    request: Request,
    name: str = Name,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Page[JobView]:
    """Runs of every version, newest first."""
    db = _platform(request).db
    job_types = [job_type_for(name, row["version"]) for row in store.versions(db, name)]
    return visible_to(principal_of(request), list_runs(db, job_types, limit=limit, offset=offset))


@router.get(
    "/runs/{job_id}/outputs", response_model=list[OutputLinkView], dependencies=[requires("reader")]
)
def outputs(request: Request, job_id: str) -> list[OutputLinkView]:
    """Links to what a run (or any job) published: tables, rasters, STAC items and collections."""
    return run_outputs(_platform(request), job_id)
