"""Task handlers of `curated_update`: check the source version, download to bronze,
finalize the registry and the update log. (The load in between is the vector pipeline's.)"""

import hashlib
from datetime import datetime
from typing import Literal

from psycopg import sql as pgsql
from pydantic import BaseModel, Field, computed_field

from core.engine.definitions import JobParameters
from core.errors import InvalidInput, NotFound
from core.models.curated import IDENTIFIER, CuratedDataset
from infrastructure.db.queries import sql
from infrastructure.http.outbound import guarded_client
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.streaming import stream_to_blob
from services.curated import registry
from services.curated.acled.checking import check_events, handles
from services.curated.acled.models import EventsPlan
from services.curated.schemas import loads_all_layers, schema_for
from services.curated.sources import check_source
from services.curated.targets import TARGET_SCHEMA
from services.engine.context import TaskContext
from services.engine.handlers import handler
from core.engine.results import one_result


class CuratedUpdateParams(JobParameters):
    dataset_id: str = Field(pattern=IDENTIFIER.pattern)
    update_type: Literal["scheduled", "manual"]
    scheduled_for: datetime | None = Field(
        None, description="the cron fire time (scheduled runs): part of the job's identity"
    )
    requested_at: datetime | None = Field(
        None, description="when a manual update was asked for: each request its own job"
    )
    force: bool = False
    dry_run: bool = False


class VersionCheck(BaseModel):
    """The check's verdict, and the dataset as it was when the update began: the later
    stages (and their planners, which cannot read the registry) work from this snapshot."""

    dataset_id: str
    version: str
    previous_version: str | None
    proceed: bool
    reason: str
    download_url: str | None = None
    source_blob: str | None = None
    target_table: str | None = None
    publish_table: str | None = Field(
        None,
        description="where the vector publish writes: the target table "
        "itself, or an intermediate the finalize stage merges",
    )
    update_strategy: str = "full_replace"
    key_columns: list[str] = []
    all_layers: bool = False
    source_handler: str | None = Field(
        None, description="source_config.handler: names the target schema, if any"
    )
    title: str | None = None
    description: str | None = None
    records_before: int | None = None
    events: EventsPlan | None = Field(
        None,
        description="event sources (ACLED): what the fetch tasks read and the "
        "merge applies, instead of a download",
    )

    # The routing the job's stages follow, spelled out in the result so a pipeline can
    # name it (`{{ stages.check_version.output.load_file }}`) as the code-defined job does.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def load_file(self) -> bool:
        """Proceed through download and the vector stages (a file source)."""
        return self.proceed and self.events is None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fetch_events(self) -> bool:
        """Proceed through fetch_events (an event source)."""
        return self.proceed and self.events is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def finalize_from(self) -> str:
        """The stage finalize reads: the fetch tasks' or the vector publish."""
        return "fetch_events" if self.events is not None else "publish"


class Downloaded(BaseModel):
    container: str
    blob_name: str
    bytes: int | None
    sha256: str | None


class Finalized(BaseModel):
    dataset_id: str
    version: str
    table: str
    records_added: int
    records_updated: int
    records_deleted: int
    records_total: int
    source_schema: str | None = None
    details: dict | None = None


@handler("curated.check_version")
def check_version(params: CuratedUpdateParams, ctx: TaskContext) -> VersionCheck:
    db, settings = ctx.adapters.db, ctx.adapters.settings
    try:
        dataset = registry.get_dataset(db, params.dataset_id)
    except NotFound as exc:
        raise InvalidInput(exc.detail) from exc
    if dataset.target_schema != TARGET_SCHEMA:
        raise InvalidInput(
            f"dataset {dataset.dataset_id}: target_schema must be {TARGET_SCHEMA!r} (the vector "
            "pipeline publishes there)"
        )
    events = handles(dataset.source_config)
    with db.connection() as conn:
        conn.execute(
            sql("curated/log_start"),
            {
                "dataset_id": dataset.dataset_id,
                "job_id": ctx.job_id,
                "update_type": params.update_type,
            },
        )
        exists = table_exists(conn, TARGET_SCHEMA, dataset.target_table)
        # An event source (ACLED) is merged, not replaced: no need to count its large table.
        records_before = None if events else count_rows(conn, TARGET_SCHEMA, dataset.target_table)
    if events:
        return _check_events(params, ctx, dataset, exists)
    with guarded_client(settings) as http:
        source = check_source(dataset, settings, http)
    unchanged = source.version == dataset.source_version
    proceed = not params.dry_run and (params.force or not unchanged)
    reason = (
        "dry run: nothing downloaded"
        if params.dry_run
        else "forced"
        if params.force and unchanged
        else "unchanged since the last update"
        if unchanged
        else "new version"
    )
    if not proceed:
        _finish_skipped(ctx, dataset.dataset_id, source.version, reason)
    return VersionCheck(
        dataset_id=dataset.dataset_id,
        version=source.version,
        previous_version=dataset.source_version,
        proceed=proceed,
        reason=reason,
        download_url=source.download_url,
        source_blob=source.source_blob,
        target_table=dataset.target_table,
        publish_table=publish_table(dataset),
        update_strategy=dataset.update_strategy,
        key_columns=dataset.key_columns,
        all_layers=loads_all_layers(dataset.source_config),
        source_handler=dataset.source_config.get("handler"),
        title=dataset.name,
        description=dataset.description or None,
        records_before=records_before,
    )


def _check_events(
    params: CuratedUpdateParams, ctx: TaskContext, dataset: CuratedDataset, exists: bool
) -> VersionCheck:
    found = check_events(
        dataset, ctx, force=params.force, dry_run=params.dry_run, target_exists=exists
    )
    if not found.proceed:
        _finish_skipped(ctx, dataset.dataset_id, found.version, found.reason)
    return VersionCheck(
        dataset_id=dataset.dataset_id,
        version=found.version,
        previous_version=dataset.source_version,
        proceed=found.proceed,
        reason=found.reason,
        target_table=dataset.target_table,
        update_strategy=dataset.update_strategy,
        key_columns=dataset.key_columns,
        source_handler=dataset.source_config.get("handler"),
        title=dataset.name,
        description=dataset.description or None,
        events=found.plan,
    )


def publish_table(dataset: CuratedDataset) -> str:
    """A plain full replace publishes straight to the target; a mapped schema or an upsert
    goes through an intermediate table (one name per dataset, so a failed run's leftover
    is replaced by the next run)."""
    if dataset.update_strategy == "full_replace" and schema_for(dataset.source_config) is None:
        return dataset.target_table
    digest = hashlib.sha1(dataset.dataset_id.encode()).hexdigest()[:8]
    return f"incoming_{digest}_{dataset.dataset_id[:30]}"


def _finish_skipped(ctx: TaskContext, dataset_id: str, version: str, reason: str) -> None:
    with ctx.adapters.db.connection() as conn:
        conn.execute(
            sql("curated/log_finish"),
            {
                "job_id": ctx.job_id,
                "status": "skipped",
                "source_version": version,
                "error": None,
                "records_added": None,
                "records_updated": None,
                "records_deleted": None,
                "records_total": None,
                "details": None,
            },
        )
        conn.execute(sql("curated/record_check"), {"dataset_id": dataset_id, "job_id": ctx.job_id})


class StageRef(BaseModel):
    source_stage: str


@handler("curated.download")
def download(params: StageRef, ctx: TaskContext) -> Downloaded:
    """Streams the release into bronze (curated/<dataset>/<version>/<file>); a manual
    dataset's upload is already there. Idempotent: the same version lands on the same blob."""
    check = one_result(ctx, params.source_stage, VersionCheck)
    settings = ctx.adapters.settings
    if check.source_blob:
        return Downloaded(
            container=settings.bronze_container,
            blob_name=check.source_blob,
            bytes=None,
            sha256=None,
        )
    blob_name = f"curated/{check.dataset_id}/{_slug(check.version)}/{_filename(check.download_url)}"
    with guarded_client(settings) as http:
        stored = stream_to_blob(
            http,
            check.download_url,
            ctx.adapters.blobs,
            BlobRef(settings.bronze_container, blob_name),
            max_bytes=settings.curated_download_max_bytes,
            max_retries=settings.http_max_retries,
            what=f"{check.dataset_id} download",
        )
    return Downloaded(
        container=settings.bronze_container,
        blob_name=stored.blob_name,
        bytes=stored.bytes,
        sha256=stored.sha256,
    )


def _slug(version: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in version)[:80] or "unversioned"


def _filename(url: str | None) -> str:
    from urllib.parse import urlparse

    name = urlparse(url or "").path.rsplit("/", 1)[-1]
    return _slug(name) if name else "download"


def table_exists(conn, schema: str, table: str) -> bool:
    return conn.execute(sql("vector/table_exists"), {"qualified": f"{schema}.{table}"}).fetchone()[
        "present"
    ]


def count_rows(conn, schema: str, table: str) -> int | None:
    if not table_exists(conn, schema, table):
        return None
    return conn.execute(
        pgsql.SQL(sql("curated/count_rows")).format(table=pgsql.Identifier(schema, table))
    ).fetchone()["n"]
