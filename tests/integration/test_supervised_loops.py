"""A background loop killed by an unexpected exception would be a silent outage: for the
heartbeat, every lease of the process lapses and its running tasks run again elsewhere.
Here the heartbeat's step raises TypeError twice and tasks report numpy figures: leases
stay alive, nothing runs twice, and /api/health tells what happened."""

import psycopg
from fastapi.testclient import TestClient

from core.access import OPERATOR
from tests.conftest import ADMIN_HEADERS
from tests.support import wait_for_status
from triggers.http.app import create_app


def test_a_heartbeat_that_raises_keeps_the_leases_alive_and_no_task_runs_twice(
    engine_platform, workers, tag, monkeypatch
):
    engine = engine_platform.engine
    real, beats = engine.heartbeat, []

    def flaky(entries):
        beats.append(len(entries))
        if len(beats) in (2, 3):
            raise TypeError("Object of type int64 is not JSON serializable")
        return real(entries)

    monkeypatch.setattr(engine, "heartbeat", flaky)
    # each task sleeps 3 s, longer than the 2 s lease: only heartbeats keep them
    job_id = engine.submit(
        "test_spans", {"n": 3, "sleep_ms": 3000, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    pool = workers(threads=3)
    job = wait_for_status(
        engine_platform, job_id, {"completed", "failed"}, timeout=60, reconcile=True
    )
    assert job["status"] == "completed"
    assert len(beats) > 5 and pool.monitor.running
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        runs = conn.execute(
            "SELECT count(*) FROM public.test_spans WHERE tag = %s", (tag,)
        ).fetchone()[0]
        tries = conn.execute(
            "SELECT array_agg(tries) FROM app.tasks WHERE job_id = %s", (job_id,)
        ).fetchone()[0]
    assert runs == 3 and tries == [1, 1, 1]

    with TestClient(create_app(engine_platform), headers=ADMIN_HEADERS) as client:
        health = client.get("/api/health").json()
    assert health["loops"]["heartbeat"]["status"] == "ok"  # recovered: the last beats succeeded
