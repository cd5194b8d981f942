"""The engine's JobNotifier in Azure mode: an orchestrator for every job a transaction
opened, and a Durable `stage_finished` event for every stage it finished — whatever
route, timer or message caused them.

Why collect-then-act: the Python Durable client is built from the durable client
binding, which exists only inside a function invocation that declares it, and its
calls are coroutines, while the engine announces after commit, synchronously, from
whatever thread ran the transaction. So every function that can open jobs or finish
stages (the catch-all HTTP function, the Service Bus worker, the timers) runs its work
inside `collecting(client)` (or `run(client, fn, ...)` for plain sync work): the
notifier collects what the engine announces in a per-invocation record (a ContextVar,
so concurrent invocations never see each other's), and once the work has returned it
starts one orchestrator per opened job, then raises one event per finished stage, on
the invocation's own client.

What is announced where nothing collects it (a heartbeat thread) needs no action: the
orchestrator's timer reconciles and re-reads its job, and the reconciler timer sweeps
all jobs. Events and starts are hints, like Service Bus messages.
"""

import asyncio
import logging
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, TypeVar

from triggers.azure.names import STAGE_FINISHED_EVENT
from triggers.azure.starter import OrchestratorStarter

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Announced:
    opened: list[str] = field(default_factory=list)
    finished: list[tuple[str, int]] = field(default_factory=list)


# What the current invocation's work announced; None outside one.
_announced: ContextVar[Announced | None] = ContextVar("geoetl_announced", default=None)


class DurableJobNotifier:
    def __init__(self, starter: OrchestratorStarter):
        self.starter = starter

    def job_opened(self, job_id: str) -> None:
        self._record(lambda a: a.opened.append(job_id), f"job {job_id[:12]} opened")

    def stage_finished(self, job_id: str, stage: int) -> None:
        self._record(
            lambda a: a.finished.append((job_id, stage)),
            f"stage {stage} of job {job_id[:12]} finished",
        )

    @staticmethod
    def _record(add: Callable[[Announced], None], what: str) -> None:
        announced = _announced.get()
        if announced is None:
            log.debug("%s outside a notifying invocation; the timers cover it", what)
            return
        add(announced)

    @asynccontextmanager
    async def collecting(self, client: Any) -> AsyncIterator[None]:
        """Run the block (async, e.g. the ASGI app), then act on what it announced."""
        announced = Announced()
        token = _announced.set(announced)
        try:
            yield
        finally:
            _announced.reset(token)
            await self._act(client, announced)

    async def run(self, client: Any, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in a worker thread (keeping the event loop free), then act."""
        async with self.collecting(client):
            return await asyncio.to_thread(
                work, *args
            )  # copies the context: the thread sees the record

    async def _act(self, client: Any, announced: Announced) -> None:
        for job_id in dict.fromkeys(announced.opened):  # unique, in order; before their events
            await self.starter.start(client, job_id)
        await raise_stage_events(client, announced.finished)


async def raise_stage_events(client: Any, finished: list[tuple[str, int]]) -> None:
    for job_id, stage in dict.fromkeys(finished):  # unique, in order
        try:
            await client.raise_event(job_id, STAGE_FINISHED_EVENT, {"stage": stage})
        except Exception as exc:  # the SDK raises bare Exception (404/410: no running orchestrator); a lost hint only delays
            log.warning(
                "stage_finished event for job %s (stage %d) not delivered: %s",
                job_id[:12],
                stage,
                exc,
            )
