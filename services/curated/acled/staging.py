"""ACLED's staging tables in geo_staging: the events the fetch tasks read (typed, in the
target's own shape) and the deletions. Registered like the vector pipeline's staging, so
the same sweep drops them once their job is finished or gone.

Pages are written as CSV and COPYed: every value quoted and an empty one NULL, so
PostgreSQL — not Python — parses and types the 31 fields (a value that does not fit,
e.g. text in `fatalities`, fails the COPY naming its column)."""

import csv
import io
import operator
import re

import psycopg
from psycopg import sql as pgsql

from core.errors import ContractViolation
from infrastructure.db.queries import sql
from services.curated.acled.fields import DELETION_FIELDS, FIELD_NAMES
from services.vector.staging import drop_stale_staging, query, staged, staging_name

EVENTS, DELETED = "acled_events", "acled_deleted"
_DDL = {EVENTS: "acled/create_events", DELETED: "acled/create_deleted"}
_COLUMNS = {EVENTS: FIELD_NAMES, DELETED: DELETION_FIELDS}
_COLUMN_IN_CONTEXT = re.compile(r"column (\w+)")


def create_staging(conn: psycopg.Connection, job_id: str, attempt: int, retention_hours: float) -> dict[str, str]:
    """Empty staging tables for this job attempt ({kind: name}); a check that runs again
    starts them afresh. Other jobs' leftovers past their retention go first."""
    drop_stale_staging(conn, job_id, attempt, retention_hours)
    tables = {}
    for kind, ddl in _DDL.items():
        name = staging_name(job_id, attempt, kind)
        conn.execute(query("vector/drop_table", table=staged(name)))
        conn.execute(query(ddl, table=staged(name)))
        conn.execute(sql("vector/register_staging"), {"job_id": job_id, "attempt": attempt, "kind": kind,
                                                      "staging_table": name})
        tables[kind] = name
    return tables


def drop_staging(conn: psycopg.Connection, *tables: str) -> None:
    for table in tables:
        conn.execute(query("vector/drop_table", table=staged(table)))
        conn.execute(sql("vector/forget_staging"), {"staging_table": table})


def copy_statement(kind: str, table: str) -> pgsql.Composed:
    columns = pgsql.SQL(", ").join(pgsql.Identifier(name) for name in _COLUMNS[kind])
    return query("acled/copy", table=staged(table), columns=columns)


def as_csv(kind: str, data: list) -> str:
    """A page's `data` (objects of strings) as CSV rows of the kind's columns, in order."""
    row = operator.itemgetter(*_COLUMNS[kind])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    try:
        writer.writerows(map(row, data))
    except KeyError as exc:
        raise ContractViolation(f"an ACLED record lacks the field {exc.args[0]!r}") from exc
    except TypeError as exc:
        raise ContractViolation("ACLED's data list holds something other than records (JSON objects)") from exc
    return buffer.getvalue()


def value_error(label: str, exc: psycopg.Error) -> ContractViolation:
    """A COPY refusal as the source's fault, naming the column (never the whole row)."""
    column = _COLUMN_IN_CONTEXT.search(exc.diag.context or "")
    where = f" (column {column[1]})" if column else ""
    return ContractViolation(f"{label}: a value does not fit the table{where}: {exc.diag.message_primary or exc}")
