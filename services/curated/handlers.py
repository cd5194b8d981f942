"""Task handlers of `curated_update`: check the source version, download to bronze,
finalize the registry and the update log. (The load in between is the vector pipeline's.)"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from psycopg import sql as pgsql

from core.errors import InvalidInput, NotFound
from core.models.curated import IDENTIFIER
from infrastructure.db.queries import sql
from infrastructure.storage.streaming import stream_to_blob
from services.curated import registry
from services.curated.sources import check_source, http_client
from services.engine.context import TaskContext
from services.engine.handlers import handler


class CuratedUpdateParams(BaseModel):
    dataset_id: str = Field(pattern=IDENTIFIER.pattern)
    update_type: Literal["scheduled", "manual"]
    scheduled_for: datetime | None = Field(None, description="the cron fire time (scheduled runs): part of the job's identity")
    requested_at: datetime | None = Field(None, description="when a manual update was asked for: each request its own job")
    force: bool = False
    dry_run: bool = False


class VersionCheck(BaseModel):
    dataset_id: str
    version: str
    previous_version: str | None
    proceed: bool
    reason: str
    download_url: str | None = None
    source_blob: str | None = None


class Downloaded(BaseModel):
    container: str
    blob_name: str
    bytes: int | None
    sha256: str | None


class Finalized(BaseModel):
    dataset_id: str
    version: str
    records_total: int
    records_previous: int | None


@handler("curated.check_version")
def check_version(params: CuratedUpdateParams, ctx: TaskContext) -> VersionCheck:
    db, settings = ctx.adapters.db, ctx.adapters.settings
    try:
        dataset = registry.get_dataset(db, params.dataset_id)
    except NotFound as exc:
        raise InvalidInput(exc.detail) from exc
    with db.connection() as conn:
        conn.execute(sql("curated/log_start"), {"dataset_id": dataset.dataset_id, "job_id": ctx.job_id, "update_type": params.update_type})
    with http_client(settings) as http:
        source = check_source(dataset, settings, http)
    unchanged = source.version == dataset.source_version
    proceed = not params.dry_run and (params.force or not unchanged)
    reason = ("dry run: nothing downloaded" if params.dry_run else "forced" if params.force and unchanged
              else "unchanged since the last update" if unchanged else "new version")
    if not proceed:
        _finish_skipped(ctx, dataset.dataset_id, source.version, reason)
    return VersionCheck(dataset_id=dataset.dataset_id, version=source.version, previous_version=dataset.source_version,
                        proceed=proceed, reason=reason, download_url=source.download_url, source_blob=source.source_blob)


def _finish_skipped(ctx: TaskContext, dataset_id: str, version: str, reason: str) -> None:
    with ctx.adapters.db.connection() as conn:
        conn.execute(sql("curated/log_finish"), {"job_id": ctx.job_id, "status": "skipped", "source_version": version,
                                                 "error": None, "records_added": None, "records_updated": None,
                                                 "records_deleted": None, "records_total": None})
        conn.execute(sql("curated/record_check"), {"dataset_id": dataset_id, "job_id": ctx.job_id})


class StageRef(BaseModel):
    source_stage: str


@handler("curated.download")
def download(params: StageRef, ctx: TaskContext) -> Downloaded:
    """Streams the release into bronze (curated/<dataset>/<version>/<file>); a manual
    dataset's upload is already there. Idempotent: the same version lands on the same blob."""
    check = VersionCheck(**next(iter(ctx.results_of(params.source_stage))))
    settings = ctx.adapters.settings
    if check.source_blob:
        return Downloaded(container=settings.bronze_container, blob_name=check.source_blob, bytes=None, sha256=None)
    blob_name = f"curated/{check.dataset_id}/{_slug(check.version)}/{_filename(check.download_url)}"
    blob = ctx.adapters.blobs.client.get_blob_client(settings.bronze_container, blob_name)
    with http_client(settings) as http:
        stored = stream_to_blob(http, check.download_url, blob, max_bytes=settings.curated_download_max_bytes,
                                max_retries=settings.http_max_retries, what=f"{check.dataset_id} download")
    return Downloaded(container=settings.bronze_container, blob_name=stored.blob_name, bytes=stored.bytes, sha256=stored.sha256)


def _slug(version: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in version)[:80] or "unversioned"


def _filename(url: str | None) -> str:
    from urllib.parse import urlparse

    name = urlparse(url or "").path.rsplit("/", 1)[-1]
    return _slug(name) if name else "download"


def count_rows(conn, schema: str, table: str) -> int | None:
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS e", (f"{schema}.{table}",)).fetchone()["e"]
    if not exists:
        return None
    query = pgsql.SQL("SELECT count(*) AS n FROM {}.{}").format(pgsql.Identifier(schema), pgsql.Identifier(table))
    return conn.execute(query).fetchone()["n"]
