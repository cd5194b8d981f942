"""Moving a job through its stages: plan the next stage, skip, finish.

Everything here runs inside the caller's transaction with the job's advisory lock held
(`lock_job`), so a stage is planned exactly once however many workers finish tasks at
the same moment.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from core.engine.states import ACTIVE_JOB_STATUSES
from core.engine.definitions import JobDefinition
from core.engine.identity import canonical_json
from core.engine.planning import plan_tasks
from core.engine.rules import final_job_status, stage_outcome
from core.errors import InvalidInput
from infrastructure.db.pool import DbConnection
from infrastructure.db.queries import sql

log = logging.getLogger(__name__)
PLAN_CHUNK = 5000  # tasks per COPY, results per server-side fetch


@dataclass
class Effects:
    """What to announce once the transaction has committed."""

    queued_task_ids: list[int] = field(default_factory=list)
    retried_tasks: list[tuple[int, float]] = field(
        default_factory=list
    )  # (task id, backoff seconds)
    finished_stages: list[tuple[str, int]] = field(default_factory=list)
    opened_jobs: list[str] = field(default_factory=list)  # created or reopened

    def merge(self, other: "Effects") -> None:
        self.queued_task_ids += other.queued_task_ids
        self.retried_tasks += other.retried_tasks
        self.finished_stages += other.finished_stages
        self.opened_jobs += other.opened_jobs


class DbPlanContext:
    """PlanContext over the database: planners read earlier stages' results by name."""

    def __init__(self, conn: DbConnection, job: dict, parameters: BaseModel):
        self._conn = conn
        self.job_id = job["job_id"]
        self.attempt = job["attempt"]
        self.parameters = parameters

    def results_of(self, stage_name: str) -> Iterator[dict[str, Any]]:
        return stage_results(self._conn, self.job_id, self.attempt, stage_name)


def stage_results(
    conn: DbConnection, job_id: str, attempt: int, stage_name: str
) -> Iterator[dict[str, Any]]:
    """A server-side cursor: results arrive in chunks and the connection stays usable
    between them (the planner writes the next stage's tasks while reading these)."""
    with conn.cursor(name=f"results_{uuid.uuid4().hex}", row_factory=psycopg.rows.tuple_row) as cur:
        cur.itersize = PLAN_CHUNK
        cur.execute(
            sql("engine/stage_results"),
            {"job_id": job_id, "attempt": attempt, "stage_name": stage_name},
        )
        for (result,) in cur:
            yield result


def lock_job(conn: DbConnection, job_id: str) -> dict | None:
    conn.execute(sql("engine/lock_job"), {"job_id": job_id})
    return conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()


def record_event(
    conn,
    job_id: str,
    attempt: int,
    event: str,
    *,
    stage: int | None = None,
    task_id: int | None = None,
    **detail: Any,
) -> None:
    conn.execute(
        sql("engine/insert_event"),
        {
            "job_id": job_id,
            "attempt": attempt,
            "event": event,
            "stage": stage,
            "task_id": task_id,
            "detail": Jsonb(detail),
        },
    )


def advance(
    conn: DbConnection,
    definition: JobDefinition | None,
    job_id: str,
    attempt: int,
    finished_stage: int,
) -> Effects:
    """Close `finished_stage` (all its tasks are terminal) and move the job on.
    Idempotent: a second call for the same stage finds the job already moved and does nothing.
    A job whose type this host does not know (another version's registry) fails with the
    reason rather than staying stuck."""
    job = lock_job(conn, job_id)
    if (
        job is None
        or job["attempt"] != attempt
        or job["current_stage"] != finished_stage
        or job["status"] not in ACTIVE_JOB_STATUSES
    ):
        return Effects()
    if definition is None:
        fail_job(
            conn,
            job,
            finished_stage,
            f"job type {job['job_type']!r} is not registered on this host",
        )
        return Effects(finished_stages=[(job_id, finished_stage)])
    stage_def = definition.stage(finished_stage)
    stage = conn.execute(
        sql("engine/get_stage"), {"job_id": job_id, "attempt": attempt, "stage": finished_stage}
    ).fetchone()
    if stage is None:  # the job's lock is held and it is at this stage: its row exists
        raise RuntimeError(f"job {job_id} has no row for stage {finished_stage}")
    effects = Effects(finished_stages=[(job_id, finished_stage)])
    if stage["status"] == "running":
        outcome = stage_outcome(stage_def.failure, stage["total"], stage["failed"])
        conn.execute(
            sql("engine/finish_stage"),
            {"job_id": job_id, "attempt": attempt, "stage": finished_stage, "status": outcome},
        )
        record_event(
            conn,
            job_id,
            attempt,
            "stage_finished",
            stage=finished_stage,
            status=outcome,
            completed=stage["completed"],
            failed=stage["failed"],
            total=stage["total"],
        )
        if outcome == "failed":
            fail_job(conn, job, finished_stage, stage_failure_message(conn, job, stage))
            return effects
    effects.merge(plan_from(conn, definition, job, finished_stage))
    return effects


def plan_from(conn: DbConnection, definition: JobDefinition, job: dict, done_stage: int) -> Effects:
    """Plan the stages after `done_stage` until one has tasks, or finish the job."""
    parameters = definition.parameters_model.model_validate(job["parameters"])
    ctx = DbPlanContext(conn, job, parameters)
    number = done_stage
    while number < len(definition.stages):
        number += 1
        _move_job(conn, job, number - 1, number)
        try:
            with conn.transaction():  # savepoint: a failing planner leaves no partial stage
                queued = _plan_stage(conn, definition, job, number, ctx)
        except psycopg.Error:
            raise  # the database's trouble, not the planner's: the transaction is retried
        except (
            Exception
        ) as exc:  # planners are code: their failure becomes the job's, with the reason
            fail_job(
                conn,
                job,
                number,
                f"planning stage {number} ({definition.stage(number).name}) failed: {exc}",
            )
            return Effects()
        if queued is not None:
            return Effects(queued_task_ids=queued)
    finish_job(conn, definition, job)
    return Effects()


def _move_job(conn, job: dict, from_stage: int, to_stage: int) -> None:
    moved = conn.execute(
        sql("engine/move_job_to_stage"),
        {
            "job_id": job["job_id"],
            "attempt": job["attempt"],
            "from_stage": from_stage,
            "to_stage": to_stage,
        },
    ).fetchone()
    if moved is None:  # the advisory lock makes this impossible; the CAS makes sure
        raise RuntimeError(f"job {job['job_id']} is no longer at stage {from_stage}")
    job["current_stage"] = to_stage


def _plan_stage(
    conn, definition: JobDefinition, job: dict, number: int, ctx: DbPlanContext
) -> list[int] | None:
    """Insert the stage and its tasks; returns the queued task ids, or None when the stage
    was skipped or has no tasks (and is therefore already finished)."""
    stage = definition.stage(number)
    key = {"job_id": job["job_id"], "attempt": job["attempt"], "stage": number}
    if stage.when is not None and not stage.when(ctx):
        conn.execute(
            sql("engine/insert_stage"),
            key
            | {
                "name": stage.name,
                "task_type": stage.task_type,
                "status": "skipped",
                "max_concurrency": stage.max_concurrency,
            },
        )
        record_event(
            conn,
            job["job_id"],
            job["attempt"],
            "stage_skipped",
            stage=number,
            reason=stage.when_description,
        )
        return None
    conn.execute(
        sql("engine/insert_stage"),
        key
        | {
            "name": stage.name,
            "task_type": stage.task_type,
            "status": "running",
            "max_concurrency": stage.max_concurrency,
        },
    )
    total = _copy_tasks(
        conn, job, number, stage, plan_tasks(definition, number, ctx), _budget_left(conn, job)
    )
    released = min(total, stage.max_concurrency)
    conn.execute(sql("engine/set_stage_size"), key | {"total": total, "released": released})
    record_event(
        conn,
        job["job_id"],
        job["attempt"],
        "stage_started",
        stage=number,
        name=stage.name,
        tasks=total,
    )
    if total == 0:
        conn.execute(sql("engine/finish_stage"), key | {"status": "completed"})
        return None
    return [r["task_id"] for r in conn.execute(sql("engine/queued_task_ids"), key)]


def _budget_left(conn, job: dict) -> int | None:
    """Tasks this attempt may still plan (the job's task_budget, JOB_MAX_TASKS at submit)."""
    if job.get("task_budget") is None:
        return None
    planned = conn.execute(
        sql("engine/planned_tasks"), {"job_id": job["job_id"], "attempt": job["attempt"]}
    ).fetchone()
    return job["task_budget"] - planned["planned"]


def _copy_tasks(
    conn, job: dict, number: int, stage, params: Iterator[dict], budget: int | None
) -> int:
    """COPY in chunks, so a planner may read earlier results from the same connection.
    Planning past the job's task budget fails the stage (the savepoint drops what was copied)."""
    count = 0
    for chunk in _chunks(params, PLAN_CHUNK):
        if budget is not None and count + len(chunk) > budget:
            raise InvalidInput(
                f"stage {stage.name!r} would plan more tasks than the job's budget of "
                f"{job['task_budget']:,} (JOB_MAX_TASKS)"
            )
        with conn.cursor().copy(sql("engine/copy_tasks")) as copy:
            for task_params in chunk:
                status = "queued" if count < stage.max_concurrency else "pending"
                copy.write_row(
                    (
                        job["job_id"],
                        job["attempt"],
                        number,
                        count,
                        stage.task_type,
                        canonical_json(task_params),
                        status,
                        stage.retry.max_tries,
                        stage.timeout_seconds,
                    )
                )
                count += 1
    return count


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def finish_job(conn, definition: JobDefinition, job: dict) -> None:
    stages = conn.execute(
        sql("engine/stage_statuses"), {"job_id": job["job_id"], "attempt": job["attempt"]}
    ).fetchall()
    status = final_job_status([s["status"] for s in stages])
    result = job_result(conn, job, stages)
    conn.execute(
        sql("engine/finish_job"),
        {
            "job_id": job["job_id"],
            "attempt": job["attempt"],
            "status": status,
            "result": Jsonb(result),
            "error": None,
        },
    )
    record_event(conn, job["job_id"], job["attempt"], "job_finished", status=status)


def job_result(conn, job: dict, stages: list[dict]) -> dict | None:
    """The last stage that ran: its single result, or a count of its results."""
    ran = [s for s in stages if s["status"] != "skipped"]
    if not ran:
        return None
    last = ran[-1]["name"]
    results = list(stage_results(conn, job["job_id"], job["attempt"], last))
    return results[0] if len(results) == 1 else {"stage": last, "results": len(results)}


def fail_job(conn, job: dict, stage: int, message: str) -> None:
    """Fail the job now: open tasks are cancelled, running ones see it at their next heartbeat."""
    key = {"job_id": job["job_id"], "attempt": job["attempt"]}
    conn.execute(
        sql("engine/finish_job"), key | {"status": "failed", "result": None, "error": message}
    )
    conn.execute(sql("engine/cancel_open_tasks"), key | {"reason": "job failed"})
    conn.execute(sql("engine/cancel_stages"), key)
    record_event(conn, job["job_id"], job["attempt"], "job_failed", stage=stage, error=message)
    log.info("job %s failed: %s", job["job_id"][:12], message)


def stage_failure_message(conn, job: dict, stage: dict) -> str:
    first = conn.execute(
        sql("engine/first_stage_error"),
        {"job_id": job["job_id"], "attempt": job["attempt"], "stage": stage["stage"]},
    ).fetchone()
    detail = f"; first error (task {first['task_index']}): {first['error']}" if first else ""
    return f"stage {stage['stage']} ({stage['name']}): {stage['failed']} of {stage['total']} tasks failed{detail}"
