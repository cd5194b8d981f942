"""Stage-finished notifications for Azure mode: Durable external events.

Why collect-then-raise: the Python Durable client is built from the durable client
binding, which exists only inside a function invocation that declares it, and its
`raise_event` is a coroutine, while the engine announces finished stages synchronously
from whatever thread ran the transaction. So a trigger runs its engine work through
`DurableStageNotifier.run(client, fn, ...)`: the work runs in a worker thread (keeping
the event loop free for other invocations), the notifier collects the stages it
finished in a per-invocation list (a ContextVar, so concurrent invocations never see
each other's client or events), and once the work has returned the trigger awaits one
`raise_event` per stage on its own client.

Stages finished where no invocation collects them raise no event, and need none: in
an activity the calling orchestrator reads the job right after; in an HTTP function that
reopens a job the orchestrator it starts reads the job first; anywhere else (the
heartbeat thread, the catch-all HTTP function) the orchestrator's timer reconciles and
re-reads the job. Events are hints, like Service Bus messages.
"""

import asyncio
import logging
from contextvars import ContextVar
from typing import Any, Callable, TypeVar

from triggers.azure.names import STAGE_FINISHED_EVENT

log = logging.getLogger(__name__)
T = TypeVar("T")

# The stages finished during the current invocation; None outside one.
_finished: ContextVar[list[tuple[str, int]] | None] = ContextVar("geoetl_finished_stages", default=None)


class DurableStageNotifier:
    """The engine's StageNotifier in Azure mode (see the module docstring)."""

    def stage_finished(self, job_id: str, stage: int) -> None:
        finished = _finished.get()
        if finished is None:
            log.debug("stage %d of job %s finished outside a notifying invocation; its orchestrator's timer covers it", stage, job_id[:12])
            return
        finished.append((job_id, stage))

    async def run(self, client: Any, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in a worker thread, then a stage_finished event per stage it finished."""
        finished: list[tuple[str, int]] = []
        token = _finished.set(finished)
        try:
            return await asyncio.to_thread(work, *args)  # copies the context: the thread sees `finished`
        finally:
            _finished.reset(token)
            await raise_stage_events(client, finished)


async def raise_stage_events(client: Any, finished: list[tuple[str, int]]) -> None:
    for job_id, stage in dict.fromkeys(finished):  # unique, in order
        try:
            await client.raise_event(job_id, STAGE_FINISHED_EVENT, {"stage": stage})
        except Exception as exc:  # the SDK raises bare Exception (404/410: no running orchestrator); a lost hint only delays
            log.warning("stage_finished event for job %s (stage %d) not delivered: %s", job_id[:12], stage, exc)

