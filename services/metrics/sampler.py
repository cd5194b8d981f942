"""Writes one app.job_metrics snapshot per active job; one sampler at a time."""

from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from infrastructure.db.transactions import in_transaction


def sample_job_metrics(db: Database, rate_window_seconds: float) -> int | None:
    """Returns the number of jobs sampled, or None when another sampler held the lock."""

    def work(conn):
        if not conn.execute(sql("metrics/sampler_lock")).fetchone()["acquired"]:
            return None
        return len(conn.execute(sql("metrics/sample"), {"window": rate_window_seconds}).fetchall())

    return in_transaction(db, work)
