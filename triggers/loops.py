"""Background loops of the local runtime: the reconciler sweep, the metrics sampler and
the nightly schedule (on Azure, timer triggers do the same: triggers/azure/timers.py)."""

import logging
import threading
from datetime import datetime, timezone
from typing import Callable

from croniter import croniter

from core.errors import GeoETLError
from infrastructure.db.pool import Database
from services.engine.engine import Engine
from services.metrics.sampler import sample_job_metrics
from triggers.scheduling import run_scheduled_work

log = logging.getLogger(__name__)


class BackgroundLoop:
    """A daemon thread calling `step` until stopped; `wait` says how long to sleep first."""

    def __init__(self, name: str, step: Callable[[], None], wait: Callable[[], float]):
        self.name = name
        self._step = step
        self._wait = wait
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._wait()):
            try:
                self._step()
            except GeoETLError as exc:  # e.g. the database is restarting: the next round retries
                log.warning("%s: %s", self.name, exc.detail)


def reconciler_loop(engine: Engine, interval_seconds: float) -> BackgroundLoop:
    def sweep() -> None:
        report = engine.reconcile()
        if report.requeued or report.failed or report.cancelled or report.advanced or report.republished:
            log.info("reconciler: %s", report)

    return BackgroundLoop("reconciler", sweep, lambda: interval_seconds)


def metrics_loop(db: Database, interval_seconds: float, rate_window_seconds: float) -> BackgroundLoop:
    return BackgroundLoop("metrics", lambda: sample_job_metrics(db, rate_window_seconds), lambda: interval_seconds)


def scheduler_loop(platform, cron: str) -> BackgroundLoop:
    """Runs `run_scheduled_work` at each fire time of `cron` (UTC; CURATED_SCHEDULER_CRON,
    every minute by default), as the Azure timer does nightly. Missed fire times need no
    replay: the work itself finds every dataset due since its last check."""
    schedule = croniter(cron, datetime.now(timezone.utc))
    next_fire = [schedule.get_next(datetime)]

    def wait() -> float:
        return max(0.0, (next_fire[0] - datetime.now(timezone.utc)).total_seconds())

    def fire() -> None:
        fire_at, next_fire[0] = next_fire[0], schedule.get_next(datetime)
        submitted = run_scheduled_work(platform, fire_at)
        log.info("scheduler (%s): %d jobs submitted", cron, len(submitted))

    return BackgroundLoop("scheduler", fire, wait)
