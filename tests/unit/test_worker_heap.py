"""A worker process freezes the heap it starts with, so the cyclic GC stops re-walking
every imported module while tasks build their objects (services/engine/worker.py)."""

import gc

from services.engine.handlers import HandlerRegistry
from services.engine.worker import WorkerPool


class IdleEngine:
    def claim(self, worker_id, limit, batchable_types=None):
        return []

    def heartbeat(self, entries):
        return {}

    def record(self, outcomes):
        pass


def test_starting_a_worker_pool_freezes_the_heap_it_started_with():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    pool = WorkerPool(
        IdleEngine(), HandlerRegistry([]), None, threads=1, heartbeat_seconds=0.1, poll_seconds=0.01
    )
    pool.start()
    try:
        assert gc.get_freeze_count() > 1000  # the interpreter's and the test's modules, at least
    finally:
        pool.stop(timeout=5)
        gc.unfreeze()
