"""Repositories of the catalog tables: geo.table_metadata and app.dataset_refs.
They take and return the unified metadata models (core.models.metadata), never dicts."""

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from core.models.metadata import ColumnDefinition, DDHRefs, ExternalRefs, Provider, VectorMetadata
from infrastructure.db.queries import sql


def save_vector_metadata(
    conn: psycopg.Connection, meta: VectorMetadata, *, base_name: str, attempt: int | None
) -> VectorMetadata:
    west, south, east, north = meta.bbox or (None, None, None, None)
    row = conn.execute(
        sql("catalog/upsert_table_metadata"),
        {
            "table_name": meta.id,
            "base_name": base_name,
            "title": meta.title,
            "description": meta.description,
            "bbox_west": west,
            "bbox_south": south,
            "bbox_east": east,
            "bbox_north": north,
            "temporal_start": meta.temporal_start,
            "temporal_end": meta.temporal_end,
            "temporal_property": meta.temporal_property,
            "license": meta.license,
            "keywords": meta.keywords,
            "providers": Jsonb([p.model_dump(exclude_none=True) for p in meta.providers]),
            "feature_count": meta.feature_count,
            "geometry_type": meta.geometry_type,
            "source_crs": meta.source_crs,
            "column_names": [c.name for c in meta.columns],
            "column_types": [c.type for c in meta.columns],
            "column_source_names": [c.source_name or c.name for c in meta.columns],
            "etl_job_id": meta.etl_job_id,
            "etl_job_attempt": attempt,
            "stac_collection_id": meta.stac_collection_id,
            "custom_properties": Jsonb(meta.custom_properties),
        },
    ).fetchone()
    return vector_metadata(row)


def get_vector_metadata(conn: psycopg.Connection, table_name: str) -> VectorMetadata | None:
    row = conn.execute(sql("catalog/get_table_metadata"), {"table_name": table_name}).fetchone()
    return vector_metadata(row) if row else None


def published_attempt(conn: psycopg.Connection, table_name: str) -> tuple[str | None, int | None]:
    """(job id, job attempt) that last published the table."""
    row = conn.execute(sql("catalog/get_table_metadata"), {"table_name": table_name}).fetchone()
    return (row["etl_job_id"], row["etl_job_attempt"]) if row else (None, None)


def list_vector_metadata(
    conn: psycopg.Connection, *, limit: int, offset: int
) -> tuple[list[VectorMetadata], int]:
    rows = conn.execute(
        sql("catalog/list_table_metadata"), {"limit": limit, "offset": offset}
    ).fetchall()
    total = conn.execute(sql("catalog/count_table_metadata")).fetchone()["total"]
    return [vector_metadata(r) for r in rows], total


def tables_of_base(conn: psycopg.Connection, base_name: str) -> list[str]:
    return [
        r["table_name"]
        for r in conn.execute(sql("catalog/previous_tables"), {"base_name": base_name}).fetchall()
    ]


def delete_vector_metadata(conn: psycopg.Connection, table_name: str) -> None:
    conn.execute(sql("catalog/delete_table_metadata"), {"table_name": table_name})


def vector_metadata(row: dict[str, Any]) -> VectorMetadata:
    bbox = (row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"])
    return VectorMetadata(
        id=row["table_name"],
        title=row["title"],
        description=row["description"],
        bbox=None if None in bbox else bbox,
        temporal_start=row["temporal_start"],
        temporal_end=row["temporal_end"],
        license=row["license"],
        providers=[Provider(**p) for p in row["providers"]],
        keywords=list(row["keywords"]),
        etl_job_id=row["etl_job_id"],
        stac_collection_id=row["stac_collection_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        custom_properties=row["custom_properties"],
        feature_count=row["feature_count"],
        geometry_type=row["geometry_type"],
        source_crs=row["source_crs"],
        temporal_property=row["temporal_property"],
        columns=[
            ColumnDefinition(name=n, type=t, source_name=s)
            for n, t, s in zip(
                row["column_names"], row["column_types"], row["column_source_names"], strict=True
            )
        ],
    )


def save_dataset_ref(conn: psycopg.Connection, refs: ExternalRefs) -> ExternalRefs:
    ddh = refs.ddh
    row = conn.execute(
        sql("catalog/upsert_dataset_ref"),
        {
            "dataset_id": refs.dataset_id,
            "data_type": refs.data_type,
            "ddh_dataset_id": ddh.dataset_id if ddh else None,
            "ddh_resource_id": ddh.resource_id if ddh else None,
            "ddh_version_id": ddh.version_id if ddh else None,
            "other_refs": Jsonb(refs.other_refs),
        },
    ).fetchone()
    return external_refs(row)


def dataset_refs(conn: psycopg.Connection, dataset_ids: list[str]) -> list[ExternalRefs]:
    rows = conn.execute(sql("catalog/dataset_refs"), {"dataset_ids": dataset_ids}).fetchall()
    return [external_refs(r) for r in rows]


def delete_dataset_ref(conn: psycopg.Connection, dataset_id: str, data_type: str) -> None:
    conn.execute(
        sql("catalog/delete_dataset_ref"), {"dataset_id": dataset_id, "data_type": data_type}
    )


def external_refs(row: dict[str, Any]) -> ExternalRefs:
    ddh = None
    if row["ddh_dataset_id"] is not None:
        ddh = DDHRefs(
            dataset_id=row["ddh_dataset_id"],
            resource_id=row["ddh_resource_id"],
            version_id=row["ddh_version_id"],
        )
    return ExternalRefs(
        dataset_id=row["dataset_id"],
        data_type=row["data_type"],
        ddh=ddh,
        other_refs=row["other_refs"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
