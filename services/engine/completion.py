"""Recording task outcomes: one transaction per batch, O(1) per task.

For each task a compare-and-swap from `running` (a duplicate or stale completion matches
no row and is ignored); then one counter update per stage touched; then, per stage,
either the stage is finished (advance under the job's advisory lock), or its failures
exceed the policy (fail the job), or freed slots release the next pending tasks.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from psycopg.types.json import Jsonb

from core.engine.states import ACTIVE_JOB_STATUSES
from core.engine.definitions import RetryPolicy
from core.engine.rules import allowed_failures, backoff_seconds
from infrastructure.db.pool import DbConnection
from infrastructure.db.queries import sql
from services.engine.context import ClaimedTask
from services.engine.handlers import JobRegistry
from services.engine.progression import (
    Effects,
    advance,
    fail_job,
    lock_job,
    record_event,
    stage_failure_message,
)

OutcomeKind = Literal["completed", "failed", "cancelled"]


@dataclass(frozen=True)
class Outcome:
    task: ClaimedTask
    kind: OutcomeKind
    result: dict[str, Any] | None = None
    error: str | None = None
    retryable: bool = False
    progress: dict[str, Any] | None = None  # the handler's last figures, when not yet flushed

    @classmethod
    def completed(
        cls, task: ClaimedTask, result: dict[str, Any], progress: dict[str, Any] | None = None
    ) -> "Outcome":
        return cls(task, "completed", result=result, progress=progress)

    @classmethod
    def failed(cls, task: ClaimedTask, error: str, *, retryable: bool) -> "Outcome":
        return cls(task, "failed", error=error, retryable=retryable)

    @classmethod
    def cancelled(cls, task: ClaimedTask, reason: str) -> "Outcome":
        return cls(task, "cancelled", error=reason)


@dataclass
class StageDelta:
    completed: int = 0
    failed: int = 0
    freed: int = 0  # slots given back: completed, failed or cancelled (a retry keeps its slot)


def record_outcomes(conn: DbConnection, jobs: JobRegistry, outcomes: list[Outcome]) -> Effects:
    deltas: dict[tuple[str, int, int], StageDelta] = defaultdict(StageDelta)
    effects = Effects()
    _record_completions(conn, [o for o in outcomes if o.kind == "completed"], deltas)
    for outcome in outcomes:
        if outcome.kind == "failed":
            _record_failure(conn, jobs, outcome, deltas, effects)
        elif outcome.kind == "cancelled":
            _record_cancellation(conn, outcome, deltas)
    for key in sorted(deltas):  # one lock order for stage rows across all transactions
        effects.merge(_settle_stage(conn, jobs, key, deltas[key]))
    return effects


def _record_completions(conn, outcomes: list[Outcome], deltas) -> None:
    if not outcomes:
        return
    rows = conn.execute(
        sql("engine/complete_tasks"),
        {
            "task_ids": [o.task.task_id for o in outcomes],
            "tries": [o.task.tries for o in outcomes],
            "results": [Jsonb(o.result) for o in outcomes],
            "progress": [Jsonb(o.progress) if o.progress is not None else None for o in outcomes],
        },
    ).fetchall()
    for row in rows:
        delta = deltas[(row["job_id"], row["attempt"], row["stage"])]
        delta.completed += 1
        delta.freed += 1


def _record_failure(conn, jobs: JobRegistry, outcome: Outcome, deltas, effects: Effects) -> None:
    task = outcome.task
    key = {"task_id": task.task_id, "tries": task.tries, "error": outcome.error}
    if outcome.retryable and task.tries < task.max_tries:
        definition = jobs.get(task.job_type)
        policy = definition.stage(task.stage).retry if definition else RetryPolicy()
        delay = backoff_seconds(policy, task.tries)
        row = conn.execute(sql("engine/retry_task"), key | {"delay_seconds": delay}).fetchone()
        if row:
            effects.retried_tasks.append((task.task_id, delay))
            record_event(
                conn,
                task.job_id,
                task.attempt,
                "task_retry",
                stage=task.stage,
                task_id=task.task_id,
                tries=task.tries,
                error=outcome.error,
            )
        else:  # no retry for a job that is no longer active: the task ends cancelled
            _record_cancellation(
                conn,
                Outcome.cancelled(task, f"job no longer active; last error: {outcome.error}"),
                deltas,
            )
        return
    row = conn.execute(sql("engine/fail_task"), key).fetchone()
    if row:
        delta = deltas[(row["job_id"], row["attempt"], row["stage"])]
        delta.failed += 1
        delta.freed += 1
        record_event(
            conn,
            task.job_id,
            task.attempt,
            "task_failed",
            stage=task.stage,
            task_id=task.task_id,
            tries=task.tries,
            error=outcome.error,
        )


def _record_cancellation(conn, outcome: Outcome, deltas) -> None:
    task = outcome.task
    row = conn.execute(
        sql("engine/cancel_running_task"),
        {"task_id": task.task_id, "tries": task.tries, "error": outcome.error},
    ).fetchone()
    if row:
        deltas[(row["job_id"], row["attempt"], row["stage"])].freed += 1


def _settle_stage(conn, jobs: JobRegistry, key: tuple[str, int, int], delta: StageDelta) -> Effects:
    job_id, attempt, stage_number = key
    stage = conn.execute(
        sql("engine/bump_stage"),
        {
            "job_id": job_id,
            "attempt": attempt,
            "stage": stage_number,
            "completed": delta.completed,
            "failed": delta.failed,
            "freed": delta.freed,
        },
    ).fetchone()
    if stage is None or stage["status"] != "running":
        return Effects()  # the job was cancelled, failed or resubmitted meanwhile
    job = conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()
    definition = jobs.get(job["job_type"])
    if definition is None:  # the stage cannot be judged or planned on: see advance()
        return advance(conn, None, job_id, attempt, stage_number)
    if stage["failed"] > allowed_failures(definition.stage(stage_number).failure, stage["total"]):
        return _fail_fast(conn, job_id, attempt, stage)
    if stage["completed"] + stage["failed"] >= stage["total"]:
        return advance(conn, definition, job_id, attempt, stage_number)
    free = stage["max_concurrency"] - stage["released"]
    if free <= 0:
        return Effects()
    released = conn.execute(
        sql("engine/release_pending"),
        {"job_id": job_id, "attempt": attempt, "stage": stage_number, "limit": free},
    ).fetchall()
    return Effects(queued_task_ids=[r["task_id"] for r in released])


def _fail_fast(conn, job_id: str, attempt: int, stage: dict) -> Effects:
    """More failures than the stage tolerates: no outcome can save the job."""
    job = lock_job(conn, job_id)
    if job is None or job["attempt"] != attempt or job["status"] not in ACTIVE_JOB_STATUSES:
        return Effects()
    conn.execute(
        sql("engine/finish_stage"),
        {"job_id": job_id, "attempt": attempt, "stage": stage["stage"], "status": "failed"},
    )
    fail_job(conn, job, stage["stage"], stage_failure_message(conn, job, stage))
    return Effects(finished_stages=[(job_id, stage["stage"])])
