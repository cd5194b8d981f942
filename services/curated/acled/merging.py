"""The merge of an ACLED update (the `finalize` stage): in the caller's one transaction,
the staged events become the dataset's table, with its metadata and STAC item, and the
new version is worked out; the caller records it with the counts.

- Full load: the staging table *is* the new table. Before the transaction — the table is
  the job's alone — its key, indexes and statistics are built (the indexes at once, on
  several connections); in it, the table is swapped in with the vector pipeline's move
  (drop old, rename new).
- Increment: upsert by event_id_cnty (added / updated where anything changed), then
  delete the events deleted at the source or gone out of the scope. Its cost follows the
  change, not the table: the row count and the extent are carried forward from the
  catalog, not recounted (the extent may therefore stay wider than the rows after
  deletions, until the next full load).
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timezone

import psycopg
from psycopg import sql as pgsql

from core.errors import InvalidInput
from core.models.metadata import Provider, VectorMetadata
from core.ownership import stac_collection, table
from infrastructure.db import catalog, stac_catalog
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from services.access.ownership import claim_for_job
from services.curated.acled.fields import FIELD_NAMES, column_definitions
from services.curated.acled.models import EventsPlan
from services.curated.acled.session import forget_token
from services.curated.acled.staging import drop_staging
from services.curated.acled.version import Held
from services.curated.targets import TARGET_SCHEMA, Applied
from services.vector.publishing import PROVIDER, TableChoice, move_table, vectors_collection
from services.vector.staging import final_index_name, query, staged, staging_indexes

ACLED = Provider(
    name="ACLED (Armed Conflict Location & Event Data)",
    roles=["producer", "licensor"],
    url="https://acleddata.com",
)
# A full load's indexes: name → (column, method, unique). `pk` and `gix` are built under the
# names the vector move turns into the primary key and the spatial index.
INDEXES = {
    "pk": ("event_id_cnty", "btree", True),
    "gix": ("geom", "gist", False),
    "id": ("id", "btree", True),
    "date": ("event_date", "btree", False),
    "country": ("country", "btree", False),
    "type": ("event_type", "btree", False),
}
# the others' names in geo once moved
FINAL_SUFFIXES = {
    "id": "id_key",
    "date": "event_date_idx",
    "country": "country_idx",
    "type": "event_type_idx",
}
# CREATE INDEX statements running at once (the database's cores are the limit)
INDEX_BUILDERS = 3


@dataclass(frozen=True)
class Target:
    """The snapshot the merge works on (from the check's result)."""

    dataset_id: str
    table: str
    title: str
    description: str | None
    previous_version: str | None
    job_id: str
    attempt: int  # the job attempt
    collection_id: str


@dataclass(frozen=True)
class Merged:
    applied: Applied
    version: str
    details: dict


@dataclass(frozen=True)
class Extent:
    rows: int
    bbox: tuple[float, float, float, float] | None
    first_date: datetime | None
    last_date: datetime | None


def prepare_full_load(db: Database, plan: EventsPlan) -> dict:
    """Key, indexes, statistics and summary of a full load's staging table, built before the
    merge's transaction. An event staged twice (revised while the load ran, or a task that
    ran twice) makes the key fail: it is reduced to its newest version, and the key built."""
    with db.connection() as conn:
        _verify_staged(conn, plan)
    building = plan.staging_events
    with ThreadPoolExecutor(INDEX_BUILDERS) as pool:
        built = {name: pool.submit(_build_index, db, building, name) for name in INDEXES}
        summary = pool.submit(_summary, db, building)
        duplicates = _staged_twice(built)
        found = summary.result()
    if duplicates:
        with db.connection() as conn:
            conn.execute(query("acled/dedupe", table=staged(building)))
        _build_index(db, building, "pk")
        found = _summary(db, building)
    with db.connection() as conn:
        conn.execute(query("vector/analyze", table=staged(building)))
    return found


def _staged_twice(built: dict) -> bool:
    try:
        built.pop("pk").result()
    except psycopg.errors.UniqueViolation:
        return True
    finally:
        for future in built.values():
            future.result()
    return False


def _build_index(db: Database, building: str, name: str) -> None:
    column, method, unique = INDEXES[name]
    with db.connection() as conn:
        conn.execute(
            query(
                "acled/build_index",
                unique=pgsql.SQL("UNIQUE" if unique else ""),
                index=pgsql.Identifier(_index_name(building, name)),
                table=staged(building),
                method=pgsql.SQL(method),
                column=pgsql.Identifier(column),
            )
        )


def _index_name(building: str, name: str) -> str:
    moved = staging_indexes(building)
    return {"pk": moved["primary_key"], "gix": moved["spatial"]}.get(name, f"{building}_{name}")


def _summary(db: Database, building: str) -> dict:
    with db.connection() as conn:
        return conn.execute(query("acled/built_summary", table=staged(building))).fetchone()


def merge_events(
    conn: psycopg.Connection, target: Target, plan: EventsPlan, built: dict | None = None
) -> Merged:
    """`built`: a full load's summary from prepare_full_load."""
    conn.execute(sql("vector/lock_table_name"), {"base_name": target.table})
    _verify_unchanged(conn, target)
    _verify_staged(conn, plan)
    claim_for_job(
        conn,
        target.job_id,
        [table(target.table), stac_collection(target.collection_id, mode="shared")],
    )
    merged, extent = (
        _full(conn, target, plan, built) if plan.mode == "full" else _increment(conn, target, plan)
    )
    _catalog(conn, target, merged.version, extent)
    drop_staging(
        conn, plan.staging_events, plan.staging_deleted
    )  # a full load's events table is the target now
    forget_token(conn, target.job_id)
    return merged


def _verify_unchanged(conn: psycopg.Connection, target: Target) -> None:
    row = conn.execute(sql("acled/lock_version"), {"dataset_id": target.dataset_id}).fetchone()
    if row is None or row["source_version"] != target.previous_version:
        raise InvalidInput(
            f"another update of {target.dataset_id} changed its table since this one began; "
            "run the update again"
        )


def _verify_staged(conn: psycopg.Connection, plan: EventsPlan) -> None:
    for name in (plan.staging_events, plan.staging_deleted):
        if not _exists(conn, f"geo_staging.{name}"):
            raise InvalidInput(
                f"the events this update read are gone (staging table {name}); run the update again"
            )


# -- full load -------------------------------------------------------------------------------


def _full(
    conn: psycopg.Connection, target: Target, plan: EventsPlan, summary: dict
) -> tuple[Merged, Extent]:
    building = plan.staging_events
    before = _row_count(conn, target.table) or 0
    move_table(
        conn,
        TableChoice(
            kind="acled", table_name=target.table, staging_table=building, rows=summary["rows"]
        ),
    )
    _rename_built(conn, building, target.table)
    # Nothing found (an empty scope): the check's time stands in for ACLED's newest stamp.
    newest = summary["newest_timestamp"] or plan.checked_at
    version = str(Held(newest, newest, plan.scope))
    applied = Applied(
        added=summary["rows"], updated=0, deleted=before, total=summary["rows"], variant=None
    )
    details = _details(
        plan, summary["rows"], 0, summary["without_point"], summary["without_point_sample"]
    )
    dates = conn.execute(
        query("acled/date_range", table=pgsql.Identifier(TARGET_SCHEMA, target.table))
    ).fetchone()
    return Merged(applied, version, details), Extent(
        summary["rows"], _bbox(summary), *_instants(dates)
    )


def _rename_built(conn: psycopg.Connection, building: str, final: str) -> None:
    names = {
        f"{name}_index": pgsql.Identifier(TARGET_SCHEMA, _index_name(building, name))
        for name in FINAL_SUFFIXES
    }
    finals = {
        f"{name}_final": pgsql.Identifier(final_index_name(final, suffix))
        for name, suffix in FINAL_SUFFIXES.items()
    }
    conn.execute(
        query(
            "acled/rename_built",
            **names,
            **finals,
            sequence=pgsql.Identifier(TARGET_SCHEMA, f"{building}_id_seq"),
            sequence_final=pgsql.Identifier(final_index_name(final, "id_seq")),
        )
    )


# -- increment -------------------------------------------------------------------------------


def _increment(conn: psycopg.Connection, target: Target, plan: EventsPlan) -> tuple[Merged, Extent]:
    if not _exists(conn, f"{TARGET_SCHEMA}.{target.table}"):
        raise InvalidInput(
            f"{TARGET_SCHEMA}.{target.table} is gone since this update's check; run the update again"
        )
    tables = {
        "staged": staged(plan.staging_events),
        "deleted": staged(plan.staging_deleted),
        "target": pgsql.Identifier(TARGET_SCHEMA, target.table),
    }
    scope = {"start_date": plan.start_date, "countries": plan.countries}
    changed = conn.execute(_upsert(tables), scope).fetchone()
    deleted = conn.execute(query("acled/delete", **tables), scope).fetchone()["deleted"]
    read = conn.execute(query("acled/read_stamps", **tables)).fetchone()
    version = str(
        Held(
            max(plan.held_timestamp, read["newest_timestamp"]),
            max(plan.held_deleted_timestamp, read["newest_deleted"]),
            plan.scope,
        )
    )
    held = catalog.get_vector_metadata(conn, target.table)
    # Carried forward from the catalog (written with every update); a table nobody catalogued is counted once.
    total = (
        held.feature_count + changed["added"] - deleted
        if held
        else _row_count(conn, target.table) or 0
    )
    applied = Applied(
        added=changed["added"],
        updated=changed["updated"],
        deleted=deleted,
        total=total,
        variant=None,
    )
    details = _details(
        plan,
        read["events_read"],
        read["deletions_read"],
        changed["without_point"],
        changed["without_point_sample"],
    )
    dates = conn.execute(query("acled/date_range", table=tables["target"])).fetchone()
    return Merged(applied, version, details), Extent(
        total, _widened(held.bbox if held else None, _bbox(changed)), *_instants(dates)
    )


def _upsert(tables: dict) -> pgsql.Composed:
    columns = [pgsql.Identifier(name) for name in FIELD_NAMES]
    return query(
        "acled/upsert",
        **tables,
        columns=pgsql.SQL(", ").join(columns),
        excluded=pgsql.SQL(", ").join(pgsql.SQL("excluded.{}").format(c) for c in columns),
        current=pgsql.SQL(", ").join(pgsql.SQL("t.{}").format(c) for c in columns),
    )


def _widened(held: tuple | None, changed: tuple | None) -> tuple | None:
    """The extent held, widened by the rows this update wrote."""
    boxes = [box for box in (held, changed) if box]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# -- catalog ---------------------------------------------------------------------------------


def _catalog(conn: psycopg.Connection, target: Target, version: str, extent: Extent) -> None:
    """Metadata row and STAC item, as every curated table has (the OGC API reads the row)."""
    meta = VectorMetadata(
        id=target.table,
        title=target.title,
        description=target.description,
        bbox=extent.bbox,
        temporal_start=extent.first_date,
        temporal_end=extent.last_date,
        temporal_property="event_date",
        license="proprietary",
        providers=[ACLED, PROVIDER],
        keywords=["curated", target.dataset_id, "acled", "conflict"],
        etl_job_id=target.job_id,
        stac_collection_id=target.collection_id,
        feature_count=extent.rows,
        geometry_type="Point",
        source_crs="EPSG:4326",
        columns=column_definitions(),
        custom_properties={
            "geoetl:curated_dataset": target.dataset_id,
            "geoetl:source_version": version,
        },
    )
    stac_catalog.ensure_collection(conn, vectors_collection(target.collection_id))
    catalog.save_vector_metadata(conn, meta, base_name=target.table, attempt=target.attempt)
    stac_catalog.upsert_item(conn, meta.to_stac_item())


def _details(
    plan: EventsPlan, events_read: int, deletions_read: int, without_point: int, sample
) -> dict:
    return {
        "mode": plan.mode,
        "events_read": events_read,
        "deletions_read": deletions_read,
        "events_without_point": without_point,
        "events_without_point_sample": list(sample or []),
    }


def _bbox(row: dict) -> tuple[float, float, float, float] | None:
    box = (row["west"], row["south"], row["east"], row["north"])
    return None if None in box else box


def _instants(dates: dict) -> tuple[datetime | None, datetime | None]:
    return tuple(
        datetime.combine(d, time(), tzinfo=timezone.utc) if d else None
        for d in (dates["first_date"], dates["last_date"])
    )


def _row_count(conn: psycopg.Connection, table_name: str) -> int | None:
    if not _exists(conn, f"{TARGET_SCHEMA}.{table_name}"):
        return None
    return conn.execute(
        query("curated/count_rows", table=pgsql.Identifier(TARGET_SCHEMA, table_name))
    ).fetchone()["n"]


def _exists(conn: psycopg.Connection, qualified: str) -> bool:
    return conn.execute(sql("vector/table_exists"), {"qualified": qualified}).fetchone()["present"]
