"""Repository of app.job_metrics housekeeping (the sampler is services/metrics/sampler.py)."""

import psycopg

from infrastructure.db.queries import sql


def prune_job_metrics(conn: psycopg.Connection, retention_minutes: int) -> int:
    """Retention, run by the reconciler's sweep: samples older than the retention go."""
    return conn.execute(sql("metrics/prune"), {"retention_minutes": retention_minutes}).rowcount
