"""Scheduled work: the jobs the nightly schedule submits (timer trigger on Azure).

A ScheduledJob names a job type and builds its parameters for the scheduled time. The
scheduled date belongs in those parameters: job identity is a hash of the parameters,
so each day's run is its own job and a second run on the same day returns the
existing job instead of starting another.

SCHEDULED_JOBS is empty today, so a nightly run submits nothing and returns []; the
curated-dataset refreshes are the entries that go here.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from core.errors import GeoETLError
from core.models.jobs import SubmitResponse
from triggers.composition import Platform
from triggers.operations import submit_job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    job_type: str
    parameters: Callable[[datetime], dict[str, Any]]  # scheduled time -> job parameters


SCHEDULED_JOBS: tuple[ScheduledJob, ...] = ()


def run_scheduled_work(platform: Platform, now: datetime, scheduled: Sequence[ScheduledJob] = SCHEDULED_JOBS) -> list[SubmitResponse]:
    """Submits every scheduled job for `now`; returns the submissions (created or existing).
    One job failing to submit is logged and does not keep the others from running."""
    submitted = []
    for entry in scheduled:
        try:
            submitted.append(submit_job(platform, entry.job_type, entry.parameters(now)))
        except GeoETLError as exc:
            log.error("scheduled %s job not submitted: %s: %s", entry.job_type, exc.title, exc.detail)
    return submitted
