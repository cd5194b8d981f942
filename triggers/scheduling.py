"""Scheduled work: what the nightly timer (Azure, `0 0 2 * * *`) and the local scheduler
loop run. Today that is the curated-dataset updates that are due (services/curated/schedule.py):
each due dataset gets one `curated_update` job whose parameters carry the scheduled fire
time, so a timer firing twice submits nothing new and each day's run is its own job."""

from datetime import datetime

from core.models.jobs import SubmitResponse
from services.curated.schedule import submit_due_updates
from triggers.composition import Platform


def run_scheduled_work(platform: Platform, now: datetime) -> list[SubmitResponse]:
    """Submits what is due at `now`; returns the submissions (created or existing), none
    when another scheduler instance is acting."""
    return [
        SubmitResponse(job_id=s.job["job_id"], status=s.job["status"], created=s.created,
                       status_url=f"/api/jobs/status/{s.job['job_id']}")
        for s in submit_due_updates(platform, now) or []
    ]
