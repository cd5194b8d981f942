"""raster.cog_metadata: RasterMetadata in, RasterMetadata out."""

import psycopg
from psycopg.types.json import Jsonb

from core.models.metadata import Provider, RasterMetadata
from infrastructure.db.queries import sql


def save(conn: psycopg.Connection, meta: RasterMetadata) -> None:
    west, south, east, north = meta.bbox or (None, None, None, None)
    resolution_x, resolution_y = meta.resolution or (None, None)
    conn.execute(
        sql("raster/upsert_cog_metadata"),
        {
            "id": meta.id,
            "title": meta.title,
            "description": meta.description,
            "bbox_west": west,
            "bbox_south": south,
            "bbox_east": east,
            "bbox_north": north,
            "temporal_start": meta.temporal_start,
            "temporal_end": meta.temporal_end,
            "license": meta.license,
            "keywords": meta.keywords,
            "providers": Jsonb([p.model_dump(exclude_none=True) for p in meta.providers]),
            "etl_job_id": meta.etl_job_id,
            "stac_collection_id": meta.stac_collection_id,
            "source_blob": meta.source_blob,
            "blob_path": meta.blob_path,
            "size_bytes": meta.size_bytes,
            "band_count": meta.band_count,
            "dtype": meta.dtype,
            "nodata": meta.nodata,
            "crs": meta.crs,
            "resolution_x": resolution_x,
            "resolution_y": resolution_y,
            "width": meta.width,
            "height": meta.height,
            "band_descriptions": meta.band_descriptions,
            "color_interpretation": meta.color_interpretation,
            "cog_profile": meta.cog_profile,
            "compression": meta.compression,
            "overview_levels": meta.overview_levels,
            "raster_type": meta.raster_type,
            "inferred_type": meta.inferred_type,
            "type_confidence": meta.type_confidence,
            "type_reasons": meta.type_reasons,
            "band_statistics": Jsonb(meta.band_statistics),
            "custom_properties": Jsonb(meta.custom_properties),
            "created_at": meta.created_at,
            "updated_at": meta.updated_at,
        },
    )


def get(conn: psycopg.Connection, raster_id: str) -> RasterMetadata | None:
    row = conn.execute(sql("raster/get_cog_metadata"), {"id": raster_id}).fetchone()
    return None if row is None else _model(row)


def _model(row: dict) -> RasterMetadata:
    bbox = (row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"])
    resolution = (row["resolution_x"], row["resolution_y"])
    return RasterMetadata(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        bbox=None if None in bbox else bbox,
        temporal_start=row["temporal_start"],
        temporal_end=row["temporal_end"],
        license=row["license"],
        keywords=row["keywords"],
        providers=[Provider(**p) for p in row["providers"]],
        etl_job_id=row["etl_job_id"],
        stac_collection_id=row["stac_collection_id"],
        source_blob=row["source_blob"],
        blob_path=row["blob_path"],
        size_bytes=row["size_bytes"],
        band_count=row["band_count"],
        dtype=row["dtype"],
        nodata=row["nodata"],
        crs=row["crs"],
        resolution=None if None in resolution else resolution,
        width=row["width"],
        height=row["height"],
        band_descriptions=row["band_descriptions"],
        color_interpretation=row["color_interpretation"],
        cog_profile=row["cog_profile"],
        compression=row["compression"],
        overview_levels=row["overview_levels"],
        raster_type=row["raster_type"],
        inferred_type=row["inferred_type"],
        type_confidence=row["type_confidence"],
        type_reasons=row["type_reasons"],
        band_statistics=row["band_statistics"],
        custom_properties=row["custom_properties"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def recent(conn: psycopg.Connection, limit: int) -> list[RasterMetadata]:
    """The most recently published rasters, newest first."""
    return [
        _model(row)
        for row in conn.execute(sql("raster/list_cog_metadata"), {"limit": limit}).fetchall()
    ]
