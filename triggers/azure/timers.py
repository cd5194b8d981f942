"""Timer triggers: the reconciler sweep every 5 minutes and the nightly schedule."""

import logging
from datetime import datetime, timezone

import azure.functions as func
from azure.durable_functions import DFApp

from services.engine.engine import ReconcileReport
from services.metrics.sampler import sample_job_metrics
from triggers.azure.names import METRICS_SCHEDULE, NIGHTLY_SCHEDULE, RECONCILER_SCHEDULE
from triggers.azure.notifier import DurableJobNotifier
from triggers.composition import Platform
from triggers.scheduling import run_scheduled_work

log = logging.getLogger(__name__)


async def reconcile(platform: Platform, notifier: DurableJobNotifier, client) -> ReconcileReport:
    report = await notifier.run(client, platform.engine.reconcile)
    if (
        report.requeued
        or report.failed
        or report.cancelled
        or report.advanced
        or report.republished
        or any(report.chores.values())
    ):
        log.info("reconciler: %s", report)
    return report


async def run_nightly(
    platform: Platform, notifier: DurableJobNotifier, client, now: datetime
) -> list[str]:
    """Submits the scheduled jobs (the notifier starts an orchestrator for each new one);
    returns the new jobs' ids."""
    submitted = await notifier.run(client, run_scheduled_work, platform, now)
    created = [s.job_id for s in submitted if s.created]
    log.info("nightly schedule: %d jobs submitted, %d new", len(submitted), len(created))
    return created


def register(app: DFApp, platform: Platform, notifier: DurableJobNotifier) -> None:
    @app.function_name("reconciler_timer")
    @app.timer_trigger(arg_name="timer", schedule=RECONCILER_SCHEDULE)
    @app.durable_client_input(client_name="client")
    async def reconciler_timer(timer: func.TimerRequest, client) -> None:
        await reconcile(platform, notifier, client)

    @app.function_name("metrics_sampler")
    @app.timer_trigger(arg_name="timer", schedule=METRICS_SCHEDULE)
    def metrics_sampler(timer: func.TimerRequest) -> None:
        if platform.settings.metrics_enabled:
            sample_job_metrics(platform.db, platform.settings.metrics_rate_window_seconds)

    @app.function_name("nightly_scheduler")
    @app.timer_trigger(arg_name="timer", schedule=NIGHTLY_SCHEDULE)
    @app.durable_client_input(client_name="client")
    async def nightly_scheduler(timer: func.TimerRequest, client) -> None:
        await run_nightly(platform, notifier, client, datetime.now(timezone.utc))
