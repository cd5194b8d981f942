"""Helpers for the vector ETL tests: upload, submit, wait, query."""

import uuid

import psycopg

from tests.support import wait_for_status

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def put_blob(platform, data: bytes, name: str) -> str:
    """Straight into bronze (no upload checks): for inputs only the job can judge."""
    blob_name = f"tests/{uuid.uuid4().hex}/{name}"
    platform.blobs.client.get_blob_client(
        platform.settings.bronze_container, blob_name
    ).upload_blob(data)
    return blob_name


def upload(api, data: bytes, filename: str):
    return api.post("/api/uploads", files={"file": (filename, data, "application/octet-stream")})


def submit(api, blob_name: str, table_name: str, **extra) -> str:
    response = api.post(
        "/api/jobs/submit/process_vector",
        json={"blob_name": blob_name, "table_name": table_name, **extra},
    )
    assert response.status_code in (200, 202), response.text
    return response.json()["job_id"]


def finish(platform, job_id: str, timeout: float = 60) -> dict:
    return wait_for_status(platform, job_id, DONE, timeout=timeout)


def query(platform, statement: str, *args):
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(statement, args).fetchall()
