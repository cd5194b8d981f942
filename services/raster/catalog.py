"""Stage 3: RasterMetadata built from what the earlier stages found, saved in
raster.cog_metadata and registered as a STAC item in pgSTAC (raster, eo and projection
extensions as they apply)."""

from datetime import datetime, timezone

from core.models.metadata import RasterMetadata
from infrastructure.db import raster_metadata
from infrastructure.db.pgstac_loader import pgstac_writer
from services.access.ownership import claim_for_job
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.raster.blocks import delete_scratch
from services.raster.models import CogResult, InspectResult, ProcessRasterParams, RasterResult
from core.engine.results import one_result

COLLECTION_LICENSE = "other"


@handler("raster.catalog")
def catalog_raster(params: ProcessRasterParams, ctx: TaskContext) -> RasterResult:
    inspected = one_result(ctx, "inspect", InspectResult)
    cog = one_result(ctx, "cog", CogResult)
    base_url = ctx.adapters.blobs.account_url()
    with ctx.adapters.db.connection() as conn:
        claim_for_job(
            conn, ctx.job_id, params.claims()
        )  # still ours (an admin may have taken it over)
        existing = raster_metadata.get(conn, params.item_id)
    meta = _metadata(params, inspected, cog, ctx.job_id, existing)
    item = meta.to_stac_item(base_url)
    with pgstac_writer(ctx.adapters.db) as writer:
        if not writer.collection_exists(params.collection_id):
            writer.upsert_collections([_collection(params.collection_id, item["bbox"])])
        writer.upsert_items([item])
        writer.refresh_extent(params.collection_id)
    with ctx.adapters.db.connection() as conn:
        raster_metadata.save(conn, meta)
    delete_scratch(ctx.adapters.blobs, params.target_container, ctx.job_id)
    return RasterResult(
        item_id=meta.id,
        collection_id=params.collection_id,
        inferred_type=inspected.public_inferred(),
        raster_type=inspected.raster_type,
        forced=inspected.forced,
        cog_blob=cog.cog_blob,
        cog_url=meta.asset_href(base_url),
        cog_profile=inspected.profile.name,
        cog_parts=cog.parts,
        cog_tasks_reason=inspected.cog_tasks_reason,
        info_url=f"/api/raster/{meta.id}/info",
    )


def _metadata(
    params: ProcessRasterParams,
    inspected: InspectResult,
    cog: CogResult,
    job_id: str,
    existing: RasterMetadata | None,
) -> RasterMetadata:
    now = datetime.now(timezone.utc)
    return RasterMetadata(
        id=params.item_id,
        title=params.blob_name.rsplit("/", 1)[-1],
        bbox=cog.bbox,
        etl_job_id=job_id,
        stac_collection_id=params.collection_id,
        source_blob=f"{params.container}/{params.blob_name}",
        blob_path=cog.cog_blob,
        size_bytes=cog.size_bytes,
        band_count=cog.band_count,
        dtype=cog.dtype,
        nodata=cog.nodata,
        crs=cog.crs,
        resolution=cog.resolution,
        width=cog.width,
        height=cog.height,
        band_descriptions=cog.band_descriptions,
        color_interpretation=cog.color_interpretation,
        cog_profile=inspected.profile.name,
        compression=cog.compression,
        overview_levels=cog.overview_levels,
        raster_type=inspected.raster_type,
        inferred_type=inspected.inferred_type.raster_class,
        type_confidence=inspected.inferred_type.confidence,
        type_reasons=inspected.inferred_type.reasons,
        band_statistics=cog.band_statistics,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )


def _collection(collection_id: str, bbox: list[float] | None) -> dict:
    """A new raster collection; its extent follows its items (refreshed on each load)."""
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": collection_id,
        "title": f"Rasters: {collection_id}",
        "description": f"Cloud-Optimized GeoTIFFs published by GeoETL ({collection_id})",
        "license": COLLECTION_LICENSE,
        "links": [],
        "extent": {
            "spatial": {"bbox": [bbox or [-180, -90, 180, 90]]},
            "temporal": {"interval": [[None, None]]},
        },
    }
