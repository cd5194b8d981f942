"""The Durable orchestrator that follows one job (instance id = job id).

It only watches: stages advance inside the engine's completion transactions, so the
orchestrator reads the job (activity `advance_job`), and until the job is terminal waits
for a `stage_finished` event or, if none comes within the wait, runs the reconciler
(activity `reconcile_job`) in case a message or an event was lost. The generator is pure
(no I/O, no clock but the context's), as Durable replay requires; I/O lives in activities.
"""

from datetime import timedelta
from typing import Any, Generator

from azure.durable_functions import DFApp, DurableOrchestrationContext, RetryOptions

from triggers.azure.names import (
    ADVANCE_ACTIVITY,
    ORCHESTRATOR,
    RECONCILE_ACTIVITY,
    STAGE_FINISHED_EVENT,
)

# Rounds (one read + one wait each) per orchestration generation; then continue_as_new
# starts a fresh history, so replay stays short however long the job runs.
ROUNDS_PER_GENERATION = 20

# A database restart should not fail the orchestration: activities are retried a few times.
ACTIVITY_RETRY = RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=5)


def job_orchestrator(
    context: DurableOrchestrationContext, wait: timedelta, rounds: int = ROUNDS_PER_GENERATION
) -> Generator[Any, Any, dict | None]:
    """Returns the job's final status dict, or None when it continued as new."""
    job_id = context.get_input()
    for _ in range(rounds):
        status = yield context.call_activity_with_retry(ADVANCE_ACTIVITY, ACTIVITY_RETRY, job_id)
        if status["terminal"]:
            return status
        yield from wait_for_progress(context, job_id, wait)
    context.continue_as_new(job_id)
    return None


def wait_for_progress(
    context: DurableOrchestrationContext, job_id: str, wait: timedelta
) -> Generator[Any, Any, None]:
    """A stage_finished event, or after `wait` a reconciler sweep (events are hints too)."""
    event = context.wait_for_external_event(STAGE_FINISHED_EVENT)
    timer = context.create_timer(context.current_utc_datetime + wait)
    winner = yield context.task_any([event, timer])
    if winner is event:
        timer.cancel()  # a pending timer would keep the instance from completing
        return
    yield context.call_activity_with_retry(RECONCILE_ACTIVITY, ACTIVITY_RETRY, job_id)


def register(app: DFApp, wait_seconds: float) -> None:
    wait = timedelta(seconds=wait_seconds)

    @app.function_name(ORCHESTRATOR)
    @app.orchestration_trigger(context_name="context")
    def orchestrate_job(context: DurableOrchestrationContext):
        return (yield from job_orchestrator(context, wait))
