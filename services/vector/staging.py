"""Staging tables in `geo_staging`: created by the inspection, filled chunk by chunk with
binary COPY, indexed, then moved into `geo` by the publish step."""

import hashlib

import psycopg
from psycopg import sql as pgsql
from psycopg.types.string import BytesBinaryDumper

from infrastructure.db.queries import sql
from services.vector.attributes import COPY_TYPES
from services.vector.columns import ColumnPlan
from services.vector.report import KINDS

STAGING_SCHEMA = "geo_staging"
GEOMETRY_TYPES = {"points": "MultiPoint", "lines": "MultiLineString", "polygons": "MultiPolygon"}
MAX_IDENTIFIER = 63


def staging_name(job_id: str, attempt: int, kind: str, group: int = 0) -> str:
    """One table per kind, and per layer group past the first (all_layers loads)."""
    return (
        f"s_{job_id[:16]}_{attempt}_{kind}"
        if group == 0
        else f"s_{job_id[:16]}_{attempt}_g{group}_{kind}"
    )


def staging_indexes(staging_table: str) -> dict[str, str]:
    return {"primary_key": f"{staging_table}_pk", "spatial": f"{staging_table}_gix"}


def final_index_name(table: str, suffix: str) -> str:
    """`<table>_<suffix>`, shortened with a hash when it would pass PostgreSQL's 63 bytes."""
    name = f"{table}_{suffix}"
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(table.encode()).hexdigest()[:8]
    return f"{table[: MAX_IDENTIFIER - len(suffix) - 10]}_{digest}_{suffix}"


def staged(name: str) -> pgsql.Identifier:
    return pgsql.Identifier(STAGING_SCHEMA, name)


def query(name: str, **identifiers) -> pgsql.Composed:
    return pgsql.SQL(sql(name)).format(**identifiers)


def create_staging_tables(
    conn: psycopg.Connection, job_id: str, attempt: int, columns: list[ColumnPlan], group: int = 0
) -> dict[str, str]:
    """One staging table per geometry kind (unused ones are dropped at publish). Re-running
    the inspection recreates them empty, and forgets chunks loaded by an earlier run."""
    if group == 0:
        conn.execute(sql("vector/clear_chunks"), {"job_id": job_id, "attempt": attempt})
    attribute_columns = pgsql.SQL("").join(
        pgsql.SQL(", {} {}").format(pgsql.Identifier(c.name), pgsql.SQL(c.pg_type)) for c in columns
    )
    tables = {}
    for kind in KINDS:
        name = staging_name(job_id, attempt, kind, group)
        conn.execute(query("vector/drop_table", table=staged(name)))
        conn.execute(
            query(
                "vector/create_staging",
                table=staged(name),
                geometry_type=pgsql.SQL(GEOMETRY_TYPES[kind]),
                columns=attribute_columns,
            )
        )
        register_staging(conn, job_id, attempt, kind, name, group)
        tables[kind] = name
    return tables


def register_staging(
    conn: psycopg.Connection, job_id: str, attempt: int, kind: str, table: str, group: int = 0
) -> None:
    """Records a staging table under its job attempt, layer group and kind, so the stale
    sweep (drop_stale_staging) finds it whoever created it."""
    conn.execute(
        sql("vector/register_staging"),
        {
            "job_id": job_id,
            "attempt": attempt,
            "layer_group": group,
            "kind": kind,
            "staging_table": table,
        },
    )


def drop_stale_staging(
    conn: psycopg.Connection, job_id: str, attempt: int, retention_hours: float
) -> list[str]:
    """Drops staging tables that can no longer be published (earlier attempts, finished jobs)."""
    dropped = []
    params = {"job_id": job_id, "attempt": attempt, "retention_hours": retention_hours}
    for row in conn.execute(sql("vector/stale_staging"), params).fetchall():
        conn.execute(query("vector/drop_table", table=staged(row["staging_table"])))
        conn.execute(sql("vector/forget_staging"), {"staging_table": row["staging_table"]})
        conn.execute(
            sql("vector/clear_chunks"), {"job_id": row["job_id"], "attempt": row["attempt"]}
        )
        dropped.append(row["staging_table"])
    return dropped


def missing_staging(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    return [
        t
        for t in tables
        if not conn.execute(
            sql("vector/table_exists"), {"qualified": f"{STAGING_SCHEMA}.{t}"}
        ).fetchone()["present"]
    ]


def geometry_dumper(conn: psycopg.Connection) -> int:
    """Binary COPY sends EWKB bytes as PostGIS geometry (geometry_recv reads EWKB)."""
    oid = conn.execute("SELECT 'geometry'::regtype::oid AS oid").fetchone()["oid"]

    class GeometryBinaryDumper(BytesBinaryDumper):
        pass

    GeometryBinaryDumper.oid = oid
    conn.adapters.register_dumper(None, GeometryBinaryDumper)
    return oid


def copy_rows(
    conn: psycopg.Connection, staging_table: str, columns: list[ColumnPlan], rows
) -> None:
    geometry_oid = geometry_dumper(conn)
    names = pgsql.SQL(", ").join(
        pgsql.Identifier(n) for n in ["id", "geom", *(c.name for c in columns)]
    )
    with conn.cursor() as cursor:
        with cursor.copy(
            query("vector/copy_staging", table=staged(staging_table), columns=names)
        ) as copy:
            copy.set_types(["int8", geometry_oid, *(COPY_TYPES[c.pg_type] for c in columns)])
            for row in rows:
                copy.write_row(row)
