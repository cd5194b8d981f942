"""What the engine tells the outside world after a commit: tasks to deliver, jobs opened
(submitted, resubmitted, retried) and stages finished. Local mode needs none of it (the
task row is the message; the in-process loop polls); Azure mode publishes to Service Bus,
starts a Durable orchestrator per opened job and raises events on it."""

from typing import Protocol

from config import Settings
from core.storage import BlobStorage
from infrastructure.db.pool import Database


class Adapters(Protocol):
    """What a handler reaches the world through (the Platform is one; handler tests pass
    one holding a MemoryBlobStore). Read-only, so an implementation may hold a narrower
    type (the Platform's BlobStore)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def blobs(self) -> BlobStorage: ...


class Dispatcher(Protocol):
    tracks_dispatch: bool  # True: the engine records dispatched_at and the reconciler republishes

    def publish(self, task_ids: list[int], delay_seconds: float = 0.0) -> None:
        """Deliver the ids now, or not before `delay_seconds` (a retry's backoff)."""
        ...


class JobNotifier(Protocol):
    def job_opened(self, job_id: str) -> None:
        """A job was created or reopened: it needs a driver (Azure: its orchestrator)."""
        ...

    def stage_finished(self, job_id: str, stage: int) -> None: ...


class RowIsTheMessage:
    """PostgreSQL delivery: workers claim queued rows themselves; nothing to send."""

    tracks_dispatch = False

    def publish(self, task_ids: list[int], delay_seconds: float = 0.0) -> None:
        return None


class NoNotifier:
    def job_opened(self, job_id: str) -> None:
        return None

    def stage_finished(self, job_id: str, stage: int) -> None:
        return None
