"""Runs one claimed task per call through the worker pool's own path (`Worker.execute`),
so a task behaves the same whether a `worker` process or a Service Bus message ran it."""

import os
import socket
import threading

from services.engine.completion import Outcome
from services.engine.context import ClaimedTask
from services.engine.worker import HeartbeatMonitor, Worker
from triggers.composition import Platform


class TaskRunner:
    """One per process: its HeartbeatMonitor extends the leases of every task the
    process's invocations have in flight, in one statement per beat. The monitor's
    thread starts on the first task, not at import (function_app.py does no work then)."""

    def __init__(self, platform: Platform):
        engine = platform.engine
        self.name = f"{socket.gethostname()}:{os.getpid()}:servicebus"
        self.monitor = HeartbeatMonitor(engine, platform.settings.heartbeat_interval)
        self.worker = Worker(engine, engine.jobs.handlers, platform, self.monitor, name=self.name)
        self._lock = threading.Lock()
        self._started = False

    def run(self, task: ClaimedTask) -> Outcome:
        self._start_heartbeat()
        return self.worker.execute(task)

    def _start_heartbeat(self) -> None:
        with self._lock:
            if not self._started:
                self.monitor.start()
                self._started = True
