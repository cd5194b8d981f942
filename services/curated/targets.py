"""A curated dataset's target table, built from what the vector pipeline published.

`replace` (full_replace with a target schema): the table is built in geo_staging from
the published tables and swapped in with the vector pipeline's own move (drop old,
rename new) — readers see the old rows or the new ones, never an empty or missing table.
`upsert`: rows with a new key are inserted and existing keys updated in place.
Both run in the caller's transaction, which also retires the intermediate tables and
writes the target's metadata and STAC item: the update lands whole or not at all.
"""

from dataclasses import dataclass

import psycopg
from psycopg import sql as pgsql

from core.errors import InvalidInput
from core.models.metadata import ColumnDefinition, VectorMetadata
from infrastructure.db import catalog, stac_catalog
from infrastructure.db.queries import sql
from services.curated.schemas import TargetSchema
from services.curated.shaping import Shaped, check_keys, shape, table_columns
from services.vector.publishing import TableChoice, move_table, retire_table
from services.vector.staging import (
    GEOMETRY_TYPES,
    final_index_name,
    query,
    staged,
    staging_indexes,
    staging_name,
)

TARGET_SCHEMA = "geo"


@dataclass(frozen=True)
class TargetPlan:
    dataset_id: str
    target_table: str
    incoming: dict[str, str]  # published table → geometry kind
    schema: TargetSchema | None
    key_columns: list[str]
    title: str
    description: str | None
    version: str
    job_id: str
    attempt: int  # the job attempt
    collection_id: str


@dataclass(frozen=True)
class Applied:
    added: int
    updated: int
    deleted: int
    total: int
    variant: str | None


def lock_and_verify(conn: psycopg.Connection, plan: TargetPlan, incoming_base: str) -> None:
    """Serializes with the vector publish of the intermediate tables and with any other
    update of the target; refuses to apply tables another job published since."""
    for base in sorted({incoming_base, plan.target_table}):
        conn.execute(sql("vector/lock_table_name"), {"base_name": base})
    for table in plan.incoming:
        owner, _ = catalog.published_attempt(conn, table)
        if owner != plan.job_id:
            raise InvalidInput(
                f"{table} is no longer this update's data (another update of {plan.dataset_id} "
                "published it since); run the update again"
            )


def replace(conn: psycopg.Connection, plan: TargetPlan) -> Applied:
    before = _extent(conn, plan.target_table)
    shaped = shape(conn, list(plan.incoming), plan.schema)
    geometry_type = _geometry_type(plan)
    building = _create(conn, plan, shaped, geometry_type)
    conn.execute(
        query(
            "curated/insert_shaped",
            table=staged(building),
            columns=_names(shaped),
            shaped=shaped.select,
        ),
        shaped.params | {"first_id": 0},
    )
    rows = _finish_building(conn, plan, building)
    _catalog(conn, plan, shaped, geometry_type)
    return Applied(
        added=rows,
        updated=0,
        deleted=before["rows"] if before else 0,
        total=rows,
        variant=shaped.variant,
    )


def upsert(conn: psycopg.Connection, plan: TargetPlan) -> Applied:
    shaped = shape(conn, list(plan.incoming), plan.schema)
    check_keys(shaped, plan.key_columns)
    existing = _extent(conn, plan.target_table)
    geometry_type = _geometry_type(plan)
    if existing is None:
        building = _create(conn, plan, shaped, geometry_type)
        _key_index(conn, plan, staged(building))
        counts = _upsert_into(conn, plan, shaped, staged(building), first_id=0)
        _finish_building(conn, plan, building)
    else:
        target = pgsql.Identifier(TARGET_SCHEMA, plan.target_table)
        _add_new_columns(conn, plan.target_table, shaped)
        _key_index(conn, plan, target)
        counts = _upsert_into(conn, plan, shaped, target, first_id=existing["max_id"])
        geometry_type = _column_geometry_type(conn, plan.target_table) or geometry_type
    total = _extent(conn, plan.target_table)["rows"]
    _catalog(conn, plan, shaped, geometry_type)
    return Applied(
        added=counts["added"],
        updated=counts["updated"],
        deleted=0,
        total=total,
        variant=shaped.variant,
    )


def _create(conn: psycopg.Connection, plan: TargetPlan, shaped: Shaped, geometry_type: str) -> str:
    building = staging_name(plan.job_id, plan.attempt, "curated")
    conn.execute(query("vector/drop_table", table=staged(building)))
    columns = pgsql.SQL("").join(
        pgsql.SQL(", {} {}").format(pgsql.Identifier(c.name), pgsql.SQL(c.pg_type))
        for c in shaped.columns
    )
    conn.execute(
        query(
            "curated/create_target",
            table=staged(building),
            geometry_type=pgsql.SQL(geometry_type),
            columns=columns,
        )
    )
    return building


def _finish_building(conn: psycopg.Connection, plan: TargetPlan, building: str) -> int:
    """Indexes under the names the vector move expects, statistics, then the swap."""
    indexes = staging_indexes(building)
    conn.execute(
        query(
            "vector/primary_key_index",
            index=pgsql.Identifier(indexes["primary_key"]),
            table=staged(building),
        )
    )
    conn.execute(
        query(
            "vector/spatial_index",
            index=pgsql.Identifier(indexes["spatial"]),
            table=staged(building),
        )
    )
    conn.execute(query("vector/analyze", table=staged(building)))
    rows = conn.execute(query("curated/extent", table=staged(building))).fetchone()["rows"]
    move_table(
        conn,
        TableChoice(
            kind="curated", table_name=plan.target_table, staging_table=building, rows=rows
        ),
    )
    return rows


def _add_new_columns(conn: psycopg.Connection, table: str, shaped: Shaped) -> None:
    """Only when the source gained a column: ALTER TABLE would lock readers out."""
    present = table_columns(conn, TARGET_SCHEMA, table)
    for column in shaped.columns:
        if column.name not in present:
            conn.execute(
                query(
                    "curated/add_column",
                    table=pgsql.Identifier(TARGET_SCHEMA, table),
                    column=pgsql.Identifier(column.name),
                    type=pgsql.SQL(column.pg_type),
                )
            )


def _key_index(conn: psycopg.Connection, plan: TargetPlan, table: pgsql.Composable) -> None:
    name = pgsql.Identifier(final_index_name(plan.target_table, "key"))
    conn.execute(
        query("curated/key_index", index=name, table=table, keys=_identifiers(plan.key_columns))
    )


def _upsert_into(
    conn: psycopg.Connection,
    plan: TargetPlan,
    shaped: Shaped,
    table: pgsql.Composable,
    first_id: int,
) -> dict:
    names = [c.name for c in shaped.columns]
    statement = query(
        "curated/upsert",
        table=table,
        shaped=shaped.select,
        keys=_identifiers(plan.key_columns),
        columns=_identifiers(names),
        excluded=pgsql.SQL(", ").join(pgsql.Identifier("excluded", n) for n in names),
        current=pgsql.SQL(", ").join(pgsql.Identifier("t", n) for n in names),
    )
    return conn.execute(statement, shaped.params | {"first_id": first_id}).fetchone()


def _catalog(
    conn: psycopg.Connection, plan: TargetPlan, shaped: Shaped, geometry_type: str
) -> None:
    """The target's metadata and STAC item (from the intermediate's, which the vector
    publish wrote); the intermediate tables and their entries go."""
    published = catalog.get_vector_metadata(conn, next(iter(plan.incoming)))
    extent = _extent(conn, plan.target_table)
    bbox = (
        (extent["west"], extent["south"], extent["east"], extent["north"])
        if extent["rows"]
        else None
    )
    meta = VectorMetadata(
        id=plan.target_table,
        title=plan.title,
        description=plan.description,
        bbox=bbox,
        license=published.license if published else None,
        providers=published.providers if published else [],
        keywords=published.keywords if published else [],
        etl_job_id=plan.job_id,
        stac_collection_id=plan.collection_id,
        feature_count=extent["rows"],
        geometry_type=geometry_type,
        source_crs=published.source_crs if published else None,
        columns=[
            ColumnDefinition(
                name=c.name, type=c.pg_type, source_name=c.source, description=c.description
            )
            for c in shaped.columns
        ],
        custom_properties={
            **(published.custom_properties if published else {}),
            "geoetl:curated_dataset": plan.dataset_id,
            "geoetl:source_version": plan.version,
            **({"geoetl:source_schema": shaped.variant} if shaped.variant else {}),
        },
    )
    catalog.save_vector_metadata(conn, meta, base_name=plan.target_table, attempt=plan.attempt)
    stac_catalog.upsert_item(conn, meta.to_stac_item())
    for table in plan.incoming:
        retire_table(conn, table, plan.collection_id)


def _extent(conn: psycopg.Connection, table: str) -> dict | None:
    """Row count, bbox and largest id of geo.<table>; None when it does not exist."""
    if not conn.execute(
        sql("vector/table_exists"), {"qualified": f"{TARGET_SCHEMA}.{table}"}
    ).fetchone()["present"]:
        return None
    return conn.execute(
        query("curated/extent", table=pgsql.Identifier(TARGET_SCHEMA, table))
    ).fetchone()


def _geometry_type(plan: TargetPlan) -> str:
    """One kind: its Multi type, as the vector pipeline's tables have; several (WDPA's
    polygons and points): any geometry, so one table holds them all."""
    kinds = set(plan.incoming.values())
    return GEOMETRY_TYPES[kinds.pop()] if len(kinds) == 1 else "Geometry"


def _column_geometry_type(conn: psycopg.Connection, table: str) -> str | None:
    row = conn.execute(
        sql("curated/geometry_type"), {"schema": TARGET_SCHEMA, "table": table}
    ).fetchone()
    return row["type"] if row else None


def _names(shaped: Shaped) -> pgsql.Composable:
    return _identifiers([c.name for c in shaped.columns])


def _identifiers(names: list[str]) -> pgsql.Composable:
    return pgsql.SQL(", ").join(pgsql.Identifier(n) for n in names)
