"""PostgreSQL restarts in the middle of a job: workers reconnect and the job completes."""

import os
import time

import psycopg
import pytest
from pydantic import SecretStr

from core.access import OPERATOR
from infrastructure.db import migrations
from services.engine.worker import WorkerPool
from tests.engine_jobs import TEST_TABLES, registry_with_test_jobs
from tests.support import private_postgres, wait_for_status
from triggers.composition import Platform

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="runs its own PostgreSQL server as the postgres user (needs root)"
)


def test_workers_survive_a_database_restart(settings):
    with private_postgres() as (dsn, restart):
        migrations.deploy(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(TEST_TABLES)
        own = settings.model_copy(
            update={
                "database_url": SecretStr(dsn),
                "lease_seconds": 3.0,
                "db_connect_timeout_seconds": 2.0,
            }
        )
        platform = Platform.build(own, jobs=registry_with_test_jobs())
        job_id = platform.engine.submit(
            "test_effects", {"n": 400, "sleep_ms": 10, "tag": "restart"}, principal=OPERATOR
        ).job["job_id"]
        pool = WorkerPool(
            platform.engine,
            platform.engine.jobs.handlers,
            platform,
            threads=3,
            heartbeat_seconds=0.5,
            batch_size=20,
            poll_seconds=0.05,
        )
        pool.start()
        try:
            wait_until_some_done(dsn, job_id)
            restart()
            job = wait_for_status(
                platform, job_id, {"completed", "failed"}, timeout=120, reconcile=True
            )
        finally:
            pool.stop()
        with psycopg.connect(dsn) as conn:
            effects = conn.execute(
                "SELECT count(*) FROM public.test_effects WHERE job_id = %s", (job_id,)
            ).fetchone()[0]
        platform.close()
    assert job["status"] == "completed", job["error"]
    assert job["result"] == {"count": 400} and effects == 400


def wait_until_some_done(dsn: str, job_id: str) -> None:
    for _ in range(400):
        with psycopg.connect(dsn) as conn:
            done = conn.execute(
                "SELECT count(*) FROM app.tasks WHERE job_id = %s AND status = 'completed'",
                (job_id,),
            ).fetchone()[0]
        if done >= 50:
            return
        time.sleep(0.05)
    raise AssertionError("the job made no progress before the restart")
