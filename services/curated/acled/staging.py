"""ACLED's staging tables in geo_staging: the events the fetch tasks read (typed, in the
target's own shape) and the deletions. Registered like the vector pipeline's staging, so
the same sweep drops them once their job is finished or gone.

Pages are COPYed in PostgreSQL's text format with `NULL ''` (an empty value — ACLED's
missing value — is NULL), so PostgreSQL, not Python, parses and types the 31 fields: a
value that does not fit (text in `fatalities`) fails the COPY naming its column."""

import operator
import re
from typing import Any

import orjson

import psycopg
from psycopg import sql as pgsql

from core.errors import ContractViolation
from infrastructure.db.queries import sql
from services.curated.acled.fields import DELETION_FIELDS, FIELD_NAMES
from services.vector.staging import (
    drop_stale_staging,
    query,
    register_staging,
    staged,
    staging_name,
)

EVENTS, DELETED = "acled_events", "acled_deleted"
_DDL = {EVENTS: "acled/create_events", DELETED: "acled/create_deleted"}
_COLUMNS = {EVENTS: FIELD_NAMES, DELETED: DELETION_FIELDS}
_COLUMN_IN_CONTEXT = re.compile(r"column (\w+)")
# COPY text format: these characters inside a value are written as escapes.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
# Stand-ins for the column and row separators while a page is joined (escaping runs over the
# joined page, not value by value, which is what makes it cheap).
_FIELD, _ROW = "\x1f", "\x1e"


def create_staging(
    conn: psycopg.Connection, job_id: str, attempt: int, retention_hours: float
) -> dict[str, str]:
    """Empty staging tables for this job attempt ({kind: name}); a check that runs again
    starts them afresh. Other jobs' leftovers past their retention go first."""
    drop_stale_staging(conn, job_id, attempt, retention_hours)
    tables = {}
    for kind, ddl in _DDL.items():
        name = staging_name(job_id, attempt, kind)
        conn.execute(query("vector/drop_table", table=staged(name)))
        conn.execute(query(ddl, table=staged(name)))
        register_staging(conn, job_id, attempt, kind, name)
        tables[kind] = name
    return tables


def drop_staging(conn: psycopg.Connection, *tables: str) -> None:
    for table in tables:
        conn.execute(query("vector/drop_table", table=staged(table)))
        conn.execute(sql("vector/forget_staging"), {"staging_table": table})


def copy_statement(kind: str, table: str) -> pgsql.Composed:
    columns = pgsql.SQL(", ").join(pgsql.Identifier(name) for name in _COLUMNS[kind])
    return query("acled/copy", table=staged(table), columns=columns)


def as_copy_text(kind: str, data: list) -> str:
    """A page's `data` (objects of strings) as COPY text rows of the kind's columns, in order."""
    columns = _COLUMNS[kind]
    try:
        rows = list(map(operator.itemgetter(*columns), data))
    except KeyError as exc:
        raise ContractViolation(f"an ACLED record lacks the field {exc.args[0]!r}") from exc
    except TypeError as exc:
        raise ContractViolation(
            "ACLED's data list holds something other than records (JSON objects)"
        ) from exc
    if not rows:
        return ""
    try:
        text = _ROW.join(map(_FIELD.join, rows))
    except TypeError:  # a value that is not a string (a number, null): value by value
        return _value_by_value(rows)
    if text.count(_FIELD) != (len(columns) - 1) * len(rows) or text.count(_ROW) != len(rows) - 1:
        return _value_by_value(rows)  # a value holds a stand-in itself
    for raw, escaped in _ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return text.replace(_FIELD, "\t").replace(_ROW, "\n") + "\n"


def _value_by_value(rows: list[tuple]) -> str:
    return "".join("\t".join(_escaped(_text(value)) for value in row) + "\n" for row in rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _escaped(value: str) -> str:
    for raw, escaped in _ESCAPES:
        value = value.replace(raw, escaped)
    return value


def value_error(label: str, exc: psycopg.Error) -> ContractViolation:
    """A COPY refusal as the source's fault, naming the column (never the whole row)."""
    column = _COLUMN_IN_CONTEXT.search(exc.diag.context or "")
    where = f" (column {column[1]})" if column else ""
    return ContractViolation(
        f"{label}: a value does not fit the table{where}: {exc.diag.message_primary or exc}"
    )
