"""Run a unit of work in one transaction, retried when PostgreSQL says trying again may work."""

import logging
import random
import time
from typing import Callable, TypeVar

import psycopg
from psycopg import errors

from core.errors import DependencyUnavailable
from infrastructure.db.pool import Database, DbConnection

log = logging.getLogger(__name__)
T = TypeVar("T")

# Deadlocks and serialisation failures roll the whole transaction back; a lost connection
# (database restart) may too. All are safe to redo because every change is a CAS.
TRANSIENT = (errors.DeadlockDetected, errors.SerializationFailure, psycopg.OperationalError)


def in_transaction(db: Database, work: Callable[[DbConnection], T], *, attempts: int = 8) -> T:
    for attempt in range(1, attempts + 1):
        try:
            with db.connection() as conn:
                with conn.transaction():
                    return work(conn)
        except (*TRANSIENT, DependencyUnavailable) as exc:
            if attempt == attempts:
                raise DependencyUnavailable(
                    f"database transaction failed after {attempts} attempts: {exc}"
                ) from exc
            delay = min(5.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.5)
            log.warning(
                "transaction retry %d/%d in %.2fs: %s", attempt, attempts, delay, type(exc).__name__
            )
            time.sleep(delay)
    raise AssertionError("unreachable")
