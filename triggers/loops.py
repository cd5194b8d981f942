"""Background loops of the local runtime: the reconciler sweep, the metrics sampler and
the nightly schedule (on Azure, timer triggers do the same: triggers/azure/timers.py).
Each is a SupervisedLoop: an unexpected exception is logged and the loop goes on."""

import logging
from datetime import datetime, timezone

from croniter import croniter

from infrastructure.db.pool import Database
from infrastructure.supervised import SupervisedLoop
from services.engine.engine import Engine
from services.metrics.sampler import sample_job_metrics
from triggers.scheduling import run_scheduled_work

log = logging.getLogger(__name__)


def reconciler_loop(engine: Engine, interval_seconds: float) -> SupervisedLoop:
    def sweep() -> None:
        report = engine.reconcile()
        if (
            report.requeued
            or report.failed
            or report.cancelled
            or report.advanced
            or report.republished
            or any(report.chores.values())
        ):
            log.info("reconciler: %s", report)

    return SupervisedLoop("reconciler", sweep, interval_seconds)


def metrics_loop(
    db: Database, interval_seconds: float, rate_window_seconds: float
) -> SupervisedLoop:
    return SupervisedLoop(
        "metrics", lambda: sample_job_metrics(db, rate_window_seconds), interval_seconds
    )


def scheduler_loop(platform, cron: str) -> SupervisedLoop:
    """Runs `run_scheduled_work` at each fire time of `cron` (UTC; CURATED_SCHEDULER_CRON,
    every minute by default), as the Azure timer does nightly. Missed fire times need no
    replay: the work itself finds every dataset due since its last check."""
    schedule = croniter(cron, datetime.now(timezone.utc))
    next_fire = [schedule.get_next(datetime)]
    period = (schedule.get_next(datetime) - next_fire[0]).total_seconds()
    schedule.set_current(next_fire[0])

    def wait() -> float:
        return max(0.0, (next_fire[0] - datetime.now(timezone.utc)).total_seconds())

    def fire() -> None:
        fire_at, next_fire[0] = next_fire[0], schedule.get_next(datetime)
        submitted = run_scheduled_work(platform, fire_at)
        log.info("scheduler (%s): %d jobs submitted", cron, len(submitted))

    return SupervisedLoop("scheduler", fire, period, wait=wait)
