"""Limits before work (issue 11, item 5): a body over the limit, a caller without a key
and a body that stalls are answered before the body is read (over real HTTP, as uvicorn
serves it); rate limits answer 429 with Retry-After; no job plans beyond its budget."""

import socket
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from services.access import keys
from tests.support import served_app, wait_for_status
from triggers.composition import Platform
from triggers.http.app import create_app

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


@pytest.fixture(scope="module")
def host(settings):
    with served_app(
        settings, LOCAL_WORKERS="0", HTTP_BODY_IDLE_TIMEOUT_SECONDS="1.5", API_MAX_BODY_BYTES="4096"
    ) as url:
        yield url.removeprefix("http://").split(":")


@pytest.fixture()
def submitter_key(platform):
    return keys.create_key(
        platform.db,
        keys.KeyCreate(name=f"limits-{uuid.uuid4().hex[:6]}", role="submitter"),
        created_by="test",
    ).key


def exchange(host, head: str, body: bytes = b"", wait: float = 10.0) -> str:
    """Sends the request head (and the start of a body), returns what the server said."""
    with socket.create_connection((host[0], int(host[1])), timeout=wait) as sock:
        sock.sendall(head.encode() + body)
        sock.settimeout(wait)
        answer = b""
        while b"\r\n\r\n" not in answer.removeprefix(CONTINUE):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer.decode(errors="replace")


def head(path: str, length: int, extra: str = "") -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {length}\r\nExpect: 100-continue\r\n{extra}\r\n"
    )


def test_a_declared_3_gib_upload_is_refused_before_any_byte_of_it(host, submitter_key):
    answer = exchange(
        host, head("/api/uploads", 3 * 1024**3, f"x-functions-key: {submitter_key}\r\n")
    )
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "100 Continue" not in answer


def test_an_upload_without_a_key_is_401_before_the_body(host):
    started = time.monotonic()
    answer = exchange(
        host, head("/api/curated/datasets/admin0/upload", 10 * 1024**2), b"--x\r\n" + b"a" * 65536
    )
    assert answer.startswith("HTTP/1.1 401"), answer
    assert time.monotonic() - started < 5


def test_a_stalled_body_is_cut_off(host, submitter_key):
    started = time.monotonic()
    answer = exchange(
        host, head("/api/uploads", 100_000, f"x-functions-key: {submitter_key}\r\n"), b"--x\r\n"
    )
    assert answer.startswith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408"), (
        answer
    )  # authorized: invited, then cut off
    assert time.monotonic() - started < 8


def test_an_undeclared_body_over_the_limit_is_cut_off_while_streaming(host, submitter_key):
    chunks = b"".join(b"%x\r\n%s\r\n" % (1024, b"x" * 1024) for _ in range(16)) + b"0\r\n\r\n"
    request = (
        f"POST /api/jobs/submit/hello_world HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\nx-functions-key: {submitter_key}\r\n\r\n"
    )
    answer = exchange(host, request, chunks)
    assert answer.startswith("HTTP/1.1 413"), answer


def test_the_write_rate_limit_answers_429_with_retry_after(settings, platform, submitter_key):
    limited = Platform.build(settings.model_copy(update={"rate_limit_writes": "3/minute"}))
    try:
        with TestClient(create_app(limited), headers={"x-functions-key": submitter_key}) as client:
            statuses = [
                client.post("/api/jobs/submit/no_such_job", json={}).status_code for _ in range(4)
            ]
            assert statuses == [404, 404, 404, 429]
            refused = client.post("/api/jobs/submit/no_such_job", json={})
            assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 61
            assert refused.headers["content-type"] == "application/problem+json"
            assert client.get("/api/jobs").status_code == 200  # reads have their own budget
    finally:
        limited.close()


def test_hello_world_is_bounded_and_a_job_never_plans_past_its_budget(
    settings, platform, submitter_key
):
    budget = Platform.build(settings.model_copy(update={"job_max_tasks": 50}))
    try:
        with TestClient(create_app(budget), headers={"x-functions-key": submitter_key}) as client:
            too_many = client.post("/api/jobs/submit/hello_world", json={"n": 100_000})
            assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "n"
            # 30 greetings fit; their 30 replies would make 60 tasks
            job_id = client.post(
                "/api/jobs/submit/hello_world", json={"n": 30, "message": uuid.uuid4().hex}
            ).json()["job_id"]
            over = client.post(
                "/api/jobs/submit/hello_world", json={"n": 51, "message": uuid.uuid4().hex}
            ).json()
            assert budget.engine.job(over["job_id"])["status"] == "failed"
            assert "budget of 50 (JOB_MAX_TASKS)" in budget.engine.job(over["job_id"])["error"]
            assert budget.engine.job(job_id)["status"] in ("queued", "processing")
    finally:
        budget.close()


def test_the_hourly_task_cap_of_a_key_answers_429(settings, platform, submitter_key):
    capped = Platform.build(settings.model_copy(update={"key_max_tasks_per_hour": 25}))
    try:
        with TestClient(create_app(capped), headers={"x-functions-key": submitter_key}) as client:
            first = client.post(
                "/api/jobs/submit/hello_world", json={"n": 30, "message": uuid.uuid4().hex}
            )
            assert first.status_code == 202
            second = client.post(
                "/api/jobs/submit/hello_world", json={"n": 2, "message": uuid.uuid4().hex}
            )
            assert second.status_code == 429 and "KEY_MAX_TASKS_PER_HOUR" in second.json()["detail"]
            assert int(second.headers["retry-after"]) > 0
    finally:
        capped.close()
    wait_for_status(platform, first.json()["job_id"], {"queued", "processing"} | DONE)
