"""Recovery paths: expired leases, zombie jobs, duplicate delivery, the singleton sweep."""

import psycopg

from core.access import OPERATOR
from services.engine.completion import Outcome
from services.engine.worker import HeartbeatMonitor, Worker
from tests.support import wait_for_status

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def sql_one(platform, query: str, *args):
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(query, args).fetchone()


def expire_leases(platform, job_id: str) -> None:
    with psycopg.connect(platform.settings.dsn) as conn:
        conn.execute(
            "UPDATE app.tasks SET lease_until = now() - interval '1 second' WHERE job_id = %s AND status = 'running'",
            (job_id,),
        )


def claim_for(platform, job_id: str, worker: str = "ghost-worker"):
    """Claim this job's first queued task by id, as a worker that will never finish it."""
    (task_id,) = sql_one(
        platform,
        "SELECT task_id FROM app.tasks WHERE job_id = %s AND status = 'queued' ORDER BY task_id LIMIT 1",
        job_id,
    )
    task = platform.engine.claim_task(task_id, worker)
    assert task is not None
    return task


def test_an_expired_lease_is_requeued_with_an_attempt_counted(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit("test_flaky", {"tag": tag}, principal=OPERATOR).job[
        "job_id"
    ]
    claim_for(engine_platform, job_id)
    expire_leases(engine_platform, job_id)

    report = engine_platform.engine.reconcile()
    assert report.acted and report.requeued >= 1
    status, tries, error = sql_one(
        engine_platform, "SELECT status, tries, error FROM app.tasks WHERE job_id = %s", job_id
    )
    assert (status, tries) == ("queued", 1)
    assert "lease expired" in error

    workers()
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "completed" and job["result"] == {"count": 2}


def test_a_task_whose_worker_keeps_dying_fails_when_out_of_tries(engine_platform, tag):
    job_id = engine_platform.engine.submit("test_flaky", {"tag": tag}, principal=OPERATOR).job[
        "job_id"
    ]
    for _ in range(3):
        claim_for(engine_platform, job_id)
        expire_leases(engine_platform, job_id)
        engine_platform.engine.reconcile()
        with psycopg.connect(engine_platform.settings.dsn) as conn:  # skip the backoff wait
            conn.execute(
                "UPDATE app.tasks SET next_attempt_at = now() WHERE job_id = %s AND status = 'queued'",
                (job_id,),
            )
    job = engine_platform.engine.job(job_id)
    assert job["status"] == "failed"
    assert "lease expired: the worker stopped heartbeating" in job["error"]
    assert sql_one(
        engine_platform, "SELECT status, tries FROM app.tasks WHERE job_id = %s", job_id
    ) == ("failed", 3)


def test_the_reconciler_finishes_a_zombie_job(engine_platform, tag):
    job_id = engine_platform.engine.submit("test_flaky", {"tag": tag}, principal=OPERATOR).job[
        "job_id"
    ]
    # A job whose last task completed but whose stage was never advanced.
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        conn.execute(
            "UPDATE app.tasks SET status = 'completed', result = '{\"count\": 7}', completed_at = now() WHERE job_id = %s",
            (job_id,),
        )
        conn.execute(
            "UPDATE app.job_stages SET completed = total, released = 0 WHERE job_id = %s", (job_id,)
        )
    report = engine_platform.engine.reconcile()
    assert report.advanced >= 1
    job = engine_platform.engine.job(job_id)
    assert job["status"] == "completed" and job["result"] == {"count": 7}


def test_duplicate_delivery_completes_once_and_advances_once(engine_platform, tag):
    job_id = engine_platform.engine.submit(
        "test_branching", {"size": 2, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    task = claim_for(engine_platform, job_id)
    worker = Worker(
        engine_platform.engine,
        engine_platform.engine.jobs.handlers,
        engine_platform,
        HeartbeatMonitor(engine_platform.engine, 60),
        name="dup",
    )
    first, second = worker.execute(task), worker.execute(task)
    engine_platform.engine.record([first, second])
    engine_platform.engine.record([second])

    assert sql_one(
        engine_platform,
        "SELECT completed, total FROM app.job_stages WHERE job_id = %s AND stage = 1",
        job_id,
    ) == (1, 1)
    assert sql_one(
        engine_platform,
        "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'stage_started'",
        job_id,
    ) == (2,)
    assert sql_one(
        engine_platform, "SELECT count(*) FROM app.tasks WHERE job_id = %s AND stage = 3", job_id
    ) == (2,)


def test_only_one_reconciler_sweeps_at_a_time(engine_platform):
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        held = conn.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended('geoetl:reconciler', 0))"
        ).fetchone()[0]
        assert held
        assert engine_platform.engine.reconcile().acted is False
    assert engine_platform.engine.reconcile().acted is True


def test_a_running_task_of_a_cancelled_job_with_a_lapsed_lease_ends_cancelled(engine_platform, tag):
    job_id = engine_platform.engine.submit("test_flaky", {"tag": tag}, principal=OPERATOR).job[
        "job_id"
    ]
    claim_for(engine_platform, job_id)
    engine_platform.engine.cancel(job_id, principal=OPERATOR)
    expire_leases(engine_platform, job_id)
    engine_platform.engine.reconcile()
    assert sql_one(engine_platform, "SELECT status FROM app.tasks WHERE job_id = %s", job_id) == (
        "cancelled",
    )


def test_a_job_of_a_type_this_host_does_not_know_fails_with_the_reason(engine_platform, tag):
    job_id = engine_platform.engine.submit("test_flaky", {"tag": tag}, principal=OPERATOR).job[
        "job_id"
    ]
    with psycopg.connect(
        engine_platform.settings.dsn
    ) as conn:  # as if submitted by another version of the platform
        conn.execute("UPDATE app.jobs SET job_type = 'retired_type' WHERE job_id = %s", (job_id,))
    task = claim_for(engine_platform, job_id)
    engine_platform.engine.record(
        [Outcome.failed(task, "boom", retryable=True)]
    )  # default retry policy
    expire_leases(engine_platform, job_id)
    (status,) = sql_one(engine_platform, "SELECT status FROM app.tasks WHERE job_id = %s", job_id)
    assert status == "queued"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        conn.execute(
            "UPDATE app.tasks SET status = 'completed', completed_at = now() WHERE job_id = %s",
            (job_id,),
        )
        conn.execute("UPDATE app.job_stages SET completed = total WHERE job_id = %s", (job_id,))
    engine_platform.engine.reconcile()
    job = engine_platform.engine.job(job_id)
    assert (
        job["status"] == "failed"
        and "'retired_type' is not registered on this host" in job["error"]
    )
