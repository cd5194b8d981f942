"""Operations shared by the HTTP admin routes and the CLI."""

from core.access import Principal
from core.models.jobs import SubmitResponse
from core.models.platform import DeployView, MigrationView, SchemaStatusView
from infrastructure.db import migrations
from triggers.composition import Platform


def deploy_platform(platform: Platform) -> DeployView:
    """Schema migrations (pgSTAC + the project's), then the storage containers it writes to."""
    result = migrations.deploy(platform.settings.dsn)
    created = platform.blobs.ensure_containers()
    return DeployView(
        applied=[MigrationView(version=m.version, name=m.name) for m in result.applied],
        pgstac_from=result.pgstac_from,
        pgstac_to=result.pgstac_to,
        containers_created=created,
    )


def schema_status(platform: Platform) -> SchemaStatusView:
    status = migrations.status(platform.settings.dsn)
    applied = [
        MigrationView(version=a.version, name=a.name, applied_at=a.applied_at, modified=a.modified)
        for a in status.applied
    ]
    pending = [MigrationView(version=m.version, name=m.name) for m in status.pending]
    return SchemaStatusView(
        up_to_date=not pending and status.pgstac_version == status.pgstac_target_version,
        applied=applied,
        pending=pending,
        extensions=status.extensions,
        pgstac_version=status.pgstac_version,
        pgstac_target_version=status.pgstac_target_version,
    )


def submit_job(
    platform: Platform, job_type: str, parameters: dict, principal: Principal
) -> SubmitResponse:
    """Authorize, validate and submit; identical parameters return the existing job (created=False)."""
    submission = platform.engine.submit(job_type, parameters, principal=principal)
    job_id = submission.job["job_id"]
    return SubmitResponse(
        job_id=job_id,
        status=submission.job["status"],
        created=submission.created,
        status_url=f"/api/jobs/status/{job_id}",
    )
