"""Workers die mid-task (SIGKILL) while a 2,000-task job runs: nothing is lost or doubled."""

import random
import signal
import subprocess
import sys
import time

import psycopg

from core.access import OPERATOR
from tests.engine_jobs import TEST_TABLES, registry_with_test_jobs
from tests.support import ROOT, child_env
from triggers.composition import Platform

TASKS = 2000


def start_worker(settings) -> subprocess.Popen:
    env = child_env(
        settings,
        LEASE_SECONDS="2",
        HEARTBEAT_SECONDS="0.5",
        WORKER_POLL_SECONDS="0.05",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.engine_worker", "--threads", "2"], cwd=ROOT, env=env
    )


def test_killing_workers_loses_and_doubles_nothing(settings):
    tag = f"kill-{random.randrange(1 << 30)}"
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(TEST_TABLES)
    platform = Platform.build(
        settings.model_copy(update={"lease_seconds": 2.0}), jobs=registry_with_test_jobs()
    )
    job_id = platform.engine.submit(
        "test_effects", {"n": TASKS, "sleep_ms": 10, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers = [start_worker(settings) for _ in range(4)]
    kills = 0
    try:
        deadline = time.monotonic() + 240
        next_kill = time.monotonic() + 1.0
        while platform.engine.job(job_id)["status"] not in (
            "completed",
            "completed_with_errors",
            "failed",
        ):
            assert time.monotonic() < deadline, "job did not finish in 240s"
            platform.engine.reconcile()
            if time.monotonic() >= next_kill and kills < 8:
                victim = workers.pop(random.randrange(len(workers)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                kills += 1
                workers.append(start_worker(settings))
                next_kill = time.monotonic() + random.uniform(1.0, 2.0)
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    job = platform.engine.job(job_id)
    platform.engine.reconcile()
    with psycopg.connect(settings.dsn) as conn:
        effects = conn.execute(
            """SELECT count(*), count(DISTINCT e.task_id) FROM public.test_effects e
                                  JOIN app.tasks t ON t.task_id = e.task_id WHERE t.job_id = %s""",
            (job_id,),
        ).fetchone()
        missing = conn.execute(
            """SELECT count(*) FROM app.tasks t WHERE t.job_id = %s AND t.stage = 1
                                  AND NOT EXISTS (SELECT 1 FROM public.test_effects e WHERE e.task_id = t.task_id)""",
            (job_id,),
        ).fetchone()[0]
        planned = conn.execute(
            """SELECT stage, count(*) FROM app.job_events WHERE job_id = %s AND event = 'stage_started'
                                  GROUP BY stage ORDER BY stage""",
            (job_id,),
        ).fetchall()
        running = conn.execute(
            "SELECT count(*) FROM app.tasks WHERE job_id = %s AND status = 'running'", (job_id,)
        ).fetchone()[0]
        reruns = conn.execute(
            """SELECT count(*) - count(DISTINCT x.task_id) FROM public.test_executions x
                                 JOIN app.tasks t ON t.task_id = x.task_id WHERE t.job_id = %s""",
            (job_id,),
        ).fetchone()[0]
    platform.close()

    print(f"kills={kills} re-executions={reruns}")
    assert kills >= 3
    assert job["status"] == "completed", job["error"]
    assert job["result"] == {"count": TASKS}
    assert effects == (TASKS, TASKS) and missing == 0
    assert planned == [(1, 1), (2, 1)]
    assert running == 0
