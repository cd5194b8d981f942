"""Platform requests: a DDH dataset version + a source → a process_vector job, and the
request's status with everything it published."""

import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.models.metadata import DDHRefs, ExternalRefs
from services.vector.models import check_table_name


class SourceRef(BaseModel):
    container: str | None = Field(None, max_length=63)
    blob_name: str = Field(min_length=1, max_length=1024)


class PlatformSubmit(BaseModel):
    ddh: DDHRefs
    source: SourceRef
    data_type: Literal["vector"] = "vector"
    table_name: str | None = Field(None, description="default: derived from the DDH ids")
    layer: str | None = None
    source_crs: str | None = None
    title: str | None = None
    description: str | None = None
    license: str | None = None
    keywords: list[str] = []


class PlatformSubmitted(BaseModel):
    request_id: str
    job_id: str
    job_type: str
    table_name: str
    created: bool
    status_url: str


class PlatformStatus(BaseModel):
    request_id: str
    status: str
    error: str | None
    tables: list[str]
    dataset_refs: list[ExternalRefs]
    links: list[dict[str, str]]
    report_summary: dict[str, Any] | None


def table_name_for(ddh: DDHRefs) -> str:
    """A lowercase identifier from the DDH ids (hashed when it would pass 63 characters)."""
    raw = f"{ddh.dataset_id}_{ddh.resource_id}_{ddh.version_id}".lower()
    name = re.sub(r"[^a-z0-9_]+", "_", raw).strip("_")
    if not name or not name[0].isalpha():
        name = "ddh_" + name
    if len(name) > 63:
        name = f"{name[:54].rstrip('_')}_{hashlib.sha1(raw.encode()).hexdigest()[:8]}"
    return check_table_name(name)


def job_parameters(request: PlatformSubmit) -> dict[str, Any]:
    params = request.model_dump(exclude={"source", "data_type"}, exclude_none=True)
    params |= {
        "blob_name": request.source.blob_name,
        "table_name": request.table_name or table_name_for(request.ddh),
    }
    if request.source.container:
        params["container"] = request.source.container
    return params
