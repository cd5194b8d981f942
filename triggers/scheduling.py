"""Scheduled work: what the nightly timer (Azure, `0 0 2 * * *`) and the local scheduler
loop run: the curated-dataset updates that are due (services/curated/schedule.py) and the
scheduled pipelines that are due (services/pipelines/schedule.py). Each due fire time is
part of its job's parameters, so a timer firing twice submits nothing new and each run is
its own job."""

from datetime import datetime

from core.models.jobs import SubmitResponse
from services.curated.schedule import submit_due_updates
from services.pipelines.schedule import submit_due_pipelines
from triggers.composition import Platform


def run_scheduled_work(platform: Platform, now: datetime) -> list[SubmitResponse]:
    """Submits what is due at `now`; returns the submissions (created or existing), none
    from a scheduler another instance is running."""
    submissions = [
        *(submit_due_updates(platform, now) or []),
        *(submit_due_pipelines(platform, now) or []),
    ]
    return [
        SubmitResponse(
            job_id=s.job["job_id"],
            status=s.job["status"],
            created=s.created,
            status_url=f"/api/jobs/status/{s.job['job_id']}",
        )
        for s in submissions
    ]
