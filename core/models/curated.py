"""Curated reference datasets: the registry entry, its update history, and the payloads
the API accepts."""

import re
from datetime import datetime
from typing import Any, Literal

from croniter import croniter
from pydantic import BaseModel, Field, field_validator, model_validator

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
TARGET_TABLE = re.compile(r"^curated_[a-z0-9_]{1,54}$")
SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")

SourceType = Literal["api", "manual", "url"]
UpdateStrategy = Literal["full_replace", "upsert"]
UpdateType = Literal["scheduled", "manual"]
UpdateStatus = Literal["started", "skipped", "completed", "failed"]


def check_cron(value: str | None) -> str | None:
    if value is not None and not croniter.is_valid(value):
        raise ValueError(f"not a valid cron expression: {value!r} (five fields, UTC)")
    return value


class DatasetFields(BaseModel):
    """The fields a client may set (create and full update)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    source_type: SourceType
    source_url: str | None = Field(None, max_length=2000)
    source_config: dict[str, Any] = {}
    job_type: Literal["curated_update"] = "curated_update"
    update_strategy: UpdateStrategy = "full_replace"
    key_columns: list[str] = []
    update_schedule: str | None = Field(
        None, description="cron, UTC; null for manual-only datasets"
    )
    credential_settings: list[str] = Field(
        [], description="names of settings holding credentials, never the values"
    )
    target_schema: str = "geo"
    target_table: str
    enabled: bool = True

    @field_validator("update_schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return check_cron(value)

    @field_validator("key_columns")
    @classmethod
    def _key_columns(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not IDENTIFIER.match(c)]
        if bad:
            raise ValueError(f"key columns must be lowercase identifiers: {bad}")
        return value

    @field_validator("credential_settings")
    @classmethod
    def _setting_names(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not SETTING_NAME.match(c)]
        if bad:
            raise ValueError(
                f"credential settings are setting NAMES like IBAT_AUTH_KEY, not values: {len(bad)} rejected"
            )
        return value

    @field_validator("target_schema")
    @classmethod
    def _schema(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError("target_schema must be a lowercase identifier")
        return value

    @field_validator("target_table")
    @classmethod
    def _table(cls, value: str) -> str:
        if not TARGET_TABLE.match(value):
            raise ValueError(
                "target_table must be a lowercase identifier starting with 'curated_' (at most 63 characters)"
            )
        return value

    @model_validator(mode="after")
    def _strategy_needs_keys(self) -> "DatasetFields":
        if self.update_strategy == "upsert" and not self.key_columns:
            raise ValueError("update_strategy 'upsert' needs key_columns")
        if self.source_type == "url" and not self.source_url:
            raise ValueError("source_type 'url' needs source_url")
        return self


class DatasetCreate(DatasetFields):
    dataset_id: str

    @field_validator("dataset_id")
    @classmethod
    def _dataset_id(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(
                "dataset_id must be a lowercase identifier (a-z, 0-9, _; at most 63 characters)"
            )
        return value


class CuratedDataset(DatasetCreate):
    source_version: str | None = None
    last_checked_at: datetime | None = None
    last_updated_at: datetime | None = None
    last_job_id: str | None = None
    created_at: datetime
    updated_at: datetime


class UpdateLogEntry(BaseModel):
    log_id: int
    dataset_id: str
    job_id: str
    update_type: UpdateType
    source_version: str | None
    records_added: int | None
    records_updated: int | None
    records_deleted: int | None
    records_total: int | None
    status: UpdateStatus
    error: str | None
    started_at: datetime
    completed_at: datetime | None
    duration_seconds: float | None
    details: dict[str, Any] | None = Field(
        None, description="what the update noticed, e.g. ACLED events without a possible position"
    )


class UpdateRequest(BaseModel):
    force: bool = Field(False, description="run even if the source version is unchanged")
    dry_run: bool = Field(
        False, description="check the source version only; download and load nothing"
    )


class DatasetOverview(BaseModel):
    """A dataset with the outcome of its most recent update (what the curated page lists)."""

    dataset: CuratedDataset
    last_update: UpdateLogEntry | None
