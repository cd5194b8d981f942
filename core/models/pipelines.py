"""Pipelines as the API returns them (and the builder page renders)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class PipelineView(BaseModel):
    name: str
    version: int
    description: str
    definition: dict[str, Any]
    job_type: str = Field(description="what its runs are: jobs of this type")
    owner: str
    created_by: str
    created_at: datetime
    archived_at: datetime | None
    schedule: str | None
    versions: int | None = None
    run_role: Literal["submitter", "admin"] = Field(description="the least role that may run it")
    run_parameters_schema: dict[str, Any]


class VersionView(BaseModel):
    name: str
    version: int
    description: str
    digest: str
    owner: str
    created_by: str
    schedule: str | None
    created_at: datetime
    archived_at: datetime | None


class SavedPipeline(BaseModel):
    pipeline: PipelineView
    created: bool = Field(
        description="false: the definition equals the latest version, which is returned"
    )
    previous_version: int | None
    diff: list[str] = Field(
        description="unified diff of the definition against the previous version"
    )


class DiffView(BaseModel):
    name: str
    from_version: int
    to_version: int
    diff: list[str]


class ValidationReport(BaseModel):
    valid: bool
    run_role: Literal["submitter", "admin"]
    admin_only_parameters: list[str]
    run_parameters_schema: dict[str, Any]


class StepView(BaseModel):
    step: str
    group: str
    title: str
    description: str
    inputs_schema: dict[str, Any]
    outputs_schema: dict[str, Any]
    min_role: str
    admin_only_inputs: list[str]
    reads: dict[str, str]
    optional_reads: dict[str, str]
    planners: list[str]
    previewable: bool


class PlannerView(BaseModel):
    name: str
    description: str
    reads: dict[str, str]


class StepCatalogView(BaseModel):
    groups: list[str]
    steps: list[StepView]
    planners: list[PlannerView]


class TemplateView(BaseModel):
    name: str = Field(description="the code-defined job type it reproduces")
    description: str
    definition: dict[str, Any]


class RunRequest(BaseModel):
    parameters: dict[str, Any] = Field(default_factory=dict, description="the run parameters")
    version: int | None = Field(
        None, ge=1, le=2_000_000_000, description="default: the latest version"
    )


class StagePlan(BaseModel):
    stage: int
    name: str
    step: str
    fan_out: str
    status: Literal["planned", "skipped", "unknown", "error"]
    tasks: int | None = Field(
        description="tasks the stage will plan; null while it depends on results not known yet"
    )
    basis: str = Field(description="how the count was found, or what it waits for")
    previewed: bool = Field(
        False, description="the step was run without side effects to learn its output"
    )
    error: str | None = None


class PlanPreview(BaseModel):
    name: str
    version: int
    job_type: str
    job_id: str = Field(description="the id a run with these parameters gets")
    existing_job: bool = Field(
        description="a run with these parameters exists already (running it returns it)"
    )
    stages: list[StagePlan]
    total_tasks: int | None
    task_budget: int
    within_budget: bool | None


class OutputLinkView(BaseModel):
    stage: str
    kind: str
    label: str
    href: str
