"""Job metrics on real PostgreSQL: SQL aggregation across tasks and workers, rate, ETA,
context figures, retention, and the JSON API."""

import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from core.access import OPERATOR
from services.engine.completion import Outcome
from services.metrics.sampler import sample_job_metrics
from tests.conftest import ADMIN_HEADERS
from triggers.http.app import create_app


def latest_sample(platform, job_id: str) -> dict:
    with psycopg.connect(platform.settings.dsn, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT * FROM app.job_metrics WHERE job_id = %s ORDER BY sampled_at DESC LIMIT 1",
            (job_id,),
        ).fetchone()


def claim_job_tasks(platform, job_id: str, worker: str, count: int):
    with psycopg.connect(platform.settings.dsn) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT task_id FROM app.tasks WHERE job_id = %s AND status = 'queued' ORDER BY task_id LIMIT %s",
                (job_id, count),
            )
        ]
    return [platform.engine.claim_task(task_id, worker) for task_id in ids]


def test_figures_are_aggregated_over_all_tasks_and_workers(engine_platform, tag):
    engine = engine_platform.engine
    job_id = engine.submit(
        "hello_world", {"n": 10, "message": f"metrics {tag}"}, principal=OPERATOR
    ).job["job_id"]
    first, second = (
        claim_job_tasks(engine_platform, job_id, "worker-a", 2),
        claim_job_tasks(engine_platform, job_id, "worker-b", 2),
    )
    engine.heartbeat(
        [
            (t.task_id, t.tries, {"done": 5, "total": 10, "unit": "rows", "bytes": 100})
            for t in first
        ]
        + [
            (t.task_id, t.tries, {"done": 1, "total": 10, "unit": "rows", "bytes": 50})
            for t in second
        ]
    )
    sample_job_metrics(engine_platform.db, 60)
    sample = latest_sample(engine_platform, job_id)
    assert (sample["tasks_total"], sample["tasks_running"], sample["tasks_queued"]) == (10, 4, 6)
    assert sample["units_done"] == 12 and sample["units_total"] == 40 and sample["unit"] == "rows"
    assert sample["context"] == {"bytes": 300}

    time.sleep(0.7)
    engine.record(
        [Outcome.completed(t, {"index": t.task_index, "greeting": "hi"}) for t in first + second]
    )
    sample_job_metrics(engine_platform.db, 60)
    sample = latest_sample(engine_platform, job_id)
    assert sample["tasks_completed"] == 4 and sample["jobs_tasks_done"] == 4
    assert sample["rate_per_min"] > 0
    assert sample["eta_seconds"] == pytest.approx((10 - 4) / (sample["rate_per_min"] / 60))
    assert sample["units_done"] == 40  # completed tasks count their whole total


def test_a_completed_task_keeps_its_last_figures_and_only_running_tasks_rates_add_up(
    engine_platform, tag
):
    """What H3AggregationTracker reports: cells (summed over the stage's tasks, finished or
    not), cells/s (summed over the running ones), the resolution as a label."""
    engine = engine_platform.engine
    job_id = engine.submit(
        "hello_world", {"n": 5, "message": f"context {tag}"}, principal=OPERATOR
    ).job["job_id"]
    tasks = claim_job_tasks(engine_platform, job_id, "worker-c", 3)
    running = {
        "done": 100,
        "total": 300,
        "unit": "cells",
        "cells": 100,
        "cells_per_sec": 50.0,
        "resolution": "r8",
    }
    engine.heartbeat([(t.task_id, t.tries, running) for t in tasks])
    final = {
        "done": 300,
        "total": 300,
        "unit": "cells",
        "cells": 300,
        "cells_per_sec": 80.0,
        "resolution": "r8",
    }
    engine.record(
        [Outcome.completed(tasks[0], {"index": 0, "greeting": "hi"}, final)]
    )  # finished between heartbeats
    sample_job_metrics(engine_platform.db, 60)
    sample = latest_sample(engine_platform, job_id)
    assert sample["context"] == {"cells": 500, "cells_per_sec": 100.0, "resolution": "r8"}
    assert sample["units_done"] == 500 and sample["units_total"] == 900


def test_a_finished_job_gets_one_final_sample_and_retention_prunes_old_ones(
    engine_platform, workers, tag
):
    from tests.support import wait_for_status

    job_id = engine_platform.engine.submit(
        "hello_world", {"n": 3, "message": f"final {tag}"}, principal=OPERATOR
    ).job["job_id"]
    workers()
    wait_for_status(engine_platform, job_id, {"completed"})
    sample_job_metrics(engine_platform.db, 60)
    sample_job_metrics(engine_platform.db, 60)
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        final = conn.execute(
            "SELECT count(*) FROM app.job_metrics WHERE job_id = %s AND status = 'completed'",
            (job_id,),
        ).fetchone()[0]
        conn.execute(
            "UPDATE app.job_metrics SET sampled_at = now() - interval '3 days' WHERE job_id = %s",
            (job_id,),
        )
    assert final == 1
    report = engine_platform.engine.reconcile()
    assert report.metrics_pruned >= 1
    assert latest_sample(engine_platform, job_id) is None


def test_metrics_api_lists_active_jobs_first_with_progress_and_serves_a_series(
    engine_platform, tag
):
    engine = engine_platform.engine
    job_id = engine.submit(
        "hello_world", {"n": 4, "message": f"api {tag}"}, principal=OPERATOR
    ).job["job_id"]
    sample_job_metrics(engine_platform.db, 60)
    time.sleep(0.6)
    sample_job_metrics(engine_platform.db, 60)
    client = TestClient(create_app(engine_platform), headers=ADMIN_HEADERS)

    listed = client.get("/api/metrics/jobs", params={"limit": 500}).json()
    active = [j["active"] for j in listed]
    assert active == sorted(active, reverse=True)
    job = next(j for j in listed if j["job_id"] == job_id)
    assert (
        job["stage"],
        job["stage_name"],
        job["total_stages"],
        job["tasks_total"],
        job["percent"],
    ) == (1, "greet", 3, 4, 0.0)
    assert job["short_id"] == job_id[:8]

    detail = client.get(f"/api/metrics/jobs/{job_id}").json()
    times = [s["sampled_at"] for s in detail["series"]]
    assert len(times) >= 2 and times == sorted(times)
    assert [s["name"] for s in detail["stages"]] == ["greet"]
    assert detail["events"][0]["event"] == "stage_started"  # newest first
    assert client.get("/api/metrics/jobs/nope").status_code == 404
    assert client.get("/api/metrics/jobs", params={"status": "bogus"}).status_code == 422
