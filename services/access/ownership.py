"""Claims on what a job publishes, checked and recorded in the caller's transaction."""

import psycopg
from psycopg.types.json import Jsonb

from core.errors import Conflict
from core.ownership import Claim, new_owner, refusal
from infrastructure.db import access as repo
from infrastructure.db.queries import sql


def claim_all(
    conn: psycopg.Connection,
    claims: list[Claim],
    *,
    owner: str,
    job_id: str | None,
    takeover: bool = False,
) -> list[str]:
    """Records `owner` on every claimed resource, or raises Conflict naming the first one
    it may not have (the caller's transaction then rolls back: nothing is claimed).
    Returns the descriptions of resources taken over from another owner."""
    taken_over = []
    # One order for every transaction, so two jobs claiming overlapping names cannot deadlock.
    for claim in sorted(claims, key=lambda c: (c.resource.kind, c.resource.name)):
        current = repo.lock_owner(conn, claim.resource)
        reason = refusal(claim, owner, current, takeover)
        if reason is not None:
            raise Conflict(reason)
        recorded = new_owner(claim, owner, current)
        if recorded is not None:
            repo.set_owner(conn, claim.resource, recorded, job_id)
            if current is not None:
                taken_over.append(f"{claim.resource.describe()} from {current}")
    return taken_over


def claim_for_job(conn: psycopg.Connection, job_id: str, claims: list[Claim]) -> None:
    """Claims made by a running job (what it publishes, once it knows): its owner and its
    takeover flag come from the job row; a takeover is written to the job's events."""
    job = conn.execute(sql("access/job_owner"), {"job_id": job_id}).fetchone()
    taken_over = claim_all(
        conn, claims, owner=job["owner"], job_id=job_id, takeover=job["takeover"]
    )
    if taken_over:
        conn.execute(
            sql("engine/insert_event"),
            {
                "job_id": job_id,
                "attempt": job["attempt"],
                "event": "ownership_taken_over",
                "stage": None,
                "task_id": None,
                "detail": Jsonb({"resources": taken_over}),
            },
        )
