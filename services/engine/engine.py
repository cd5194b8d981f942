"""The engine's entry points. Each is one transaction (retried on deadlock or a lost
connection); effects (tasks to deliver, stages finished) are announced after commit."""

import logging
from functools import partial
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from psycopg.types.json import Jsonb
from pydantic import ValidationError

from core.access import Principal
from core.engine.definitions import JobDefinition
from core.engine.identity import job_id_for
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, field_errors
from infrastructure.db.pool import Database, DbConnection
from infrastructure.db.queries import sql
from infrastructure.db.transactions import in_transaction
from services.access.ownership import claim_all
from services.access.policy import TAKEOVER, SubmissionPolicy, reject_nul
from services.engine.completion import Outcome, record_outcomes
from services.engine.context import ClaimedTask
from services.engine.handlers import JobRegistry
from services.engine.ports import Dispatcher, JobNotifier, NoNotifier, RowIsTheMessage
from services.engine.progression import Effects, advance, lock_job, plan_from, record_event
from infrastructure.db.job_metrics import prune_job_metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
# Housekeeping the reconciler runs after each sweep it made (another sweep holding the
# lock skips them): name → callable returning how much it did. Injected by the
# composition root, so the engine knows nothing of the blobs they clean.
Chore = Callable[[], int]


@dataclass(frozen=True)
class Submission:
    job: dict
    created: bool


@dataclass
class ReconcileReport:
    acted: bool = True  # False: another sweep held the singleton lock
    requeued: int = 0
    failed: int = 0
    cancelled: int = 0
    advanced: int = 0
    republished: int = 0
    metrics_pruned: int = 0
    chores: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)


class Engine:
    def __init__(
        self,
        db: Database,
        jobs: JobRegistry,
        policy: SubmissionPolicy,
        *,
        dispatcher: Dispatcher | None = None,
        notifier: JobNotifier | None = None,
        lease_seconds: float = 30.0,
        stale_dispatch_seconds: float = 120.0,
        metrics_retention_minutes: int = 1440,
        chores: Mapping[str, Chore] | None = None,
    ):
        self.db = db
        self.jobs = jobs
        self.policy = policy
        self.dispatcher = dispatcher or RowIsTheMessage()
        self.notifier = notifier or NoNotifier()
        self.lease_seconds = lease_seconds
        self.stale_dispatch_seconds = stale_dispatch_seconds
        self.metrics_retention_minutes = metrics_retention_minutes
        self.chores = dict(chores or {})

    # -- submission ------------------------------------------------------------------

    def submit(self, job_type: str, raw_parameters: Any, *, principal: Principal) -> Submission:
        """Authorize, validate, claim what the job publishes, and insert it; identical
        parameters return the existing job. Every route and the scheduler come here."""
        definition = self._definition_for_submit(job_type)
        job_type = definition.job_type  # `pipeline:NAME` resolves to its latest version's type
        parameters = self.authorized_parameters(definition, raw_parameters, principal)
        data = parameters.model_dump(mode="json")
        job_id = job_id_for(job_type, data)
        owner = (
            definition.owner(parameters, principal.owner_id)
            if definition.owner
            else principal.owner_id
        )
        claims = definition.claims(parameters) if definition.claims else []

        def work(conn):
            taken_over = claim_all(
                conn, claims, owner=owner, job_id=job_id, takeover=bool(data.get(TAKEOVER))
            )
            inserted = conn.execute(
                sql("engine/insert_job"),
                {
                    "job_id": job_id,
                    "job_type": job_type,
                    "parameters": Jsonb(data),
                    "total_stages": len(definition.stages),
                    "submitted_by": principal.owner_id,
                    "owner": owner,
                    "task_budget": self.policy.task_budget,
                },
            ).fetchone()
            if inserted is None:
                return Submission(self._job(conn, job_id), created=False), Effects()
            self.policy.check_rate(conn, principal)
            job = self._require(lock_job(conn, job_id), job_id)
            record_event(
                conn,
                job_id,
                job["attempt"],
                "submitted",
                job_type=job_type,
                submitted_by=principal.owner_id,
            )
            if taken_over:
                record_event(
                    conn,
                    job_id,
                    job["attempt"],
                    "ownership_taken_over",
                    resources=taken_over,
                    by=principal.owner_id,
                )
            effects = plan_from(conn, definition, job, 0)
            effects.opened_jobs.append(job_id)
            return Submission(self._job(conn, job_id), created=True), effects

        return self._run(work)

    def authorized_parameters(
        self, definition: JobDefinition, raw_parameters: Any, principal: Principal
    ):
        """What a submit checks before it writes anything (the plan preview checks the same):
        the caller may start this job with these parameters, and they are valid."""
        raw = self._raw_parameters(raw_parameters)
        self.policy.authorize(definition, raw, principal)
        return self._validated(definition, self.policy.with_settings_defaults(definition, raw))

    def _definition_for_submit(self, job_type: str) -> JobDefinition:
        definition = self.jobs.for_submit(job_type)
        if definition is None:
            raise NotFound(
                f"unknown job type {job_type!r}; known job types: {', '.join(self.jobs.job_types())}"
            )
        return definition

    @staticmethod
    def _raw_parameters(raw: Any) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise InvalidInput(f"job parameters must be a JSON object, not {type(raw).__name__}")
        reject_nul(raw)
        return raw

    @staticmethod
    def _validated(definition: JobDefinition, raw: dict[str, Any]):
        try:
            return definition.parameters_model.model_validate(raw)
        except ValidationError as exc:
            errors = field_errors(exc.errors())
            raise InvalidInput(
                f"invalid parameters for {definition.job_type}: "
                + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                errors=errors,
            ) from exc

    # -- workers ---------------------------------------------------------------------

    def claim(
        self, worker_id: str, limit: int, batchable_types: list[str] | None = None
    ) -> list[ClaimedTask]:
        """Up to `limit` due tasks: the first whatever its type, the others only of
        `batchable_types` (None: any type)."""
        rows = self._run(
            lambda conn: (
                conn.execute(
                    sql("engine/claim"),
                    {
                        "worker_id": worker_id,
                        "limit": limit,
                        "lease_seconds": self.lease_seconds,
                        "batchable": batchable_types,
                    },
                ).fetchall(),
                Effects(),
            )
        )
        return [ClaimedTask.from_row(r) for r in rows]

    def claim_task(self, task_id: int, worker_id: str) -> ClaimedTask | None:
        row = self._run(
            lambda conn: (
                conn.execute(
                    sql("engine/claim_one"),
                    {
                        "task_id": task_id,
                        "worker_id": worker_id,
                        "lease_seconds": self.lease_seconds,
                    },
                ).fetchone(),
                Effects(),
            )
        )
        return ClaimedTask.from_row(row) if row else None

    def record(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            self._run(lambda conn: (None, record_outcomes(conn, self.jobs, outcomes)))

    def heartbeat(self, entries: list[tuple[int, int, dict | None]]) -> dict[int, dict]:
        """Extend leases of (task_id, tries, progress) entries; returns the rows still owned."""
        if not entries:
            return {}
        rows = self._run(
            lambda conn: (
                conn.execute(
                    sql("engine/heartbeat"),
                    {
                        "lease_seconds": self.lease_seconds,
                        "task_ids": [e[0] for e in entries],
                        "tries": [e[1] for e in entries],
                        "progress": [Jsonb(e[2]) if e[2] is not None else None for e in entries],
                    },
                ).fetchall(),
                Effects(),
            )
        )
        return {r["task_id"]: r for r in rows}

    # -- control ---------------------------------------------------------------------

    def cancel(
        self, job_id: str, *, principal: Principal, reason: str = "cancelled by request"
    ) -> dict:
        def work(conn):
            job = self._controllable(lock_job(conn, job_id), job_id, principal)
            if (
                conn.execute(
                    sql("engine/cancel_job"), {"job_id": job_id, "reason": reason}
                ).fetchone()
                is None
            ):
                raise Conflict(
                    f"job {job_id} is {job['status']}: only queued or processing jobs can be cancelled"
                )
            key = {"job_id": job_id, "attempt": job["attempt"]}
            cancelled = conn.execute(
                sql("engine/cancel_open_tasks"), key | {"reason": reason}
            ).fetchall()
            conn.execute(sql("engine/cancel_stages"), key)
            record_event(
                conn,
                job_id,
                job["attempt"],
                "job_cancelled",
                reason=reason,
                open_tasks_cancelled=len(cancelled),
            )
            return self._job(conn, job_id), Effects()

        return self._run(work)

    def retry_failed(self, job_id: str, *, principal: Principal) -> dict:
        """Re-run the failed (and cancelled) tasks of the stage the job stopped in; completed
        tasks and their results stay."""

        def work(conn):
            job = self._controllable(lock_job(conn, job_id), job_id, principal)
            definition = self._registered(job)
            reopened = conn.execute(sql("engine/reopen_job"), {"job_id": job_id}).fetchone()
            if reopened is None:
                raise Conflict(
                    f"job {job_id} is {job['status']}: retry applies to failed or cancelled jobs (use resubmit otherwise)"
                )
            key = {
                "job_id": job_id,
                "attempt": reopened["attempt"],
                "stage": reopened["current_stage"],
            }
            requeued = conn.execute(sql("engine/requeue_failed_tasks"), key).fetchall()
            conn.execute(sql("engine/reset_stage_counters"), key)
            stage = conn.execute(sql("engine/get_stage"), key).fetchone()
            released = conn.execute(
                sql("engine/release_pending"),
                key | {"limit": max(0, stage["max_concurrency"] - stage["released"])},
            ).fetchall()
            record_event(
                conn,
                job_id,
                reopened["attempt"],
                "job_retried",
                stage=reopened["current_stage"],
                tasks=len(requeued),
            )
            effects = Effects(
                queued_task_ids=[r["task_id"] for r in released], opened_jobs=[job_id]
            )
            if not requeued:  # nothing to re-run: the stage is complete, move on
                effects.merge(
                    advance(
                        conn, definition, job_id, reopened["attempt"], reopened["current_stage"]
                    )
                )
            return self._job(conn, job_id), effects

        return self._run(work)

    def resubmit(self, job_id: str, *, principal: Principal) -> dict:
        """A new attempt of a finished job from stage 1; earlier attempts stay as history.
        Its claims are checked again: what it publishes may have changed hands since."""

        def work(conn):
            job = self._controllable(lock_job(conn, job_id), job_id, principal)
            definition = self._registered(job)
            parameters = definition.parameters_model.model_validate(job["parameters"])
            claims = definition.claims(parameters) if definition.claims else []
            claim_all(
                conn,
                claims,
                owner=job["owner"],
                job_id=job_id,
                takeover=bool(job["parameters"].get(TAKEOVER)),
            )
            renewed = conn.execute(sql("engine/new_attempt"), {"job_id": job_id}).fetchone()
            if renewed is None:
                raise Conflict(
                    f"job {job_id} is {job['status']}: only finished jobs can be resubmitted (cancel it first)"
                )
            job = conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()
            record_event(
                conn,
                job_id,
                job["attempt"],
                "resubmitted",
                previous_attempt=job["attempt"] - 1,
                by=principal.owner_id,
            )
            effects = plan_from(conn, definition, job, 0)
            effects.opened_jobs.append(job_id)
            return self._job(conn, job_id), effects

        return self._run(work)

    # -- reconciler ------------------------------------------------------------------

    def reconcile(self, limit: int = 1000) -> ReconcileReport:
        """One singleton sweep: expired leases, stalled (zombie) jobs, stale dispatches."""

        def work(conn):
            if not conn.execute(sql("engine/reconcile_lock")).fetchone()["acquired"]:
                return ReconcileReport(acted=False), Effects()
            report, effects = self._sweep(conn, None, limit)
            report.metrics_pruned = prune_job_metrics(conn, self.metrics_retention_minutes)
            return report, effects

        report = self._run(work)
        if report.acted:
            self._run_chores(report)
        return report

    def _run_chores(self, report: ReconcileReport) -> None:
        """After the sweep's transaction (chores reach blob storage, which must not hold
        it open); one chore failing is logged and leaves the others and the sweep alone."""
        for name, chore in self.chores.items():
            try:
                report.chores[name] = chore()
            except Exception:
                log.exception("reconciler chore %s failed; the next sweep tries again", name)

    def reconcile_job(self, job_id: str, limit: int = 1000) -> ReconcileReport:
        """The same sweep for one job (what its orchestrator runs): no singleton lock, no
        world-wide chores, so every orchestrator round costs only its own job's rows."""
        return self._run(lambda conn: self._sweep(conn, job_id, limit))

    def _sweep(self, conn, job_id: str | None, limit: int) -> tuple[ReconcileReport, Effects]:
        report = ReconcileReport()
        scope = {"job_id": job_id, "limit": limit}
        effects = self._expire_leases(conn, scope, report)
        for row in conn.execute(sql("engine/stalled_stages"), scope).fetchall():
            definition = self.jobs.get(self._job(conn, row["job_id"])["job_type"])
            effects.merge(advance(conn, definition, row["job_id"], row["attempt"], row["stage"]))
            report.advanced += 1
        if self.dispatcher.tracks_dispatch:
            stale = conn.execute(
                sql("engine/stale_dispatches"),
                scope | {"stale_seconds": self.stale_dispatch_seconds},
            ).fetchall()
            effects.queued_task_ids += [r["task_id"] for r in stale]
            report.republished = len(stale)
        return report, effects

    def _expire_leases(self, conn, scope: dict, report: ReconcileReport) -> Effects:
        outcomes = []
        for row in conn.execute(sql("engine/expired_leases"), scope).fetchall():
            task = ClaimedTask.from_row(row)
            if not row["job_active"]:
                outcomes.append(Outcome.cancelled(task, "lease expired after the job ended"))
                report.cancelled += 1
                continue
            why = (
                f"timed out after {task.timeout_seconds}s"
                if row["timed_out"]
                else "lease expired: the worker stopped heartbeating"
            )
            outcomes.append(Outcome.failed(task, why, retryable=True))
            if task.tries < task.max_tries:
                report.requeued += 1
            else:
                report.failed += 1
        return record_outcomes(conn, self.jobs, outcomes)

    # -- plumbing --------------------------------------------------------------------

    def job(self, job_id: str) -> dict:
        return self._run(
            lambda conn: (
                self._require(
                    conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone(), job_id
                ),
                Effects(),
            )
        )

    def _job(self, conn, job_id: str) -> dict:
        return conn.execute(sql("engine/get_job"), {"job_id": job_id}).fetchone()

    @staticmethod
    def _require(job: dict | None, job_id: str) -> dict:
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job

    def _controllable(self, job: dict | None, job_id: str, principal: Principal) -> dict:
        """Cancel, retry and resubmit: an admin's on any job, a submitter's on its own."""
        job = self._require(job, job_id)
        if not principal.is_admin and not (
            principal.may("submitter") and job["submitted_by"] == principal.owner_id
        ):
            raise Forbidden(
                f"job {job_id} was submitted by {job['submitted_by']}: only it or an admin may control it"
            )
        return job

    def _registered(self, job: dict) -> JobDefinition:
        definition = self.jobs.get(job["job_type"])
        if definition is None:
            raise Conflict(
                f"job type {job['job_type']!r} is not registered on this host; "
                f"known job types: {', '.join(self.jobs.job_types())}"
            )
        return definition

    def _run(self, work: Callable[[DbConnection], tuple[T, Effects]]) -> T:
        value, effects = in_transaction(self.db, work)
        self._announce(effects)
        return value

    def _announce(self, effects: Effects) -> None:
        # Messages are hints: a failed publish delays work (the reconciler republishes
        # stale queued tasks), it never loses it, so it is logged rather than raised.
        deliveries = [(effects.queued_task_ids, 0.0)] if effects.queued_task_ids else []
        deliveries += [([task_id], delay) for task_id, delay in effects.retried_tasks]
        for task_ids, delay in deliveries:
            try:
                self.dispatcher.publish(task_ids, delay)
                if self.dispatcher.tracks_dispatch:
                    in_transaction(self.db, partial(_mark_dispatched, task_ids=task_ids))
            except Exception:
                log.exception(
                    "publishing %d task ids failed; the reconciler will republish them",
                    len(task_ids),
                )
        for job_id in dict.fromkeys(effects.opened_jobs):
            try:
                self.notifier.job_opened(job_id)
            except Exception:
                log.exception(
                    "job-opened notification for job %s failed; the reconciler still drives it",
                    job_id[:12],
                )
        for job_id, stage in effects.finished_stages:
            try:
                self.notifier.stage_finished(job_id, stage)
            except Exception:
                log.exception(
                    "stage-finished notification for job %s failed; the orchestrator's timer covers it",
                    job_id[:12],
                )


def _mark_dispatched(conn, *, task_ids: list[int]) -> None:
    conn.execute(sql("engine/mark_dispatched"), {"task_ids": task_ids})
