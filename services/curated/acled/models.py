"""What the ACLED check decides and hands to the fetch tasks and the merge: the plan rides
in the check's result (task parameters and results hold no credential or token)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class FetchItem(BaseModel):
    """One fetch task: a month of event dates (full load), every `stride`-th page of the
    events changed since the version (increment), or the deletions since it."""

    kind: Literal["month", "pages", "deletions"]
    first: date | None = None
    last: date | None = None
    offset: int = Field(0, ge=0)
    stride: int = Field(1, ge=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"events {self.first}..{self.last}"
        if self.kind == "pages":
            return f"changed events, pages {self.offset + 1} + {self.stride}n"
        return "deletions"


class EventsPlan(BaseModel):
    mode: Literal["full", "increment"]
    reason: str
    base_url: str
    credential_settings: list[str]
    start_date: date
    countries: list[str]
    scope: str = Field(description="fingerprint of start_date and countries, part of the version")
    staging_events: str = Field(
        description="geo_staging table the fetch tasks fill with typed events"
    )
    staging_deleted: str = Field(description="geo_staging table of the deletions read")
    held_timestamp: int = 0
    held_deleted_timestamp: int = 0
    events_since: int = Field(0, description="increments read events with timestamp > this")
    deleted_since: int = Field(
        0, description="increments read deletions with deleted_timestamp > this"
    )
    page_size: int = Field(
        5000, ge=1, le=5000, description="limit= of each read (ACLED's maximum: 5000)"
    )
    checked_at: int = Field(
        description="Unix seconds of the check: the version of a full load that found nothing"
    )
    items: list[FetchItem] = []


class Fetched(BaseModel):
    kind: str
    label: str
    rows: int
    pages: int
