"""curated.fetch_events: one task of the fan-out — a month of event dates (full load),
every n-th page of the changed events, or the deletions (increment) — read page by page
with the job's token and COPYed into the job's staging table.

A task's pages land in one transaction: a task that fails leaves nothing staged, and
one that runs again may stage its rows twice, which the merge resolves (per event, the
newest version read wins)."""

from itertools import count
from typing import Iterator

import psycopg

from core.errors import ContractViolation
from infrastructure.http.outbound import guarded_client
from services.curated.acled.models import EventsPlan, Fetched, FetchItem
from services.curated.acled.session import open_session
from services.curated.acled.staging import (
    DELETED,
    EVENTS,
    as_copy_text,
    copy_statement,
    value_error,
)
from services.engine.context import TaskContext
from services.engine.handlers import handler
from core.engine.results import one_result
from services.curated.handlers import VersionCheck


@handler("curated.fetch_events")
def fetch_events(item: FetchItem, ctx: TaskContext) -> Fetched:
    plan = plan_of(ctx)
    kind, table = (
        (DELETED, plan.staging_deleted)
        if item.kind == "deletions"
        else (EVENTS, plan.staging_events)
    )
    what = "deleted" if item.kind == "deletions" else "events"
    with guarded_client(ctx.adapters.settings) as http:
        session = open_session(
            ctx.adapters.settings,
            ctx.adapters.db,
            ctx.job_id,
            plan.base_url,
            plan.credential_settings,
            http,
        )
        rows, pages = _stage(
            ctx,
            item,
            kind,
            table,
            lambda page: session.read(what, filters(item, plan), page, plan.page_size),
            plan.page_size,
        )
    return Fetched(kind=item.kind, label=item.label, rows=rows, pages=pages)


def plan_of(ctx: TaskContext) -> EventsPlan:
    events = one_result(ctx, "check_version", VersionCheck).events
    if events is None:
        raise ContractViolation("fetch_events ran for a source the check found no events plan for")
    return events


def filters(item: FetchItem, plan: EventsPlan) -> dict[str, str]:
    """The read's filters in ACLED's query syntax. Increments are not narrowed by country or
    date: an event revised out of the scope must be seen to be removed."""
    if item.kind == "month":
        found = {"event_date": f"{item.first}|{item.last}", "event_date_where": "BETWEEN"}
        return found | ({"country": "|".join(plan.countries)} if plan.countries else {})
    if item.kind == "pages":
        return {"timestamp": str(plan.events_since), "timestamp_where": ">"}
    return {"deleted_timestamp": str(plan.deleted_since), "deleted_timestamp_where": ">"}


def page_numbers(item: FetchItem) -> Iterator[int]:
    """1, 2, 3, …; for one of n page tasks, its own pages: offset+1, offset+1+n, …"""
    return count(item.offset + 1, item.stride) if item.kind == "pages" else count(1)


def _stage(
    ctx: TaskContext, item: FetchItem, kind: str, table: str, read, page_size: int
) -> tuple[int, int]:
    """Reads pages until one is short (the last), COPYing each as it arrives: PostgreSQL
    parses a page while the next one is fetched."""
    rows = pages = 0
    try:
        with ctx.adapters.db.connection() as conn, conn.cursor() as cursor:
            with cursor.copy(copy_statement(kind, table)) as copy:
                for page in page_numbers(item):
                    ctx.check()
                    data = read(page)
                    if data:
                        copy.write(_copy_text(kind, data, f"ACLED {item.label}, page {page}"))
                    rows, pages = rows + len(data), pages + 1
                    ctx.progress.update(done=rows, unit="records", pages=pages)
                    if len(data) < page_size:
                        break
    except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
        raise value_error(f"ACLED {item.label}", exc) from exc
    return rows, pages


def _copy_text(kind: str, data: list, label: str) -> str:
    try:
        return as_copy_text(kind, data)
    except ContractViolation as exc:
        raise ContractViolation(f"{label}: {exc.detail}") from exc
