"""The CLI-served app (uvicorn, as `make run` serves it) answered over real HTTP."""

import subprocess
import sys

import httpx
import pytest

from tests.support import ROOT, child_env, served_app


@pytest.fixture(scope="module")
def served(settings):
    with served_app(settings) as url:
        yield url


def test_health_over_http(served):
    response = httpx.get(f"{served}/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "up"


def test_admin_over_http(served, admin_headers):
    assert httpx.get(f"{served}/api/admin/db/status", timeout=10).status_code == 401
    response = httpx.get(f"{served}/api/admin/db/status", headers=admin_headers, timeout=10)
    assert response.status_code == 200 and response.json()["up_to_date"] is True


def test_cli_db_status_exit_code_says_up_to_date(settings):
    result = subprocess.run(
        [sys.executable, "-m", "triggers.cli", "db", "status"],
        cwd=ROOT,
        env=child_env(settings, LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"up_to_date": true' in result.stdout


def cli_key(settings, name: str, role: str) -> str:
    """`./geoetl keys create NAME --role ROLE`: the key is alone on the last line of the output."""
    result = subprocess.run(
        [sys.executable, "-m", "triggers.cli", "keys", "create", name, "--role", role],
        cwd=ROOT,
        env=child_env(settings, LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "shown once" in result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_job_submitted_over_http_is_run_by_the_hosts_own_workers(served, settings):
    import time
    import uuid

    key = {
        "authorization": "Bearer "
        + cli_key(settings, f"served-{uuid.uuid4().hex[:8]}", "submitter")
    }
    job = {"n": 30, "message": uuid.uuid4().hex}
    assert (
        httpx.post(f"{served}/api/jobs/submit/hello_world", json=job, timeout=10).status_code == 401
    )
    submitted = httpx.post(
        f"{served}/api/jobs/submit/hello_world", json=job, headers=key, timeout=10
    )
    assert submitted.status_code == 202
    status_url = served + submitted.json()["status_url"]
    deadline = time.monotonic() + 60
    while (status := httpx.get(status_url, headers=key, timeout=10).json())["status"] not in (
        "completed",
        "failed",
    ):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["status"] == "completed" and status["result"]["replies"] == 30
