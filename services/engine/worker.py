"""Workers: claim due tasks, run their handlers, record outcomes in batches.

A worker claims a batch sized to about `target_batch_seconds` of work, judged by how long
its recent tasks of each type took: thousands of tiny tasks go in batches of up to
`batch_size` (one claim and one completion transaction per batch); a task of a slow type,
or of a type this worker has not run yet, is claimed alone, so it neither waits behind
others on one worker while other workers idle (e.g. the parts of a tiled COG) nor has
its timeout eaten by them.

One HeartbeatMonitor per process extends the leases of all its in-flight tasks in one
statement, flushes their progress, and stops tasks whose job was cancelled, whose lease
was lost, or which ran past their timeout.
"""

import gc
import logging
import os
import socket
import threading
import time
from typing import Any, Iterator

from pydantic import ValidationError

from core.errors import ContractViolation, GeoETLError, TaskCancelled
from services.engine.completion import Outcome
from services.engine.context import ClaimedTask, TaskContext
from services.engine.engine import Engine
from services.engine.handlers import HandlerRegistry
from services.engine.progression import stage_results
from infrastructure.supervised import SupervisedLoop

log = logging.getLogger(__name__)

# A type is batched when its tasks take at most this share of target_batch_seconds
# (50 ms of 1 s): claiming such tasks one by one would cost as much as running them.
# Slower tasks are claimed one at a time, as parallel as the workers allow.
BATCHABLE_SHARE = 0.05


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


class HeartbeatMonitor:
    def __init__(self, engine: Engine, interval_seconds: float):
        self.engine = engine
        self.interval = interval_seconds
        self._lock = threading.Lock()
        self._in_flight: dict[int, TaskContext] = {}
        # No backoff beyond the interval: a heartbeat that waits longer lets leases lapse.
        self._loop = SupervisedLoop(
            "heartbeat", self.beat, interval_seconds, max_backoff=interval_seconds
        )

    def add(self, ctx: TaskContext) -> None:
        with self._lock:
            self._in_flight[ctx.task_id] = ctx

    def remove(self, task_id: int) -> None:
        with self._lock:
            self._in_flight.pop(task_id, None)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop(timeout=10)

    @property
    def running(self) -> bool:
        return self._loop.alive

    def beat(self) -> None:
        with self._lock:
            contexts = list(self._in_flight.values())
        if not contexts:
            return
        entries = [
            (c.task_id, c.task.tries, c.progress.snapshot() if c.progress.dirty else None)
            for c in contexts
        ]
        owned = self.engine.heartbeat(entries)
        overdue = []
        for ctx in contexts:
            row = owned.get(ctx.task_id)
            if row is None:
                ctx.stop("lease lost: the task was taken back by the reconciler")
            elif not row["job_active"]:
                ctx.stop("the job was cancelled or has ended")
            elif row["timed_out"]:
                ctx.stop(f"timed out after {ctx.task.timeout_seconds}s")
                overdue.append(
                    Outcome.failed(
                        ctx.task, f"timed out after {ctx.task.timeout_seconds}s", retryable=True
                    )
                )
        # A handler that ignores ctx.check() keeps its thread, but not its task: the attempt
        # is failed now (and retried per policy) instead of holding the slot until the lease lapses.
        self.engine.record(overdue)


class Worker:
    def __init__(
        self,
        engine: Engine,
        handlers: HandlerRegistry,
        adapters: Any,
        monitor: HeartbeatMonitor,
        *,
        name: str,
        batch_size: int = 50,
        poll_seconds: float = 0.5,
        target_batch_seconds: float = 1.0,
    ):
        self.engine = engine
        self.handlers = handlers
        self.adapters = adapters
        self.monitor = monitor
        self.name = name
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.target_batch_seconds = target_batch_seconds
        self._seconds_by_type: dict[str, float] = {}  # recent seconds per task, by task type

    def run(self, stop: threading.Event) -> None:
        idle = 0
        while not stop.is_set():
            try:
                done = self.run_once()
            except GeoETLError as exc:  # e.g. the database is restarting: back off and try again
                log.warning("worker %s: %s", self.name, exc.detail)
                done = 0
            except Exception:  # the loop must outlive any one failure; its tasks' leases will lapse
                log.exception("worker %s: unexpected error; continuing", self.name)
                done = 0
            idle = 0 if done else min(idle + 1, 5)
            if not done:
                stop.wait(self.poll_seconds * idle / 5 + 0.02)

    def run_once(self) -> int:
        limit, batchable = self._claim_plan()
        tasks = self.engine.claim(self.name, limit, batchable)
        if not tasks:
            return 0
        # Every claimed task is heartbeated from the claim on, not only the one running,
        # so a task waiting its turn in the batch keeps its lease.
        contexts = [self._context(task) for task in tasks]
        for ctx in contexts:
            self.monitor.add(ctx)
        outcomes = [self._timed(ctx) for ctx in contexts]
        self.engine.record(outcomes)
        return len(tasks)

    def _claim_plan(self) -> tuple[int, list[str]]:
        """(how many tasks to claim, the task types that may fill a batch beyond the first task)."""
        batchable = {
            kind: seconds
            for kind, seconds in self._seconds_by_type.items()
            if seconds <= self.target_batch_seconds * BATCHABLE_SHARE
        }
        if not batchable:
            return 1, []
        fit = int(self.target_batch_seconds / max(max(batchable.values()), 1e-6))
        return max(1, min(self.batch_size, fit)), sorted(batchable)

    def _timed(self, ctx: TaskContext) -> Outcome:
        started = time.monotonic()
        outcome = self._finish(ctx)
        seconds = time.monotonic() - started
        previous = self._seconds_by_type.get(ctx.task.task_type, seconds)
        self._seconds_by_type[ctx.task.task_type] = 0.7 * previous + 0.3 * seconds
        return outcome

    def _context(self, task: ClaimedTask) -> TaskContext:
        return TaskContext(
            task=task,
            adapters=self.adapters,
            results_reader=self._results_reader(task),
            deadline=time.monotonic() + task.timeout_seconds,
        )

    def execute(self, task: ClaimedTask) -> Outcome:
        """Run one claimed task through its handler; every failure becomes an Outcome."""
        ctx = self._context(task)
        self.monitor.add(ctx)
        return self._finish(ctx)

    def _finish(self, ctx: TaskContext) -> Outcome:
        try:
            return self._run_handler(ctx)
        finally:
            self.monitor.remove(ctx.task_id)

    def _run_handler(self, ctx: TaskContext) -> Outcome:
        task = ctx.task
        handler = self.handlers.get(task.task_type)
        if handler is None:
            return Outcome.failed(
                task, f"no handler for task type {task.task_type!r}", retryable=False
            )
        try:
            params = handler.params_model.model_validate(task.parameters)
        except ValidationError as exc:
            return Outcome.failed(task, f"invalid task parameters: {exc}", retryable=False)
        try:
            result = handler.run(params, ctx)
            if (
                time.monotonic() > ctx.deadline
            ):  # too late: a timeout holds even if no heartbeat caught it
                return Outcome.failed(
                    task, f"timed out after {task.timeout_seconds}s", retryable=True
                )
            if not isinstance(result, handler.result_model):
                raise ContractViolation(
                    f"handler {task.task_type} returned {type(result).__name__}, not {handler.result_model.__name__}"
                )
            # Always the last figures: a heartbeat may have taken them (clearing `dirty`) and
            # not written them yet; once the task completes, its write matches no row.
            return Outcome.completed(task, result.model_dump(mode="json"), ctx.progress.snapshot())
        except TaskCancelled as exc:
            return Outcome.cancelled(task, exc.detail)
        except GeoETLError as exc:
            return Outcome.failed(task, f"{exc.title}: {exc.detail}", retryable=exc.retryable)
        except (
            Exception
        ) as exc:  # a handler's unexpected error: recorded on the task and retried per policy
            log.exception("task %s (%s) raised", task.task_id, task.task_type)
            return Outcome.failed(task, f"{type(exc).__name__}: {exc}", retryable=True)

    def _results_reader(self, task: ClaimedTask):
        db = self.engine.db

        def read(stage_name: str) -> Iterator[dict]:
            with db.connection() as conn:
                yield from stage_results(conn, task.job_id, task.attempt, stage_name)

        return read


class WorkerPool:
    """N worker threads plus one heartbeat monitor: what `worker` and the local host run."""

    def __init__(
        self,
        engine: Engine,
        handlers: HandlerRegistry,
        adapters: Any,
        *,
        threads: int,
        heartbeat_seconds: float,
        batch_size: int = 50,
        poll_seconds: float = 0.5,
    ):
        self.monitor = HeartbeatMonitor(engine, heartbeat_seconds)
        self.workers = [
            Worker(
                engine,
                handlers,
                adapters,
                self.monitor,
                name=worker_name(i),
                batch_size=batch_size,
                poll_seconds=poll_seconds,
            )
            for i in range(threads)
        ]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        # Everything imported so far (GDAL, pandas, every handler's module) lives as long
        # as the process: frozen, the cyclic GC stops walking it on each full collection.
        # Tasks that build many objects (parsing 100,000 STAC items) paid several times
        # their own cost in those walks.
        gc.freeze()
        self.monitor.start()
        for worker in self.workers:
            thread = threading.Thread(
                target=worker.run, args=(self._stop,), name=worker.name, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; tasks in hand finish and are recorded first."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self.monitor.stop()

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()
