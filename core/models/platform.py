"""Health and schema status as the API returns them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Status = Literal["up", "down"]
OverallStatus = Literal["up", "degraded", "down"]


class DependencyHealth(BaseModel):
    status: Status
    latency_ms: float
    detail: str | None = None


class LoopStatus(BaseModel):
    """A background loop of this process (heartbeat, reconciler, scheduler, metrics)."""

    status: Literal["ok", "failing", "stale"]
    seconds_since_success: float
    period_seconds: float
    consecutive_failures: int
    last_error: str | None = None


class HealthReport(BaseModel):
    """`degraded`: every dependency is up, but a background loop of this process is
    failing or has not completed a step for several of its periods."""

    status: OverallStatus
    failing: list[str]
    checks: dict[str, DependencyHealth]
    loops: dict[str, LoopStatus] = {}


class MigrationView(BaseModel):
    version: int
    name: str
    applied_at: datetime | None = None
    modified: bool = False


class SchemaStatusView(BaseModel):
    up_to_date: bool
    applied: list[MigrationView]
    pending: list[MigrationView]
    extensions: dict[str, str]
    pgstac_version: str | None
    pgstac_target_version: str


class DeployView(BaseModel):
    applied: list[MigrationView]
    pgstac_from: str | None
    pgstac_to: str
    containers_created: list[str]
