"""The one background loop every periodic thread uses (heartbeats, reconciler, scheduler,
metrics sampler): it survives any exception its step raises — logged with its traceback,
then retried after a backoff — and it says how it is doing, so `/api/health` can report
a loop that has stopped making progress instead of the process dying silently.

Loops register themselves by name while they run; `loop_health()` reads them.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from core.errors import GeoETLError

log = logging.getLogger(__name__)

STALE_PERIODS = 3  # a loop without a successful step for this many periods is stale
_running: dict[str, "SupervisedLoop"] = {}
_registry_lock = threading.Lock()


@dataclass(frozen=True)
class LoopHealth:
    name: str
    period_seconds: float
    seconds_since_success: float
    consecutive_failures: int
    last_error: str | None

    @property
    def stale(self) -> bool:
        return self.seconds_since_success > STALE_PERIODS * self.period_seconds


class SupervisedLoop:
    """A daemon thread calling `step` after each `wait()` seconds (default: `period`).
    A failing step is logged and retried after min(period × 2^failures, max_backoff)."""

    def __init__(
        self,
        name: str,
        step: Callable[[], None],
        period: float,
        *,
        wait: Callable[[], float] | None = None,
        max_backoff: float = 60.0,
    ):
        self.name = name
        self._step = step
        self.period = period
        self._wait = wait or (lambda: period)
        self._max_backoff = max(max_backoff, period)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_success = time.monotonic()
        self._failures = 0
        self._last_error: str | None = None

    def start(self) -> None:
        self._last_success = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        with _registry_lock:
            _running[self.name] = self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        with _registry_lock:
            if _running.get(self.name) is self:
                del _running[self.name]

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def health(self) -> LoopHealth:
        return LoopHealth(
            self.name,
            self.period,
            round(time.monotonic() - self._last_success, 3),
            self._failures,
            self._last_error,
        )

    def _run(self) -> None:
        while not self._stop.wait(self._delay()):
            self.run_step()

    def run_step(self) -> None:
        """One step, whatever it raises (public so tests can drive a loop step by step)."""
        try:
            self._step()
        except GeoETLError as exc:  # expected trouble, e.g. the database restarting
            self._failed(f"{exc.title}: {exc.detail}")
            log.warning("%s: %s (failure %d in a row)", self.name, exc.detail, self._failures)
        except Exception as exc:  # anything else: a bug somewhere; the loop must outlive it
            self._failed(f"{type(exc).__name__}: {exc}")
            log.exception(
                "%s: unexpected error (failure %d in a row); the loop continues",
                self.name,
                self._failures,
            )
        else:
            self._failures, self._last_error = 0, None
            self._last_success = time.monotonic()

    def _failed(self, error: str) -> None:
        self._failures += 1
        self._last_error = error

    def _delay(self) -> float:
        if self._failures == 0:
            return self._wait()
        return min(self.period * 2 ** (self._failures - 1), self._max_backoff)


def loop_health() -> list[LoopHealth]:
    with _registry_lock:
        loops = list(_running.values())
    return [loop.health() for loop in loops]
