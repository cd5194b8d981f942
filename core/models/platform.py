"""Health and schema status as the API returns them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Status = Literal["up", "down"]


class DependencyHealth(BaseModel):
    status: Status
    latency_ms: float
    detail: str | None = None


class HealthReport(BaseModel):
    status: Status
    failing: list[str]
    checks: dict[str, DependencyHealth]


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
