"""Dependency probes behind GET /api/health.

Each probe returns a version or detail string, or raises; `check_all` times them,
runs them concurrently under one deadline and reports every failure with its cause.
"""

import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

from config import Settings
from infrastructure.db.pool import connect_direct
from infrastructure.db.queries import sql
from infrastructure.storage.blobs import make_service_client

Probe = Callable[[], str | None]


@dataclass(frozen=True)
class CheckResult:
    name: str
    up: bool
    latency_ms: float
    detail: str | None


def database_probes(settings: Settings) -> dict[str, Probe]:
    """database, postgis and pgstac share one direct connection attempt each (no pool):
    the health endpoint must answer even when the pool is exhausted or broken."""

    def query(name: str) -> str | None:
        with connect_direct(
            settings.dsn, autocommit=True, timeout=settings.health_timeout_seconds
        ) as conn:
            return conn.execute(sql(name)).fetchone()["version"]

    def database() -> str:
        with connect_direct(
            settings.dsn, autocommit=True, timeout=settings.health_timeout_seconds
        ) as conn:
            return conn.execute(sql("health/server_version")).fetchone()["server_version"]

    def pgstac() -> str:
        version = query("pgstac_version")
        if version is None:
            raise RuntimeError("pgSTAC is not installed: run `db deploy`")
        return version

    return {
        "database": database,
        "postgis": lambda: query("health/postgis_version"),
        "pgstac": pgstac,
    }


def blob_probe(settings: Settings) -> Probe:
    def blob_storage() -> str:
        client = make_service_client(settings, retries=0, timeout=settings.health_timeout_seconds)
        with client:
            info = client.get_account_information()
        return f"{client.account_name} ({info.get('sku_name', 'unknown sku')})"

    return blob_storage


def queue_probe(settings: Settings) -> Probe:
    if settings.queue_backend == "servicebus":
        return _servicebus_probe(settings)

    def postgres_queue() -> str:
        with connect_direct(
            settings.dsn, autocommit=True, timeout=settings.health_timeout_seconds
        ) as conn:
            if not conn.execute(sql("health/task_table")).fetchone()["exists"]:
                raise RuntimeError("app.tasks does not exist: run `db deploy`")
        return "postgres (app.tasks)"

    return postgres_queue


def _servicebus_probe(settings: Settings) -> Probe:
    def servicebus() -> str:
        from infrastructure.queues.servicebus import make_servicebus_client

        with make_servicebus_client(settings) as client:
            with client.get_queue_receiver(settings.servicebus_task_queue) as receiver:
                receiver.peek_messages(max_message_count=1, timeout=settings.health_timeout_seconds)
        return f"servicebus ({settings.servicebus_task_queue})"

    return servicebus


def default_probes(settings: Settings) -> dict[str, Probe]:
    return database_probes(settings) | {
        "blob_storage": blob_probe(settings),
        "queue": queue_probe(settings),
    }


def check_all(probes: dict[str, Probe], deadline_seconds: float) -> list[CheckResult]:
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="health")
    futures = {name: pool.submit(_timed, name, probe) for name, probe in probes.items()}
    wait(futures.values(), timeout=deadline_seconds)
    # Do not wait for a hung probe: the endpoint answers at the deadline.
    pool.shutdown(wait=False, cancel_futures=True)
    return [_outcome(name, future, deadline_seconds) for name, future in futures.items()]


def _outcome(name, future, deadline_seconds: float) -> CheckResult:
    if not future.done():
        return CheckResult(
            name, False, deadline_seconds * 1000, f"no answer within {deadline_seconds:g}s"
        )
    return future.result()


def _timed(name: str, probe: Probe) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = probe()
        up = True
    except Exception as exc:  # a probe's failure is the report, not an error of the endpoint
        detail, up = f"{type(exc).__name__}: {_first_line(exc)}", False
    return CheckResult(name, up, round((time.perf_counter() - started) * 1000, 1), detail)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "no message"
