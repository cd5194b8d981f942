"""Publishing a load: staging tables become `geo` tables, with their metadata, STAC item
and dataset references, in one transaction. Readers see the old table or the new one,
never a missing, empty or partial one; running it again after it committed changes nothing."""

import hashlib
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
from services.vector.models import InspectResult, LayerGroup, ProcessVectorParams
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


# Room a layer's table name leaves for the longest kind suffix ("_polygons").
LAYER_NAME_ROOM = MAX_IDENTIFIER - len("_polygons")


@dataclass(frozen=True)
class TableChoice:
    kind: str
    table_name: str
    staging_table: str
    rows: int
    group: int = 0
    layers: tuple[str, ...] = ()


def choose_tables(
    base: str, plan: InspectResult, per_group: dict[int, ChunkReport], warnings: list[str]
) -> list[TableChoice]:
    """Per layer group: one kind → its table is the group's name (`base`, or
    `base_<layer>` for all_layers); several → `<name>_points`, `_lines`, `_polygons`."""
    choices = []
    for index, group in enumerate(plan.groups):
        totals = per_group.get(index, ChunkReport(chunk=-1))
        name = group_table_name(base, group)
        kinds = [k for k in KINDS if totals.rows.get(k)]
        for kind in kinds:
            table = name if len(kinds) == 1 else kind_table_name(name, kind)
            if not table.startswith(name):
                warnings.append(
                    f"table name {name!r} shortened to {table!r} to fit the suffix _{kind}"
                )
            choices.append(
                TableChoice(
                    kind, table, group.staging[kind], totals.rows[kind], index, tuple(group.layers)
                )
            )
    return choices


def group_table_name(base: str, group: LayerGroup) -> str:
    """`base` for the one group of a plain load; `base_<layer>` for an all_layers group,
    ended by a digest of the layer's name where the two together would not leave room
    for a kind suffix (so two long layer names never meet in one table name)."""
    if group.name is None:
        return base
    name = f"{base}_{group.name}"
    if len(name) <= LAYER_NAME_ROOM:
        return name
    digest = hashlib.sha1(group.name.encode()).hexdigest()[:6]
    return f"{name[: LAYER_NAME_ROOM - 7].rstrip('_')}_{digest}"


def kind_table_name(base: str, kind: str) -> str:
    """`base_points` etc., the base shortened when the suffix would not fit an identifier."""
    suffix = f"_{kind}"
    return base[: MAX_IDENTIFIER - len(suffix)] + suffix


def candidate_tables(base: str) -> list[str]:
    """Every table a load named `base` may publish from one layer group (claimed at submit)."""
    return [base] + [kind_table_name(base, kind) for kind in KINDS]


def claimed_tables(base: str, plan: InspectResult) -> list[str]:
    """Every table this load may publish, once its layers are known (claimed at inspection
    and again at publish): the submit-time names, and each layer group's."""
    names = dict.fromkeys(candidate_tables(base))
    for group in plan.groups:
        names.update(dict.fromkeys(candidate_tables(group_table_name(base, group))))
    return list(names)


def vector_metadata(
    choice: TableChoice,
    params: ProcessVectorParams,
    plan: InspectResult,
    totals: ChunkReport,
    job_id: str,
    collection_id: str,
) -> VectorMetadata:
    group = plan.groups[choice.group]
    temporal = group.temporal_property is not None and totals.temporal_min is not None
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
        source_crs=group.source_crs if group.source_crs.startswith("EPSG:") else "custom (WKT)",
        temporal_property=group.temporal_property if temporal else None,
        columns=[
            ColumnDefinition(name=c.name, type=c.pg_type, source_name=c.source_name)
            for c in group.columns
        ],
        custom_properties={
            "geoetl:source": f"{plan.source['container']}/{plan.source['blob_name']}",
            "geoetl:source_format": plan.source["format"],
            **({"geoetl:source_layers": list(choice.layers)} if group.name is not None else {}),
        },
    )


def vectors_collection(collection_id: str) -> dict:
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": collection_id,
        "title": "Vector tables",
        "description": "Clean PostGIS tables published by GeoETL's vector ETL",
        "license": "various",
        "links": [],
        "extent": {
            "spatial": {"bbox": [[-180, -90, 180, 90]]},
            "temporal": {"interval": [[None, None]]},
        },
    }


def analyze(conn: psycopg.Connection, choices: list[TableChoice]) -> None:
    for choice in choices:
        conn.execute(query("vector/analyze", table=staged(choice.staging_table)))


def already_published(
    conn: psycopg.Connection, choices: list[TableChoice], job_id: str, attempt: int
) -> bool:
    """True when a previous run of this publish committed (staging gone, tables ours)."""
    for choice in choices:
        staging_left = conn.execute(
            sql("vector/table_exists"), {"qualified": f"geo_staging.{choice.staging_table}"}
        ).fetchone()["present"]
        if staging_left or catalog.published_attempt(conn, choice.table_name) != (job_id, attempt):
            return False
    return True


def swap_in(
    conn: psycopg.Connection,
    base: str,
    claimed: list[str],
    choices: list[TableChoice],
    metadata: list[VectorMetadata],
    refs: list[ExternalRefs],
    collection: dict,
    *,
    job_id: str,
    attempt: int,
) -> None:
    """The atomic publish (the caller's transaction): check the job still owns the names
    (`claimed`: every name it may publish), replace the tables an earlier load of `base`
    published, move the staging tables in, write metadata, STAC items and refs."""
    conn.execute(sql("vector/lock_table_name"), {"base_name": base})
    claim_for_job(
        conn,
        job_id,
        [table_claim(name) for name in claimed]
        + [stac_collection(collection["id"], mode="shared")],
    )
    stac_catalog.ensure_collection(conn, collection)
    new_names = {c.table_name for c in choices}
    for stale in catalog.tables_of_base(conn, base):
        if stale not in new_names:
            retire_table(conn, stale, collection["id"])
    for choice, meta in zip(choices, metadata, strict=True):
        move_table(conn, choice)
        catalog.save_vector_metadata(conn, meta, base_name=base, attempt=attempt)
        stac_catalog.upsert_item(conn, meta.to_stac_item())
    for ref in refs:
        catalog.save_dataset_ref(conn, ref)


def move_table(conn: psycopg.Connection, choice: TableChoice) -> None:
    """Staging table (with its `_pk` and `_gix` indexes) → geo, replacing the table of that
    name (the caller's transaction; curated updates reuse it for the tables they build)."""
    indexes = staging_indexes(choice.staging_table)
    conn.execute(
        query(
            "vector/publish_table",
            final=pgsql.Identifier("geo", choice.table_name),
            staging=staged(choice.staging_table),
            staging_pk_index=staged(indexes["primary_key"]),
            staging_spatial_index=staged(indexes["spatial"]),
            pk_index_name=pgsql.Identifier(final_index_name(choice.table_name, "pkey")),
            spatial_index_name=pgsql.Identifier(final_index_name(choice.table_name, "geom_idx")),
            final_name=pgsql.Identifier(choice.table_name),
            renamed=staged(choice.table_name),
        )
    )


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
    for table in [t for group in plan.groups for t in group.staging.values()]:
        conn.execute(query("vector/drop_table", table=staged(table)))
        conn.execute(sql("vector/forget_staging"), {"staging_table": table})
    conn.execute(sql("vector/clear_chunks"), {"job_id": job_id, "attempt": attempt})


def nothing_to_publish(totals: ChunkReport) -> InvalidInput:
    reasons = (
        ", ".join(f"{count} {reason}" for reason, count in sorted(totals.dropped.items())) or "none"
    )
    return InvalidInput(
        f"no features left to publish: all {totals.features_read} were dropped ({reasons})"
    )
