"""Engine fixtures: a platform whose registry includes the test jobs, short leases, and
in-process workers started per test."""

import secrets

import psycopg
import pytest
from fastapi.testclient import TestClient

from services.engine.worker import WorkerPool
from tests.conftest import ADMIN_HEADERS
from tests.engine_jobs import TEST_TABLES, registry_with_test_jobs
from triggers.composition import Platform
from triggers.http.app import create_app

FAST = {
    "lease_seconds": 2.0,
    "heartbeat_seconds": 0.3,
    "reconcile_interval_seconds": 0.5,
    "worker_poll_seconds": 0.05,
}


@pytest.fixture(scope="session")
def engine_settings(settings):
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(TEST_TABLES)
    return settings.model_copy(update=FAST)


@pytest.fixture(scope="session")
def engine_platform(engine_settings):
    platform = Platform.build(engine_settings, jobs=registry_with_test_jobs())
    yield platform
    platform.close()


@pytest.fixture()
def workers(engine_platform):
    pools = []

    def start(threads: int = 3, batch_size: int = 50) -> WorkerPool:
        pool = WorkerPool(
            engine_platform.engine,
            engine_platform.engine.jobs.handlers,
            engine_platform,
            threads=threads,
            heartbeat_seconds=0.3,
            batch_size=batch_size,
            poll_seconds=0.05,
        )
        pool.start()
        pools.append(pool)
        return pool

    yield start
    for pool in pools:
        pool.stop()


@pytest.fixture()
def tag():
    """A unique tag: identical parameters are the same job, so each test makes its own."""
    return secrets.token_hex(4)


@pytest.fixture()
def api(engine_platform, platform):
    """The HTTP API over the engine platform (test jobs included); `platform` creates the
    test's blob containers."""
    with TestClient(create_app(engine_platform), headers=ADMIN_HEADERS) as client:
        yield client
