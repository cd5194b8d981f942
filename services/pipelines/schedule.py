"""Scheduled pipelines: each pipeline whose latest version carries a cron gets one run per
due fire time, submitted by the existing scheduler (local loop, Azure timer).

A scheduled run is submitted as whoever saved that version, never as the scheduler: a
schedule grants no rights its author lacks. A key's current role counts (a revoked key's
schedules stop, logged); other principals keep the role they saved with. The fire time is
a run parameter (`scheduled_for`), so each fire time is its own job and a timer firing
twice submits nothing new; missed fire times collapse into one run, as for curated data."""

import logging
from datetime import datetime

from core.access import BOOTSTRAP_ADMIN, Principal
from core.errors import GeoETLError
from core.pipelines.compiler import job_type_for
from infrastructure.db.queries import sql
from infrastructure.db.transactions import in_transaction
from services.curated.schedule import due_fire_time
from services.engine.engine import Submission

log = logging.getLogger(__name__)


def submit_due_pipelines(platform, now: datetime) -> list[Submission] | None:
    """The submissions (created or already existing), or None when another scheduler holds the lock."""

    def work(conn):
        if not conn.execute(sql("pipelines/scheduler_lock")).fetchone()["acquired"]:
            return None
        submitted = []
        for row in conn.execute(sql("pipelines/scheduled")).fetchall():
            fire = due_fire_time(row["schedule"], row["last_checked_at"] or row["created_at"], now)
            if fire is None:
                continue
            submission = _submit(platform, conn, row, fire)
            if submission is not None:
                submitted.append(submission)
            conn.execute(sql("pipelines/mark_checked"), {"name": row["name"], "checked_at": now})
        return submitted

    return in_transaction(platform.db, work)


def _submit(platform, conn, row: dict, fire: datetime) -> Submission | None:
    principal = scheduled_principal(conn, row)
    if principal is None:
        log.error(
            "scheduled run of pipeline %s skipped: %s, who saved it, has no valid key any more",
            row["name"],
            row["created_by"],
        )
        return None
    parameters = dict(row["definition"].get("schedule", {}).get("parameters", {})) | {
        "scheduled_for": fire.isoformat()
    }
    try:
        return platform.engine.submit(
            job_type_for(row["name"], row["version"]), parameters, principal=principal
        )
    except GeoETLError as exc:  # one pipeline's refusal must not keep the others from their runs
        log.error("scheduled run of pipeline %s not submitted: %s", row["name"], exc.detail)
        return None


def scheduled_principal(conn, row: dict) -> Principal | None:
    """Who a scheduled run is submitted as: the saver of the version (see the module doc)."""
    saver = row["created_by"]
    if saver == BOOTSTRAP_ADMIN.owner_id:
        return BOOTSTRAP_ADMIN
    kind, _, name = saver.partition(":")
    if kind == "key":
        key = conn.execute(sql("pipelines/key_role"), {"name": name}).fetchone()
        return (
            Principal(name, key["role"], "key")
            if key and key["role"] in ("submitter", "admin")
            else None
        )
    if kind in ("entra", "system") and name:
        return Principal(name, row["created_by_role"], kind)
    return None
