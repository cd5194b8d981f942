"""GET /api/raster/{id}/info: a published raster's metadata, where its COG is, and its STAC item."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from core.errors import NotFound
from core.models.metadata import RasterMetadata
from infrastructure.db import raster_metadata
from triggers.http.access import requires

router = APIRouter(prefix="/api/raster", tags=["raster"], dependencies=[requires("public")])


class RasterInfo(BaseModel):
    id: str
    metadata: RasterMetadata
    cog_url: str | None
    stac_collection_id: str | None
    stac_item: dict


@router.get("/{raster_id}/info", response_model=RasterInfo)
def raster_info(raster_id: str, request: Request) -> RasterInfo:
    platform = request.app.state.platform
    with platform.db.connection() as conn:
        meta = raster_metadata.get(conn, raster_id)
    if meta is None:
        raise NotFound(f"no raster {raster_id!r}: process it with the process_raster job first")
    base_url = platform.blobs.account_url()
    return RasterInfo(
        id=meta.id,
        metadata=meta,
        cog_url=meta.asset_href(base_url),
        stac_collection_id=meta.stac_collection_id,
        stac_item=meta.to_stac_item(base_url),
    )
