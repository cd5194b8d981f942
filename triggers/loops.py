"""Background loops of the local runtime: the reconciler (and, later, the scheduler)."""

import logging
import threading

from core.errors import GeoETLError
from services.engine.engine import Engine

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
