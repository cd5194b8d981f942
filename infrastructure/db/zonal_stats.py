"""h3.zonal_stats and friends: per-attempt staging written by the cell tasks, the atomic
swap that publishes a (source, resolution) set, and the reads the OGC routes serve."""

from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.types.json import Jsonb

from core.models.metadata import VectorMetadata
from infrastructure.db.queries import sql

CELL_COLUMNS = (
    "cell",
    "count",
    "sum",
    "mean",
    "min",
    "max",
    "stddev",
    "majority",
    "fractions",
    "coverage",
    "west",
    "south",
    "east",
    "north",
)


def table_area_wkb(
    conn: psycopg.Connection, meta: VectorMetadata, column: str | None, value: Any
) -> tuple[bytes | None, int]:
    """(WKB of the union of the matching rows' geometries, rows matched). `column` must be
    one the catalog lists for the table (checked by the caller)."""
    if column is None:
        where, values = pgsql.SQL("true"), {}
    else:
        where = pgsql.SQL("t.{}::text = %(value)s").format(pgsql.Identifier(column))
        values = {"value": _as_text(value)}
    query = pgsql.SQL(sql("h3/table_area")).format(
        table=pgsql.Identifier(meta.schema_name, meta.id), where=where
    )
    row = conn.execute(query, values).fetchone()
    return row["area"], row["features"]


def _as_text(value: Any) -> str:
    # PostgreSQL spells booleans as text 'true' / 'false'.
    return str(value).lower() if isinstance(value, bool) else str(value)


def clear_other_attempts(conn: psycopg.Connection, job_id: str, attempt: int) -> None:
    conn.execute(sql("h3/clear_staging"), {"job_id": job_id, "attempt": attempt})


def stage_cells(
    conn: psycopg.Connection, job_id: str, attempt: int, columns: dict[str, list]
) -> None:
    """Upserts one task's cells (columns as in CELL_COLUMNS, `fractions` as dicts or None)."""
    values = {name: columns[name] for name in CELL_COLUMNS}
    values["fractions"] = [None if f is None else Jsonb(f) for f in values["fractions"]]
    conn.execute(sql("h3/upsert_staging"), values | {"job_id": job_id, "attempt": attempt})


def staged_count(conn: psycopg.Connection, job_id: str, attempt: int) -> int:
    return conn.execute(sql("h3/staged_count"), {"job_id": job_id, "attempt": attempt}).fetchone()[
        "cells"
    ]


def swap_in(conn: psycopg.Connection, aggregation: dict[str, Any]) -> dict[str, Any]:
    """In the caller's transaction: the published cells of (source, resolution) replaced
    by the attempt's staged ones, and the aggregation's row written. Readers see the old
    set or the new one, never a mix."""
    key = {"source_id": aggregation["source_id"], "resolution": aggregation["resolution"]}
    attempt = {"job_id": aggregation["job_id"], "attempt": aggregation["attempt"]}
    conn.execute(sql("h3/lock_aggregation"), key)
    conn.execute(sql("h3/delete_published"), key)
    cells = conn.execute(sql("h3/publish_staging"), key | attempt).rowcount
    row = conn.execute(
        sql("h3/upsert_aggregation"),
        aggregation
        | {
            "cell_count": cells,
            "source": Jsonb(aggregation["source"]),
            "area": Jsonb(aggregation["area"]),
        },
    ).fetchone()
    conn.execute(sql("h3/drop_staging"), {"job_id": aggregation["job_id"]})
    return row


def get_aggregation(
    conn: psycopg.Connection, source_id: str, resolution: int
) -> dict[str, Any] | None:
    return conn.execute(
        sql("h3/get_aggregation"), {"source_id": source_id, "resolution": resolution}
    ).fetchone()


def aggregation_by_collection(
    conn: psycopg.Connection, collection_id: str
) -> dict[str, Any] | None:
    return conn.execute(
        sql("h3/aggregation_by_collection"), {"collection_id": collection_id}
    ).fetchone()


def list_aggregations(conn: psycopg.Connection, *, limit: int, offset: int) -> list[dict[str, Any]]:
    return conn.execute(sql("h3/list_aggregations"), {"limit": limit, "offset": offset}).fetchall()


def cells_page(
    conn: psycopg.Connection,
    aggregation: dict[str, Any],
    *,
    bboxes: list[tuple[float, float, float, float]],
    cell: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of cells (in index order) and how many match."""
    where, values = _filter(bboxes, cell)
    values |= {"source_id": aggregation["source_id"], "resolution": aggregation["resolution"]}
    rows = conn.execute(
        pgsql.SQL(sql("h3/cells_page")).format(where=where),
        values | {"limit": limit, "offset": offset},
    ).fetchall()
    if not bboxes and cell is None:
        return rows, aggregation["cell_count"]
    matched = conn.execute(pgsql.SQL(sql("h3/cells_count")).format(where=where), values).fetchone()[
        "matched"
    ]
    return rows, matched


def _filter(
    bboxes: list[tuple[float, float, float, float]], cell: int | None
) -> tuple[pgsql.Composable, dict]:
    if cell is not None:
        return pgsql.SQL("z.cell = %(cell)s"), {"cell": cell}
    if not bboxes:
        return pgsql.SQL("true"), {}
    where = pgsql.SQL(" OR ").join(
        pgsql.SQL(f"z.extent && ST_MakeEnvelope(%(w{i})s, %(s{i})s, %(e{i})s, %(n{i})s, 4326)")
        for i in range(len(bboxes))
    )
    values = {}
    for i, (west, south, east, north) in enumerate(bboxes):
        values |= {f"w{i}": west, f"s{i}": south, f"e{i}": east, f"n{i}": north}
    return where, values


def tile_cells(
    conn: psycopg.Connection,
    aggregation: dict[str, Any],
    bboxes: list[tuple[float, float, float, float]],
) -> list[dict[str, Any]]:
    """The cells whose extent touches any of the boxes (a map tile's search area)."""
    where, values = _filter(bboxes, None)
    values |= {"source_id": aggregation["source_id"], "resolution": aggregation["resolution"]}
    return conn.execute(pgsql.SQL(sql("h3/tile_cells")).format(where=where), values).fetchall()


def tile_mvt(conn: psycopg.Connection, values: dict[str, Any]) -> bytes:
    """ST_AsMVT over cells given as arrays (queries/h3/tile_mvt.sql names them)."""
    row = conn.execute(sql("h3/tile_mvt"), values).fetchone()
    return bytes(row["tile"] or b"")


def statistic_range(
    conn: psycopg.Connection, aggregation: dict[str, Any], statistic: str
) -> tuple[Any, Any]:
    """(min, max) of a numeric statistic column; `statistic` must be checked by the caller."""
    query = pgsql.SQL(sql("h3/statistic_range")).format(column=pgsql.Identifier(statistic))
    row = conn.execute(
        query, {"source_id": aggregation["source_id"], "resolution": aggregation["resolution"]}
    ).fetchone()
    return row["low"], row["high"]
