"""The orchestrator's activities: the only place its I/O happens."""

from dataclasses import asdict

from azure.durable_functions import DFApp

from core.engine.states import TERMINAL_JOB_STATUSES
from core.errors import NotFound
from services.engine.engine import Engine
from triggers.azure.names import ADVANCE_ACTIVITY, RECONCILE_ACTIVITY


def advance_job(engine: Engine, job_id: str) -> dict:
    """The job's status after a sweep of its own rows.

    Stages normally advance in the transaction that completes their last task; the sweep
    covers the rare stage left complete but not advanced, and leases of this job's tasks
    that lapsed. A job that does not exist is reported terminal so its orchestrator ends
    instead of retrying forever."""
    engine.reconcile_job(job_id)
    try:
        job = engine.job(job_id)
    except NotFound:
        return {"status": "not_found", "current_stage": None, "terminal": True}
    return {
        "status": job["status"],
        "current_stage": job["current_stage"],
        "terminal": job["status"] in TERMINAL_JOB_STATUSES,
    }


def reconcile_job(engine: Engine, job_id: str) -> dict:
    """A sweep of the job's rows; its counters (not the details) go into the orchestration history."""
    report = asdict(engine.reconcile_job(job_id))
    report.pop("details")
    report.pop("chores")  # world-wide housekeeping: the timer's sweep runs it, never a job's
    return report


def register(app: DFApp, engine: Engine) -> None:
    @app.function_name(ADVANCE_ACTIVITY)
    @app.activity_trigger(input_name="job_id")
    def advance_job_activity(job_id: str) -> dict:
        return advance_job(engine, job_id)

    @app.function_name(RECONCILE_ACTIVITY)
    @app.activity_trigger(input_name="job_id")
    def reconcile_job_activity(job_id: str) -> dict:
        return reconcile_job(engine, job_id)
