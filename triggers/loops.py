"""Background loops of the local runtime: the reconciler sweep and the nightly schedule
(on Azure, timer triggers do the same: triggers/azure/timers.py)."""

import logging
import threading
from datetime import datetime, timezone

from croniter import croniter

from core.errors import GeoETLError
from services.engine.engine import Engine
from triggers.scheduling import run_scheduled_work

log = logging.getLogger(__name__)


class ReconcilerLoop:
    def __init__(self, engine: Engine, interval_seconds: float):
        self.engine = engine
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="reconciler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                report = self.engine.reconcile()
            except GeoETLError as exc:
                log.warning("reconciler sweep failed: %s", exc.detail)
                continue
            if report.requeued or report.failed or report.cancelled or report.advanced or report.republished:
                log.info("reconciler: %s", report)


class SchedulerLoop:
    """Runs `run_scheduled_work` at each fire time of a cron expression (UTC), like the
    Azure timer `0 0 2 * * *`. A fire time missed while the host was down is not replayed
    (the Azure timer behaves the same unless its `useMonitor` catch-up applies)."""

    def __init__(self, platform, cron: str = "0 2 * * *"):
        self.platform = platform
        self.cron = cron
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        schedule = croniter(self.cron, datetime.now(timezone.utc))
        while True:
            fire_at = schedule.get_next(datetime)
            if self._stop.wait(max(0.0, (fire_at - datetime.now(timezone.utc)).total_seconds())):
                return
            submitted = run_scheduled_work(self.platform, fire_at)
            log.info("scheduler (%s): %d jobs submitted", self.cron, len(submitted))
