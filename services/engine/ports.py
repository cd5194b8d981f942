"""What the engine tells the outside world after a commit: tasks to deliver, stages
finished. Local mode needs neither (the task row is the message; the in-process loop
polls); Azure mode publishes to Service Bus and raises Durable events."""

from typing import Protocol


class Dispatcher(Protocol):
    tracks_dispatch: bool  # True: the engine records dispatched_at and the reconciler republishes

    def publish(self, task_ids: list[int], delay_seconds: float = 0.0) -> None:
        """Deliver the ids now, or not before `delay_seconds` (a retry's backoff)."""
        ...


class StageNotifier(Protocol):
    def stage_finished(self, job_id: str, stage: int) -> None: ...


class RowIsTheMessage:
    """PostgreSQL delivery: workers claim queued rows themselves; nothing to send."""

    tracks_dispatch = False

    def publish(self, task_ids: list[int], delay_seconds: float = 0.0) -> None:
        return None


class NoNotifier:
    def stage_finished(self, job_id: str, stage: int) -> None:
        return None
