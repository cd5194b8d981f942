"""GET /api/vector/{table}/report: the quality report of the load that published a table."""

from typing import Any

from fastapi import APIRouter, Request

from core.errors import NotFound
from infrastructure.db import catalog
from triggers.http.access import requires

router = APIRouter(prefix="/api/vector", tags=["vector"], dependencies=[requires("reader")])


@router.get("/{table}/report")
def report(table: str, request: Request) -> dict[str, Any]:
    platform = request.app.state.platform
    with platform.db.connection() as conn:
        meta = catalog.get_vector_metadata(conn, table)
    if meta is None or meta.etl_job_id is None:
        raise NotFound(f"no published vector table {table!r}")
    result = platform.engine.job(meta.etl_job_id).get("result") or {}
    if "report" not in result:
        raise NotFound(f"the job that published {table!r} kept no report")
    return result["report"]
