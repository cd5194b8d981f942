"""Publishing a load: staging tables become `geo` tables, with their metadata, STAC item
and dataset references, in one transaction. Readers see the old table or the new one,
never a missing, empty or partial one; running it again after it committed changes nothing."""

import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql as pgsql

from core.errors import InvalidInput
from core.models.metadata import ColumnDefinition, ExternalRefs, Provider, VectorMetadata
from core.ownership import stac_collection
from core.ownership import table as table_claim
from infrastructure.db import catalog, stac_catalog
from infrastructure.db.queries import sql
from services.access.ownership import claim_for_job
from services.vector.models import InspectResult, ProcessVectorParams
from services.vector.report import KINDS, ChunkReport
from services.vector.staging import (
    GEOMETRY_TYPES,
    MAX_IDENTIFIER,
    final_index_name,
    query,
    staged,
    staging_indexes,
)

log = logging.getLogger(__name__)
PROVIDER = Provider(name="GeoETL", roles=["processor", "host"])


@dataclass(frozen=True)
class TableChoice:
    kind: str
    table_name: str
    staging_table: str
    rows: int


def choose_tables(base: str, plan: InspectResult, totals: ChunkReport, warnings: list[str]) -> list[TableChoice]:
    """One kind: the table is `base`. Several: `base_points`, `base_lines`, `base_polygons`."""
    kinds = [k for k in KINDS if totals.rows.get(k)]
    if len(kinds) == 1:
        return [TableChoice(kinds[0], base, plan.staging[kinds[0]], totals.rows[kinds[0]])]
    choices = []
    for kind in kinds:
        name = kind_table_name(base, kind)
        if not name.startswith(base):
            warnings.append(f"table name {base!r} shortened to {name!r} to fit the suffix _{kind}")
        choices.append(TableChoice(kind, name, plan.staging[kind], totals.rows[kind]))
    return choices


def kind_table_name(base: str, kind: str) -> str:
    """`base_points` etc., the base shortened when the suffix would not fit an identifier."""
    suffix = f"_{kind}"
    return base[: MAX_IDENTIFIER - len(suffix)] + suffix


def candidate_tables(base: str) -> list[str]:
    """Every table a load named `base` may publish (claimed together at submit)."""
    return [base] + [kind_table_name(base, kind) for kind in KINDS]


def vector_metadata(choice: TableChoice, params: ProcessVectorParams, plan: InspectResult, totals: ChunkReport,
                    job_id: str, collection_id: str) -> VectorMetadata:
    temporal = plan.temporal_property is not None and totals.temporal_min is not None
    return VectorMetadata(
        id=choice.table_name,
        title=params.title or choice.table_name,
        description=params.description,
        bbox=tuple(totals.bbox[choice.kind]),
        temporal_start=totals.temporal_min if temporal else None,
        temporal_end=totals.temporal_max if temporal else None,
        license=params.license,
        providers=[PROVIDER],
        keywords=params.keywords,
        etl_job_id=job_id,
        stac_collection_id=collection_id,
        feature_count=choice.rows,
        geometry_type=GEOMETRY_TYPES[choice.kind],
        source_crs=plan.source_crs if plan.source_crs.startswith("EPSG:") else "custom (WKT)",
        temporal_property=plan.temporal_property if temporal else None,
        columns=[ColumnDefinition(name=c.name, type=c.pg_type, source_name=c.source_name) for c in plan.columns],
        custom_properties={"geoetl:source": f"{plan.source['container']}/{plan.source['blob_name']}",
                           "geoetl:source_format": plan.source["format"]},
    )


def vectors_collection(collection_id: str) -> dict:
    return {
        "type": "Collection", "stac_version": "1.0.0", "id": collection_id,
        "title": "Vector tables", "description": "Clean PostGIS tables published by GeoETL's vector ETL",
        "license": "various", "links": [],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
    }


def analyze(conn: psycopg.Connection, choices: list[TableChoice]) -> None:
    for choice in choices:
        conn.execute(query("vector/analyze", table=staged(choice.staging_table)))


def already_published(conn: psycopg.Connection, choices: list[TableChoice], job_id: str, attempt: int) -> bool:
    """True when a previous run of this publish committed (staging gone, tables ours)."""
    for choice in choices:
        staging_left = conn.execute(sql("vector/table_exists"),
                                    {"qualified": f"geo_staging.{choice.staging_table}"}).fetchone()["present"]
        if staging_left or catalog.published_attempt(conn, choice.table_name) != (job_id, attempt):
            return False
    return True


def swap_in(conn: psycopg.Connection, base: str, choices: list[TableChoice], metadata: list[VectorMetadata],
            refs: list[ExternalRefs], collection: dict, *, job_id: str, attempt: int) -> None:
    """The atomic publish (the caller's transaction): check the job still owns the names,
    replace the tables an earlier load of `base` published, move the staging tables in,
    write metadata, STAC items and refs."""
    conn.execute(sql("vector/lock_table_name"), {"base_name": base})
    claim_for_job(conn, job_id, [table_claim(name) for name in candidate_tables(base)]
                  + [stac_collection(collection["id"], mode="shared")])
    stac_catalog.ensure_collection(conn, collection)
    new_names = {c.table_name for c in choices}
    for stale in catalog.tables_of_base(conn, base):
        if stale not in new_names:
            retire_table(conn, stale, collection["id"])
    for choice, meta in zip(choices, metadata):
        move_table(conn, choice)
        catalog.save_vector_metadata(conn, meta, base_name=base, attempt=attempt)
        stac_catalog.upsert_item(conn, meta.to_stac_item())
    for ref in refs:
        catalog.save_dataset_ref(conn, ref)


def move_table(conn: psycopg.Connection, choice: TableChoice) -> None:
    """Staging table (with its `_pk` and `_gix` indexes) → geo, replacing the table of that
    name (the caller's transaction; curated updates reuse it for the tables they build)."""
    indexes = staging_indexes(choice.staging_table)
    conn.execute(query(
        "vector/publish_table",
        final=pgsql.Identifier("geo", choice.table_name),
        staging=staged(choice.staging_table),
        staging_pk_index=staged(indexes["primary_key"]),
        staging_spatial_index=staged(indexes["spatial"]),
        pk_index_name=pgsql.Identifier(final_index_name(choice.table_name, "pkey")),
        spatial_index_name=pgsql.Identifier(final_index_name(choice.table_name, "geom_idx")),
        final_name=pgsql.Identifier(choice.table_name),
        renamed=staged(choice.table_name),
    ))


def retire_table(conn: psycopg.Connection, table_name: str, collection_id: str) -> None:
    """A table an earlier load of the same name published that this load does not (e.g.
    the source no longer has lines), or a curated update's intermediate table: dropped
    with its catalog entries."""
    conn.execute(query("vector/drop_table", table=pgsql.Identifier("geo", table_name)))
    catalog.delete_vector_metadata(conn, table_name)
    catalog.delete_dataset_ref(conn, table_name, "vector")
    if stac_catalog.get_item(conn, collection_id, table_name) is not None:
        stac_catalog.delete_item(conn, collection_id, table_name)


def drop_staging(conn: psycopg.Connection, plan: InspectResult, job_id: str, attempt: int) -> None:
    for table in plan.staging.values():
        conn.execute(query("vector/drop_table", table=staged(table)))
        conn.execute(sql("vector/forget_staging"), {"staging_table": table})
    conn.execute(sql("vector/clear_chunks"), {"job_id": job_id, "attempt": attempt})


def nothing_to_publish(totals: ChunkReport) -> InvalidInput:
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(totals.dropped.items())) or "none"
    return InvalidInput(f"no features left to publish: all {totals.features_read} were dropped ({reasons})")
