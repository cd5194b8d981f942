"""The engine end to end on real PostgreSQL: submission, planning, fan-out rules,
retries, failure policies, timeouts, cancellation, retry-failed and resubmit."""

import threading

import psycopg
import pytest

from core.access import OPERATOR
from core.errors import InvalidInput, NotFound
from tests.conftest import ANONYMOUS
from tests.support import all_at_once, wait_for_status

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def count(platform, query: str, *args) -> int:
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(query, args).fetchone()[0]


def test_hello_world_runs_three_stages_and_identical_submission_returns_the_same_job(
    api, engine_platform, workers, tag
):
    first = api.post("/api/jobs/submit/hello_world", json={"n": 25, "message": f"hi {tag}"})
    assert first.status_code == 202, first.text
    job_id = first.json()["job_id"]
    again = api.post("/api/jobs/submit/hello_world", json={"message": f"hi {tag}", "n": 25})
    assert (
        again.status_code == 200
        and again.json()["job_id"] == job_id
        and again.json()["created"] is False
    )

    workers()
    wait_for_status(engine_platform, job_id, DONE)
    status = api.get(f"/api/jobs/status/{job_id}").json()
    assert status["status"] == "completed"
    assert status["result"] == {
        "replies": 25,
        "first": f"reply to 'hi {tag} #0'",
        "last": f"reply to 'hi {tag} #24'",
    }
    assert [(s["name"], s["total"], s["completed"]) for s in status["stages"]] == [
        ("greet", 25, 25),
        ("reply", 25, 25),
        ("summarize", 1, 1),
    ]
    assert status["current_stage"] == 3 and status["total_stages"] == 3

    events = [e["event"] for e in api.get(f"/api/jobs/{job_id}/events").json()["items"]]
    assert events == ["submitted"] + ["stage_started", "stage_finished"] * 3 + ["job_finished"]
    tasks = api.get(f"/api/jobs/{job_id}/tasks", params={"stage": 2, "limit": 5}).json()
    assert tasks["total"] == 25 and len(tasks["items"]) == 5
    assert tasks["items"][0]["result"] == {"index": 0, "reply": f"reply to 'hi {tag} #0'"}


def test_unknown_job_types_and_invalid_parameters_are_precise_errors(api):
    unknown = api.post("/api/jobs/submit/no_such_job", json={})
    assert unknown.status_code == 404
    detail = unknown.json()["detail"]
    assert "unknown job type 'no_such_job'; known job types:" in detail and "hello_world" in detail

    invalid = api.post("/api/jobs/submit/hello_world", json={"n": 0, "message": ""})
    assert invalid.status_code == 422
    body = invalid.json()
    assert {e["field"] for e in body["errors"]} == {"n", "message"}
    not_object = api.post(
        "/api/jobs/submit/hello_world",
        content=b"[1, 2]",
        headers={"content-type": "application/json"},
    )
    assert not_object.status_code == 422


def test_job_types_publish_their_parameter_schemas(api):
    types = {t["job_type"]: t for t in api.get("/api/jobs/types").json()}
    hello = types["hello_world"]
    assert hello["parameters_schema"]["properties"]["n"]["maximum"] == 10_000
    assert [s["fan_out"] for s in hello["stages"]] == ["per_item", "match_previous", "fan_in"]


def test_fifty_concurrent_identical_submissions_make_one_job(engine_platform, tag):
    results = all_at_once(
        lambda: engine_platform.engine.submit(
            "hello_world", {"n": 40, "message": tag}, principal=OPERATOR
        ),
        50,
    )
    assert sum(r.created for r in results) == 1
    assert len({r.job["job_id"] for r in results}) == 1
    job_id = results[0].job["job_id"]
    assert count(engine_platform, "SELECT count(*) FROM app.tasks WHERE job_id = %s", job_id) == 40
    assert (
        count(
            engine_platform,
            "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'stage_started'",
            job_id,
        )
        == 1
    )


def test_skipped_stage_and_fan_out_over_an_earlier_stage_that_is_not_the_previous(
    engine_platform, workers, tag
):
    job_id = engine_platform.engine.submit(
        "test_branching", {"size": 4, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "completed"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        stages = conn.execute(
            "SELECT name, status, total FROM app.job_stages WHERE job_id = %s ORDER BY stage",
            (job_id,),
        ).fetchall()
        values = conn.execute(
            "SELECT result->>'value' FROM app.tasks WHERE job_id = %s AND stage = 3 ORDER BY task_index",
            (job_id,),
        ).fetchall()
    assert stages == [
        ("list", "completed", 1),
        ("detour", "skipped", 0),
        ("square", "completed", 4),
    ]
    assert [int(v[0]) for v in values] == [0, 1, 4, 9]


def test_retryable_failures_back_off_and_then_succeed(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit(
        "test_flaky", {"fail_times": 2, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "completed" and job["result"] == {"count": 3}
    assert (
        count(
            engine_platform,
            "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'task_retry'",
            job_id,
        )
        == 2
    )


def test_permanent_errors_fail_at_once(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit(
        "test_flaky", {"fail_times": 5, "permanent": True, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "failed"
    assert "Invalid input: bad input on try 1" in job["error"]
    assert count(engine_platform, "SELECT tries FROM app.tasks WHERE job_id = %s", job_id) == 1


def test_a_poison_task_fails_the_strict_job_but_not_other_jobs(engine_platform, workers, tag):
    poison = engine_platform.engine.submit(
        "test_poison_strict", {"n": 4, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    healthy = engine_platform.engine.submit(
        "hello_world", {"n": 10, "message": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    failed = wait_for_status(engine_platform, poison, DONE)
    assert failed["status"] == "failed"
    assert (
        "1 of 4 tasks failed" in failed["error"]
        and "RuntimeError: poisoned item 0" in failed["error"]
    )
    assert (
        count(
            engine_platform,
            "SELECT tries FROM app.tasks WHERE job_id = %s AND task_index = 0 AND stage = 1",
            poison,
        )
        == 3
    )
    assert wait_for_status(engine_platform, healthy, DONE)["status"] == "completed"


def test_a_tolerated_poison_task_completes_with_errors(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit(
        "test_poison_tolerant", {"n": 4, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "completed_with_errors"
    assert job["result"] == {"count": 3}  # the fan-in saw the three good results


def test_a_task_that_ignores_its_timeout_is_failed_and_retried(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit(
        "test_hang", {"seconds": 2.5, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers(threads=2)
    job = wait_for_status(engine_platform, job_id, DONE, timeout=30)
    assert job["status"] == "failed"
    assert "timed out after 1s" in job["error"]
    assert count(engine_platform, "SELECT tries FROM app.tasks WHERE job_id = %s", job_id) == 2


def test_max_concurrency_holds_across_workers(engine_platform, workers, tag):
    job_id = engine_platform.engine.submit(
        "test_spans", {"n": 12, "sleep_ms": 150, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers(threads=4)
    workers(threads=4)
    assert wait_for_status(engine_platform, job_id, DONE)["status"] == "completed"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        peak = conn.execute(
            """
            SELECT max(c) FROM (
              SELECT (SELECT count(*) FROM public.test_spans b
                      WHERE b.tag = a.tag AND b.started <= a.started AND b.ended > a.started) AS c
              FROM public.test_spans a WHERE a.tag = %s) x""",
            (tag,),
        ).fetchone()[0]
    assert 2 <= peak <= 3


def test_a_worker_used_to_fast_tasks_claims_a_slow_type_alone(engine_platform, workers, tag):
    """Claim sizes follow each task type's duration: after thousands of tiny tasks, a
    worker must not take a batch of slow tasks and run them one after another while
    other workers idle (tasks waiting on it from their claim on)."""
    warm = engine_platform.engine.submit(
        "test_effects", {"n": 200, "tag": f"warm-{tag}"}, principal=OPERATOR
    ).job["job_id"]
    workers(threads=1)
    workers(threads=1)
    assert wait_for_status(engine_platform, warm, DONE)["status"] == "completed"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        batched = conn.execute(
            "SELECT count(DISTINCT started_at) < count(*) FROM app.tasks WHERE job_id = %s", (warm,)
        ).fetchone()[0]
    assert batched  # the tiny tasks were claimed several at a time

    job_id = engine_platform.engine.submit(
        "test_spans", {"n": 6, "sleep_ms": 300, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    assert wait_for_status(engine_platform, job_id, DONE)["status"] == "completed"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        waits = [
            row[0]
            for row in conn.execute(
                """
            SELECT extract(epoch FROM s.started - t.started_at) FROM app.tasks t JOIN public.test_spans s USING (task_id)
            WHERE s.tag = %s""",
                (tag,),
            )
        ]
        side_by_side = conn.execute(
            """
            SELECT max(c) FROM (
              SELECT (SELECT count(*) FROM public.test_spans b
                      WHERE b.tag = a.tag AND b.started <= a.started AND b.ended > a.started) AS c
              FROM public.test_spans a WHERE a.tag = %s) x""",
            (tag,),
        ).fetchone()[0]
    assert len(waits) == 6 and max(waits) < 0.25, waits  # none waited behind another 300 ms task
    assert side_by_side == 2  # both workers ran them


def test_cancelling_a_running_job_leaves_nothing_running_or_pending(
    api, engine_platform, workers, tag, admin_headers
):
    job_id = engine_platform.engine.submit(
        "test_spans", {"n": 30, "sleep_ms": 3000, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers(threads=3)
    wait_for_running(engine_platform, job_id)
    response = api.post(f"/api/jobs/{job_id}/cancel", headers=admin_headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api.post(f"/api/jobs/{job_id}/cancel", headers=admin_headers).status_code == 409

    deadline_checks = 0
    while count(
        engine_platform,
        "SELECT count(*) FROM app.tasks WHERE job_id = %s AND status IN ('running','pending','queued')",
        job_id,
    ):
        deadline_checks += 1
        assert deadline_checks < 200, "tasks still open 10s after cancel"
        threading.Event().wait(0.05)
    statuses = count(
        engine_platform,
        "SELECT count(*) FROM app.tasks WHERE job_id = %s AND status = 'cancelled'",
        job_id,
    )
    assert statuses >= 27


def wait_for_running(platform, job_id: str) -> None:
    for _ in range(200):
        if count(
            platform,
            "SELECT count(*) FROM app.tasks WHERE job_id = %s AND status = 'running'",
            job_id,
        ):
            return
        threading.Event().wait(0.05)
    raise AssertionError("no task started")


def test_retry_failed_reruns_only_failed_tasks_and_keeps_completed_results(
    api, engine_platform, workers, tag, admin_headers
):
    job_id = engine_platform.engine.submit(
        "test_poison_strict", {"n": 5, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    assert wait_for_status(engine_platform, job_id, DONE)["status"] == "failed"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        before = dict(
            conn.execute(
                "SELECT task_id, completed_at FROM app.tasks WHERE job_id = %s AND status = 'completed'",
                (job_id,),
            ).fetchall()
        )

    response = api.post(f"/api/jobs/{job_id}/retry", headers=admin_headers)
    assert response.status_code == 200 and response.json()["status"] == "processing"
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "failed"  # item 0 is poisoned for good: it failed again, alone
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        after = dict(
            conn.execute(
                "SELECT task_id, completed_at FROM app.tasks WHERE job_id = %s AND status = 'completed'",
                (job_id,),
            ).fetchall()
        )
        rerun = conn.execute(
            "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'job_retried'",
            (job_id,),
        ).fetchone()[0]
    assert {k: v for k, v in after.items() if k in before} == before
    assert rerun == 1
    assert api.post(f"/api/jobs/{job_id}/retry", headers=ANONYMOUS).status_code == 401


def test_resubmit_runs_a_new_attempt_and_keeps_history(
    api, engine_platform, workers, tag, admin_headers
):
    job_id = engine_platform.engine.submit(
        "hello_world", {"n": 3, "message": tag}, principal=OPERATOR
    ).job["job_id"]
    workers()
    wait_for_status(engine_platform, job_id, DONE)
    response = api.post(f"/api/jobs/{job_id}/resubmit", headers=admin_headers)
    assert response.status_code == 200 and response.json()["attempt"] == 2
    job = wait_for_status(engine_platform, job_id, DONE)
    assert job["status"] == "completed" and job["attempt"] == 2
    assert (
        count(
            engine_platform,
            "SELECT count(DISTINCT attempt) FROM app.tasks WHERE job_id = %s",
            job_id,
        )
        == 2
    )
    assert (
        count(
            engine_platform,
            "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'job_finished'",
            job_id,
        )
        == 2
    )
    running = engine_platform.engine.submit(
        "test_spans", {"n": 3, "sleep_ms": 2000, "tag": tag}, principal=OPERATOR
    ).job["job_id"]
    assert api.post(f"/api/jobs/{running}/resubmit", headers=admin_headers).status_code == 409


def test_missing_jobs_are_404(api, admin_headers):
    assert api.get("/api/jobs/status/nope").status_code == 404
    assert api.get("/api/jobs/nope/tasks").status_code == 404
    assert api.post("/api/jobs/nope/cancel", headers=admin_headers).status_code == 404


def test_engine_errors_are_typed(engine_platform):
    with pytest.raises(NotFound):
        engine_platform.engine.submit("nope", {}, principal=OPERATOR)
    with pytest.raises(InvalidInput) as info:
        engine_platform.engine.submit("hello_world", {"n": "many"}, principal=OPERATOR)
    assert info.value.errors[0]["field"] == "n"
