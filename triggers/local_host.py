"""The local host: the ASGI app under uvicorn on 127.0.0.1:7071, plus in-process worker
threads, the reconciler loop and the scheduler loop. Standalone `worker` processes add
capacity."""

import logging
import signal
import threading

import uvicorn

from services.engine.worker import WorkerPool
from triggers.composition import Platform
from triggers.http.app import create_app
from triggers.loops import metrics_loop, reconciler_loop, scheduler_loop

log = logging.getLogger(__name__)


def worker_pool(platform: Platform, threads: int) -> WorkerPool:
    s = platform.settings
    return WorkerPool(
        platform.engine,
        platform.engine.jobs.handlers,
        platform,
        threads=threads,
        heartbeat_seconds=s.heartbeat_interval,
        batch_size=s.worker_batch_size,
        poll_seconds=s.worker_poll_seconds,
    )


def serve(platform: Platform) -> None:
    settings = platform.settings
    background = [
        reconciler_loop(platform.engine, settings.reconcile_interval_seconds),
        scheduler_loop(platform, settings.curated_scheduler_cron),
    ]
    if settings.metrics_enabled:
        background.append(
            metrics_loop(
                platform.db, settings.metrics_sample_interval, settings.metrics_rate_window_seconds
            )
        )
    if settings.local_workers:
        background.append(worker_pool(platform, settings.local_workers))
    for part in background:
        part.start()
    log.info(
        "serving GeoETL on http://%s:%d with %d worker threads",
        settings.api_host,
        settings.api_port,
        settings.local_workers,
    )
    try:
        uvicorn.run(
            create_app(platform),
            host=settings.api_host,
            port=settings.api_port,
            log_level=settings.log_level.lower(),
        )
    finally:
        for part in reversed(background):
            part.stop()
        platform.close()


def run_workers(platform: Platform, threads: int) -> None:
    """A standalone worker process: runs until SIGINT/SIGTERM, then finishes tasks in hand."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pool = worker_pool(platform, threads)
    pool.start()
    log.info("worker process running %d threads", threads)
    stop.wait()
    log.info("stopping: finishing tasks in hand")
    pool.stop()
    platform.close()
