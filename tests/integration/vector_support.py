"""Helpers for the vector ETL tests: upload, submit, wait, query."""

import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.support import wait_for_status
from triggers.http.app import create_app

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


@pytest.fixture()
def api(engine_platform, platform):  # `platform` creates the test containers
    with TestClient(create_app(engine_platform)) as client:
        yield client


def put_blob(platform, data: bytes, name: str) -> str:
    """Straight into bronze (no upload checks): for inputs only the job can judge."""
    blob_name = f"tests/{uuid.uuid4().hex}/{name}"
    platform.blobs.client.get_blob_client(platform.settings.bronze_container, blob_name).upload_blob(data)
    return blob_name


def upload(api, data: bytes, filename: str):
    return api.post("/api/uploads", files={"file": (filename, data, "application/octet-stream")})


def submit(api, blob_name: str, table_name: str, **extra) -> str:
    response = api.post("/api/jobs/submit/process_vector", json={"blob_name": blob_name, "table_name": table_name, **extra})
    assert response.status_code in (200, 202), response.text
    return response.json()["job_id"]


def finish(platform, job_id: str, timeout: float = 60) -> dict:
    return wait_for_status(platform, job_id, DONE, timeout=timeout)


def query(platform, statement: str, *args):
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(statement, args).fetchall()
