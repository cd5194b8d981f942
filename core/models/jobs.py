"""Jobs, stages, tasks and events as the API returns them (and the dashboard renders)."""

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class SubmitResponse(BaseModel):
    job_id: str
    status: str
    created: bool
    status_url: str


class StageView(BaseModel):
    stage: int
    name: str
    task_type: str
    status: str
    max_concurrency: int
    total: int
    completed: int
    failed: int
    running: int
    queued: int
    pending: int
    cancelled: int
    started_at: datetime
    completed_at: datetime | None


class JobView(BaseModel):
    job_id: str
    job_type: str
    status: str
    attempt: int
    current_stage: int
    current_stage_name: str | None
    total_stages: int
    submitted_by: str = "system"
    parameters: dict[str, Any]
    result: Any = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    stages: list[StageView] = []


class TaskView(BaseModel):
    task_id: int
    attempt: int
    stage: int
    task_index: int
    task_type: str
    status: str
    tries: int
    max_tries: int
    worker_id: str | None
    lease_until: datetime | None
    next_attempt_at: datetime
    parameters: dict[str, Any]
    progress: dict[str, Any] | None
    result: Any = None
    error: str | None
    started_at: datetime | None
    completed_at: datetime | None


class EventView(BaseModel):
    event_id: int
    attempt: int
    event: str
    stage: int | None
    task_id: int | None
    detail: dict[str, Any]
    at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    total: int


class JobTypeView(BaseModel):
    job_type: str
    description: str
    parameters_schema: dict[str, Any]
    stages: list[dict[str, Any]]
    min_role: str
    admin_only_parameters: list[str]
