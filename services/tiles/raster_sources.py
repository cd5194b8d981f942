"""Which COGs a raster tile reads: a processed raster (raster.cog_metadata), or the items of
a pgSTAC collection that touch the tile. Only blobs in our own containers are read: an
asset elsewhere (a web URL) is left out of mosaics rather than fetched from here."""

from typing import Any

from core.errors import InvalidInput, NotFound
from core.models.metadata import RasterMetadata
from core.raster.rendering import RasterFacts
from core.stac.hrefs import BlobLocation
from core.storage import BlobStorage
from core.tiles import Tile
from infrastructure.db import raster_metadata, stac_catalog
from services.ingest.source_description import choose_asset, describe_from_stac
from services.tiles.raster import Source

MOSAIC_MAX_ITEMS = 20


def facts_of(meta: RasterMetadata) -> RasterFacts:
    return RasterFacts(
        raster_type=meta.raster_type or "unknown",
        band_count=meta.band_count,
        dtype=meta.dtype,
        color_interpretation=tuple(meta.color_interpretation),
        statistics=tuple(meta.band_statistics),
    )


def raster(db, raster_id: str) -> tuple[RasterMetadata, Source]:
    with db.connection() as conn:
        meta = raster_metadata.get(conn, raster_id)
    if meta is None or not meta.blob_path:
        raise NotFound(f"no raster {raster_id!r}: process it with the process_raster job first")
    container, _, blob = meta.blob_path.partition("/")
    return meta, Source(container, blob, facts_of(meta), meta.updated_at.isoformat())


def collection(db, collection_id: str) -> dict[str, Any]:
    with db.connection() as conn:
        found = stac_catalog.get_collection(conn, collection_id)
    if found is None:
        raise NotFound(f"no STAC collection {collection_id!r}")
    return found


def collection_sources(
    db, blobs: BlobStorage, settings, collection_id: str, where: Tile | None
) -> list[Source]:
    """The collection's readable COG items touching the tile (all of its extent when None), newest first."""
    search: dict[str, Any] = {
        "collections": [collection_id],
        "limit": MOSAIC_MAX_ITEMS,
        "sortby": [{"field": "datetime", "direction": "desc"}],
    }
    if where is not None:
        search["bbox"] = list(where.bounds())
    with db.connection() as conn:
        items = stac_catalog.search(conn, search).get("features") or []
    container = settings.silver_container
    location = BlobLocation(container, blobs.container_url(container))
    return [source for item in items if (source := _source(item, location)) is not None]


def _source(item: dict, location: BlobLocation) -> Source | None:
    key = choose_asset(item, None)
    if key is None:
        return None
    asset = item["assets"][key]
    if "tif" not in str(asset.get("type", "image/tiff")).lower():
        return None
    try:
        blob = location.blob_of(asset.get("href", ""), "")
    except InvalidInput:
        return None
    if blob is None:
        return None
    version = str(item["properties"].get("updated") or item["properties"].get("datetime") or "")
    return Source(location.container, blob, _facts(item, key), version)


def _facts(item: dict, key: str) -> RasterFacts:
    """What the item's STAC metadata says: our own items name their raster type, others are
    described from raster:bands / eo:bands."""
    description = describe_from_stac({}, item, key)
    bands = description.band_info
    kind = item["properties"].get("geoetl:raster_type") or description.data_type
    return RasterFacts(
        raster_type=kind,
        band_count=max(1, len(bands)),
        dtype=str((bands[0] if bands else {}).get("dtype", "uint8")),
        color_interpretation=tuple(str(b.get("common_name", "")) for b in bands),
        statistics=tuple(b.get("statistics") or {} for b in bands),
    )
