"""The connection pool, opened lazily so building the app does no I/O."""

from contextlib import contextmanager
from typing import Iterator, cast

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from core.errors import DependencyUnavailable


# Every pooled connection returns rows as dicts (row_factory=dict_row).
DbConnection = psycopg.Connection[DictRow]


class Database:
    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 5.0):
        self.dsn = dsn
        self._timeout = timeout
        self._pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            open=False,
            timeout=timeout,
            # A connection broken by a server restart is noticed and replaced on checkout.
            check=ConnectionPool.check_connection,
            kwargs={"connect_timeout": max(1, int(timeout)), "row_factory": dict_row},
            name="geoetl",
        )
        self._opened = False

    def _ensure_open(self) -> None:
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True

    @contextmanager
    def connection(self) -> Iterator[DbConnection]:
        """A pooled connection inside a transaction committed on success."""
        self._ensure_open()
        try:
            with self._pool.connection(timeout=self._timeout) as conn:
                yield cast(DbConnection, conn)  # the pool's connections are made with dict_row
        except PoolTimeout as exc:
            raise DependencyUnavailable(
                f"database unreachable: no connection within {self._timeout:g}s"
            ) from exc

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False


def connect_direct(
    dsn: str, *, autocommit: bool = False, timeout: float = 5.0
) -> psycopg.Connection:
    """A dedicated, unpooled connection (deploy locks, admin tasks)."""
    return psycopg.connect(
        dsn, autocommit=autocommit, connect_timeout=max(1, int(timeout)), row_factory=dict_row
    )
