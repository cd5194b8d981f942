"""TaskContext: what a handler gets besides its parameters."""

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from core.errors import TaskCancelled, TaskTimedOut
from services.engine.ports import Adapters


@dataclass
class ClaimedTask:
    task_id: int
    job_id: str
    job_type: str
    attempt: int  # the job attempt
    stage: int
    task_index: int
    task_type: str
    parameters: dict[str, Any]
    tries: int  # this execution's number, 1-based
    max_tries: int
    timeout_seconds: int

    @classmethod
    def from_row(cls, row: dict) -> "ClaimedTask":
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class ProgressTracker:
    """Units done and expected, reported by the handler; flushed with the heartbeat."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: dict[str, Any] = {}
        self.dirty = False

    def update(
        self,
        *,
        done: float | None = None,
        total: float | None = None,
        unit: str | None = None,
        **extra: Any,
    ) -> None:
        with self._lock:
            for key, value in {"done": done, "total": total, "unit": unit, **extra}.items():
                if value is not None:
                    self._figures[key] = jsonable(value)
            self.dirty = True

    def advance(self, units: float = 1) -> None:
        with self._lock:
            self._figures["done"] = jsonable(self._figures.get("done", 0) + units)
            self.dirty = True

    def snapshot(self) -> dict[str, Any] | None:
        with self._lock:
            self.dirty = False
            return dict(self._figures) or None


def jsonable(value: Any) -> Any:
    """Progress goes into JSONB with the heartbeat: numpy scalars become Python numbers,
    anything else JSON cannot hold becomes its text (one odd figure must not stop the
    heartbeat that keeps every task of the process alive)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSONB has no NaN or Infinity
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        try:
            return jsonable(value.item())
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return str(value)


@dataclass
class TaskContext:
    task: ClaimedTask
    adapters: Adapters  # the Platform: .db, .blobs, .settings
    results_reader: Any  # callable(stage_name) -> iterator of results
    progress: ProgressTracker = field(default_factory=ProgressTracker)
    deadline: float = 0.0  # time.monotonic() after which the task has timed out
    _stop_reason: str | None = None

    @property
    def task_id(self) -> int:
        return self.task.task_id

    @property
    def job_id(self) -> str:
        return self.task.job_id

    @property
    def tries(self) -> int:
        """This task's execution number (1 = its first try; a retry of the task adds one)."""
        return self.task.tries

    @property
    def job_attempt(self) -> int:
        """The job's attempt this task belongs to (1, then one more per job retry or
        resubmission): the key of everything the job stages per attempt."""
        return self.task.attempt

    def results_of(self, stage_name: str) -> Iterator[dict[str, Any]]:
        """Results of an earlier stage of this job, in task order (read from the database)."""
        return self.results_reader(stage_name)

    def stop(self, reason: str) -> None:
        """Called by the heartbeat when the job was cancelled or the lease was lost."""
        self._stop_reason = reason

    @property
    def cancelled(self) -> bool:
        return self._stop_reason is not None

    def check(self) -> None:
        """Handlers call this between units of work: raises when they should stop."""
        if self._stop_reason is not None:
            raise TaskCancelled(self._stop_reason)
        if self.deadline and time.monotonic() > self.deadline:
            raise TaskTimedOut(f"task exceeded its timeout of {self.task.timeout_seconds}s")
