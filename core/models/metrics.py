"""Progress and metrics as /api/metrics returns them and the dashboard renders them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, computed_field

from core.models.jobs import EventView, StageView, TaskView
from core.engine.states import ACTIVE_JOB_STATUSES


class JobProgress(BaseModel):
    job_id: str
    job_type: str
    status: str
    attempt: int
    stage: int
    stage_name: str | None
    total_stages: int
    tasks_total: int  # current stage
    tasks_completed: int
    tasks_failed: int
    tasks_running: int | None
    rate_per_min: float | None  # tasks per minute over the rolling window
    eta_seconds: float | None  # current stage; None while the rate is unknown
    units_done: float | None
    units_total: float | None
    unit: str | None
    units_per_sec: float | None
    context: dict[str, Any] = {}
    error: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    sampled_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def short_id(self) -> str:
        return self.job_id[:8]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tasks_done(self) -> int:
        return self.tasks_completed + self.tasks_failed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float:
        """Stages weigh equally: finished stages plus the current stage's share done."""
        if self.status in ("completed", "completed_with_errors"):
            return 100.0
        if self.total_stages == 0 or self.stage == 0:
            return 0.0
        share = self.tasks_done / self.tasks_total if self.tasks_total else 0.0
        return round(100.0 * ((self.stage - 1) + share) / self.total_stages, 1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


class MetricSample(BaseModel):
    sampled_at: datetime
    stage: int
    tasks_total: int
    tasks_completed: int
    tasks_failed: int
    tasks_running: int
    rate_per_min: float | None
    eta_seconds: float | None
    units_done: float | None
    units_per_sec: float | None


class JobMetricsDetail(BaseModel):
    progress: JobProgress
    series: list[MetricSample]  # oldest first
    stages: list[StageView]
    failed_tasks: list[TaskView]
    events: list[EventView]  # newest first
