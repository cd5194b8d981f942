"""The check of an ACLED dataset: full load or increment, has anything changed, and the
fetch tasks' plan.

- Nothing held (first run, a table that was dropped, or held for another start_date or
  country list), or `force`: a **full load** from start_date, one fetch task per month of
  event dates; the table is rebuilt and swapped in.
- Otherwise an **increment**: two one-row probes ask ACLED whether any event was stamped
  after the newest `timestamp` held, or any deletion after the newest `deleted_timestamp`
  held. Neither: the update is skipped. Either: the changed events are read by page
  (PAGE_TASKS tasks taking every PAGE_TASKS-th page) and the deletions by one task,
  both from a day before the held stamps (REREAD_SECONDS), so an event ACLED stamped
  while the previous update was reading is not missed; re-read events that did not
  change are not counted.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from core.errors import InvalidInput
from core.models.curated import CuratedDataset, DatasetFields
from infrastructure.http.acled import PAGE_LIMIT
from infrastructure.http.outbound import guarded_client
from services.curated.acled.models import EventsPlan, FetchItem
from services.curated.acled.session import (
    ACCOUNT_SETTINGS,
    AcledSession,
    open_session,
    purge_tokens,
)
from services.curated.acled.staging import DELETED, EVENTS, create_staging
from services.curated.acled.version import Held, Scope
from services.engine.context import TaskContext

HANDLER = "acled"
PAGE_TASKS = 4
REREAD_SECONDS = 24 * 3600


@dataclass(frozen=True)
class EventsCheck:
    version: str  # what is held now (the new version is known after the merge)
    proceed: bool
    reason: str
    plan: EventsPlan | None


def handles(source_config: dict) -> bool:
    return source_config.get("handler") == HANDLER


def entry_problems(fields: DatasetFields) -> list[tuple[str, str]]:
    """(field, message) for each reason an ACLED entry could not work: refused when it is
    saved, rather than at its first update."""
    problems = []
    if fields.source_type != "api":
        problems.append(("source_type", "an ACLED dataset is an api source"))
    if fields.update_strategy != "upsert" or fields.key_columns != ["event_id_cnty"]:
        problems.append(
            (
                "key_columns",
                'an ACLED dataset is kept by event_id_cnty: update_strategy "upsert", '
                'key_columns ["event_id_cnty"]',
            )
        )
    if sorted(fields.credential_settings) != sorted(ACCOUNT_SETTINGS):
        problems.append(
            ("credential_settings", "an ACLED dataset names ACLED_EMAIL and ACLED_PASSWORD")
        )
    try:
        Scope.of("the entry", fields.source_config)
        _page_size("the entry", fields.source_config)
    except InvalidInput as exc:
        problems.append(("source_config", exc.detail))
    return problems


def check_events(
    dataset: CuratedDataset, ctx: TaskContext, *, force: bool, dry_run: bool, target_exists: bool
) -> EventsCheck:
    scope = Scope.of(dataset.dataset_id, dataset.source_config)
    page_size = _page_size(dataset.dataset_id, dataset.source_config)
    held = Held.parse(dataset.source_version) if target_exists else None
    full_reason = _full_load_reason(held, scope, force, target_exists)
    settings = ctx.adapters.settings
    base_url = dataset.source_url or settings.acled_base_url
    with ctx.adapters.db.connection() as conn:
        purge_tokens(conn)
    with guarded_client(settings) as http:
        session = open_session(
            settings, ctx.adapters.db, ctx.job_id, base_url, dataset.credential_settings, http
        )
        # Signing in first: rejected credentials fail the check before anything is staged.
        session.sign_in()
        reason = full_reason or _changes(session, held)
    version = str(held or Held(0, 0, scope.fingerprint))
    if reason is None:
        return EventsCheck(version, False, "unchanged since the last update", None)
    if dry_run:
        return EventsCheck(version, False, f"dry run: {reason}", None)
    plan = _plan(
        ctx, dataset, scope, held if full_reason is None else None, reason, base_url, page_size
    )
    return EventsCheck(version, True, reason, plan)


def _full_load_reason(
    held: Held | None, scope: Scope, force: bool, target_exists: bool
) -> str | None:
    if not target_exists:
        return f"first load: every event from {scope.start_date}"
    if held is None:
        return "the table holds no ACLED version: full load"
    if held.scope != scope.fingerprint:
        return "start_date or countries changed: full load"
    if force:
        return "forced: full load"
    return None


def _changes(session: AcledSession, held: Held) -> str | None:
    """What the source has beyond the version held, asked with one-row reads."""
    changed = session.read(
        "events", {"timestamp": str(held.timestamp), "timestamp_where": ">"}, page=1, limit=1
    )
    deleted = session.read(
        "deleted",
        {"deleted_timestamp": str(held.deleted_timestamp), "deleted_timestamp_where": ">"},
        page=1,
        limit=1,
    )
    found = [
        text
        for text, present in (
            (f"events stamped after {held.timestamp}", changed),
            (f"deletions stamped after {held.deleted_timestamp}", deleted),
        )
        if present
    ]
    return " and ".join(found) + ": increment" if found else None


def _plan(
    ctx: TaskContext,
    dataset: CuratedDataset,
    scope: Scope,
    held: Held | None,
    reason: str,
    base_url: str,
    page_size: int,
) -> EventsPlan:
    settings = ctx.adapters.settings
    with ctx.adapters.db.connection() as conn:
        tables = create_staging(
            conn, ctx.job_id, ctx.job_attempt, settings.vector_staging_retention_hours
        )
    common = dict(
        reason=reason,
        base_url=base_url,
        credential_settings=dataset.credential_settings,
        start_date=scope.start_date,
        countries=list(scope.countries),
        scope=scope.fingerprint,
        staging_events=tables[EVENTS],
        staging_deleted=tables[DELETED],
        page_size=page_size,
        checked_at=int(time.time()),
    )
    if held is None:
        return EventsPlan(
            mode="full", items=months(scope.start_date, _today() + timedelta(days=1)), **common
        )
    pages = [FetchItem(kind="pages", offset=n, stride=PAGE_TASKS) for n in range(PAGE_TASKS)]
    return EventsPlan(
        mode="increment",
        held_timestamp=held.timestamp,
        held_deleted_timestamp=held.deleted_timestamp,
        events_since=max(0, held.timestamp - REREAD_SECONDS),
        deleted_since=max(0, held.deleted_timestamp - REREAD_SECONDS),
        items=[*pages, FetchItem(kind="deletions")],
        **common,
    )


def months(start: date, until: date) -> list[FetchItem]:
    """One item per calendar month from `start` (the first from start itself) to `until`."""
    items, first = [], start
    while first <= until:
        last = (first.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        items.append(FetchItem(kind="month", first=first, last=last))
        first = last + timedelta(days=1)
    return items


def _page_size(dataset_id: str, config: dict) -> int:
    size = config.get("page_size", PAGE_LIMIT)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= PAGE_LIMIT:
        raise InvalidInput(f"dataset {dataset_id}: source_config.page_size must be 1..{PAGE_LIMIT}")
    return size


def _today() -> date:
    return datetime.now(timezone.utc).date()
