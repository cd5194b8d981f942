"""The reconciler deletes the scratch blobs of failed or cancelled tiled-COG jobs once
RASTER_SCRATCH_RETENTION_HOURS have passed, once per attempt, and nothing else."""

import uuid

import psycopg
from psycopg.types.json import Jsonb

from services.raster.blocks import scratch_blob

SCRATCH_NAMES = ("cog.tif", "top-0.tif")


def fake_job(platform, status: str, hours_ago: float, *, parts_stage: str = "completed") -> str:
    """A process_raster job as the engine leaves it, its scratch blobs in the silver container."""
    job_id = uuid.uuid4().hex * 2
    container = platform.settings.silver_container
    with psycopg.connect(platform.settings.dsn, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO app.jobs (job_id, job_type, parameters, status, total_stages, current_stage, completed_at)
                        VALUES (%s, 'process_raster', %s, %s, 4, 3, now() - make_interval(secs => %s))""",
            (
                job_id,
                Jsonb({"blob_name": "big.tif", "target_container": container}),
                status,
                hours_ago * 3600,
            ),
        )
        conn.execute(
            """INSERT INTO app.job_stages (job_id, attempt, stage, name, task_type, status, max_concurrency)
                        VALUES (%s, 1, 2, 'cog_parts', 'raster.cog_part', %s, 4)""",
            (job_id, parts_stage),
        )
    for name in SCRATCH_NAMES:
        platform.blobs.client.get_blob_client(container, scratch_blob(job_id, 1, name)).upload_blob(
            b"tiles", overwrite=True
        )
    return job_id


def scratch_left(platform, job_id: str) -> int:
    container = platform.blobs.client.get_container_client(platform.settings.silver_container)
    return len(list(container.list_blob_names(name_starts_with=f"_geoetl/cog-parts/{job_id}/")))


def sweeps(platform, job_id: str) -> int:
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(
            "SELECT count(*) FROM app.job_events WHERE job_id = %s AND event = 'scratch_deleted'",
            (job_id,),
        ).fetchone()[0]


def test_scratch_of_failed_and_cancelled_tiled_jobs_goes_after_the_retention(
    engine_platform, platform
):
    failed = fake_job(engine_platform, "failed", 30)
    cancelled = fake_job(engine_platform, "cancelled", 48)
    recent = fake_job(engine_platform, "failed", 2)  # a retry may still want it
    done = fake_job(engine_platform, "completed", 30)  # not a failure: not ours to judge
    untiled = fake_job(engine_platform, "failed", 30, parts_stage="skipped")

    report = engine_platform.engine.reconcile()
    assert report.acted and report.chores["cog_scratch_blobs_deleted"] >= 4
    assert [
        scratch_left(engine_platform, j) for j in (failed, cancelled, recent, done, untiled)
    ] == [0, 0, 2, 2, 2]
    assert [sweeps(engine_platform, j) for j in (failed, cancelled, recent)] == [1, 1, 0]

    engine_platform.engine.reconcile()  # once per attempt
    assert [sweeps(engine_platform, j) for j in (failed, cancelled)] == [1, 1]


def test_a_failing_chore_leaves_the_sweep_and_the_other_chores_alone(engine_platform):
    engine = engine_platform.engine
    saved = engine.chores
    engine.chores = {"broken": lambda: 1 // 0, "fine": lambda: 7}
    try:
        report = engine.reconcile()
    finally:
        engine.chores = saved
    assert report.acted and report.chores == {"fine": 7}
