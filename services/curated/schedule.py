"""Which curated datasets are due, and one update job for each.

A dataset is due when a fire time of its cron (UTC) has passed since it was last checked
(or, never checked, since it was registered). However many fire times were missed, it
gets one job, for the latest of them; that fire time is part of the job's parameters and
so of its id, so a timer firing twice submits nothing new while tomorrow's run is a new
job. One scheduler acts at a time (advisory lock), however many hosts fire.
"""

import logging
from datetime import datetime

from croniter import croniter

from core.access import SCHEDULER
from core.errors import GeoETLError
from infrastructure.db.queries import sql
from infrastructure.db.transactions import in_transaction
from services.engine.engine import Submission

log = logging.getLogger(__name__)


def due_fire_time(cron: str, baseline: datetime, now: datetime) -> datetime | None:
    """The latest fire time in (baseline, now], if any."""
    latest = croniter(cron, now).get_prev(datetime)
    return latest if latest > baseline else None


def submit_due_updates(platform, now: datetime) -> list[Submission] | None:
    """Submits an update job per due dataset; returns the submissions (created or already
    existing), or None when another scheduler held the lock."""

    def work(conn):
        if not conn.execute(sql("curated/scheduler_lock")).fetchone()["acquired"]:
            return None
        submitted = []
        for dataset in conn.execute(sql("curated/scheduled")).fetchall():
            fire = due_fire_time(
                dataset["update_schedule"], dataset["last_checked_at"] or dataset["created_at"], now
            )
            if fire is None:
                continue
            submission = _submit(platform, dataset["dataset_id"], fire)
            if submission is not None:
                submitted.append(submission)
            conn.execute(
                sql("curated/mark_checked"),
                {"dataset_id": dataset["dataset_id"], "checked_at": now},
            )
        return submitted

    return in_transaction(platform.db, work)


def _submit(platform, dataset_id: str, fire: datetime) -> Submission | None:
    parameters = {
        "dataset_id": dataset_id,
        "update_type": "scheduled",
        "scheduled_for": fire.isoformat(),
    }
    try:
        return platform.engine.submit("curated_update", parameters, principal=SCHEDULER)
    except GeoETLError as exc:  # one bad entry must not keep the others from their update
        log.error("scheduled update of %s not submitted: %s", dataset_id, exc.detail)
        return None
