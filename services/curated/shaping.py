"""From the tables the vector pipeline published (one per geometry kind, the source's own
column names) to rows in a curated dataset's target columns: one SELECT per table, each
target column an expression over what that table has (renamed, recoded, cast, or NULL).
Values in the expressions are bound parameters; names are quoted identifiers."""

from dataclasses import dataclass

import psycopg
from psycopg import sql as pgsql
from psycopg.types.json import Jsonb

from core.errors import InvalidInput
from infrastructure.db.queries import sql
from services.curated.schemas import TargetColumn, TargetSchema, Variant

NUMERIC = {"smallint", "integer", "bigint", "double precision", "real", "numeric"}
OWN_COLUMNS = {"id", "geom"}


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    source: str | None = None  # the source column it is taken from (first table that has one)
    description: str | None = None


@dataclass
class Shaped:
    """The target columns, and the SELECT giving them from all published tables."""

    columns: list[Column]
    select: pgsql.Composable  # source_id, geom, <column>, … (UNION ALL over the tables)
    params: dict
    variant: str | None


def table_columns(conn: psycopg.Connection, schema: str, table: str) -> dict[str, str]:
    rows = conn.execute(sql("curated/table_columns"), {"qualified": f"{schema}.{table}"}).fetchall()
    return {r["name"]: r["type"] for r in rows}


def shape(conn: psycopg.Connection, tables: list[str], schema: TargetSchema | None) -> Shaped:
    found = {table: table_columns(conn, "geo", table) for table in tables}
    if schema is None:
        return _as_published(found)
    present = {name for columns in found.values() for name in columns} - OWN_COLUMNS
    variant = schema.variant_for(present)
    params: dict = {}
    selects = [
        _select(table, [(c.name, _mapped(c, variant, columns, params)) for c in schema.columns])
        for table, columns in found.items()
    ]
    columns = [
        Column(c.name, c.pg_type, _first_source(c, variant, found), c.description)
        for c in schema.columns
    ]
    return Shaped(columns, pgsql.SQL(" UNION ALL ").join(selects), params, variant.name)


def _as_published(found: dict[str, dict[str, str]]) -> Shaped:
    """No target schema: the columns as the pipeline published them (the union over the tables)."""
    union: dict[str, str] = {}
    for columns in found.values():
        for name, pg_type in columns.items():
            if name not in OWN_COLUMNS:
                union.setdefault(name, pg_type)
    selects = [
        _select(
            table,
            [
                (name, pgsql.Identifier(name) if name in columns else _null(pg_type))
                for name, pg_type in union.items()
            ],
        )
        for table, columns in found.items()
    ]
    return Shaped(
        [Column(n, t, n) for n, t in union.items()],
        pgsql.SQL(" UNION ALL ").join(selects),
        {},
        None,
    )


def _select(table: str, items: list[tuple[str, pgsql.Composable]]) -> pgsql.Composed:
    """SELECT id AS source_id, geom, <expression> AS <name>, … FROM geo.<table>"""
    listed = pgsql.SQL("").join(
        pgsql.SQL(", {} AS {}").format(expression, pgsql.Identifier(name))
        for name, expression in items
    )
    return pgsql.SQL("SELECT id AS source_id, geom{} FROM {}").format(
        listed, pgsql.Identifier("geo", table)
    )


def _mapped(
    column: TargetColumn, variant: Variant, available: dict[str, str], params: dict
) -> pgsql.Composable:
    source = next(
        (name for name in variant.source_candidates(column.name) if name in available), None
    )
    if source is None:
        return _null(column.pg_type)
    value = _converted(pgsql.Identifier(source), available[source], column.pg_type)
    recode = variant.recode.get(column.name)
    if recode:
        key = f"recode_{column.name}"
        params[key] = Jsonb(recode)
        value = pgsql.SQL("coalesce({}::jsonb ->> {}::text, {})").format(
            pgsql.Placeholder(key), pgsql.Identifier(source), value
        )
    if column.lowercase:
        value = pgsql.SQL("lower(btrim({}))").format(value)
    return value


def _converted(source: pgsql.Identifier, source_type: str, target_type: str) -> pgsql.Composable:
    """A source value in the target's type. Text that is not a number fails the cast; the
    finalize stage reports that as bad input."""
    target = pgsql.SQL(target_type)
    if target_type == "text":
        return pgsql.SQL("{}::text").format(source)
    if source_type in NUMERIC:
        return pgsql.SQL("{}::{}").format(source, target)
    return pgsql.SQL("NULLIF(btrim({}::text), '')::numeric::{}").format(source, target)


def _null(pg_type: str) -> pgsql.Composable:
    return pgsql.SQL("NULL::{}").format(pgsql.SQL(pg_type))


def _first_source(
    column: TargetColumn, variant: Variant, found: dict[str, dict[str, str]]
) -> str | None:
    for name in variant.source_candidates(column.name):
        if any(name in columns for columns in found.values()):
            return name
    return None


def check_keys(shaped: Shaped, keys: list[str]) -> None:
    names = [c.name for c in shaped.columns]
    missing = [k for k in keys if k not in names]
    if missing:
        raise InvalidInput(
            f"key column(s) {', '.join(missing)} not in the data; its columns: {', '.join(names)}"
        )
