"""The source of an aggregation, resolved to a path GDAL reads in place and the facts
the plan needs: CRS, pixel size, nodata, footprint, whether values are classes."""

import rasterio
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds

from core.errors import InvalidInput
from core.h3.resolutions import degrees_to_metres
from core.raster.inference import infer
from infrastructure.db import raster_metadata
from infrastructure.db.queries import sql
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.engine.context import TaskContext
from services.h3.models import H3AggregateParams, RasterSource
from services.h3.mosaic import catalog_mosaic
from services.raster.sampling import read_facts


def resolve_source(params: H3AggregateParams, ctx: TaskContext) -> RasterSource:
    if params.raster_id is not None:
        source_id, path, title, raster_type = _published_raster(params.raster_id, ctx)
        kind = "raster"
    elif params.blob is not None:
        source_id, path, title, raster_type = _silver_blob(params.blob, ctx)
        kind = "blob"
    else:
        source_id, path, title, raster_type = _catalog_entry(params.catalog_id, ctx)
        kind = "catalog"
    with gdal_env(ctx.adapters.settings):
        try:
            with rasterio.open(path) as dataset:
                return _describe(dataset, params, source_id, kind, path, title, raster_type)
        except RasterioIOError as exc:
            raise InvalidInput(f"{title} is not a raster GDAL can read: {exc}") from exc


def _published_raster(raster_id: str, ctx: TaskContext) -> tuple[str, str, str, str | None]:
    with ctx.adapters.db.connection() as conn:
        meta = raster_metadata.get(conn, raster_id)
    if meta is None:
        raise InvalidInput(f"no raster {raster_id!r}: process it with the process_raster job first")
    container, blob = meta.blob_path.split("/", 1)
    return raster_id, vsiaz_path(container, blob), meta.title or raster_id, meta.raster_type


def _silver_blob(blob: str, ctx: TaskContext) -> tuple[str, str, str, str | None]:
    container = ctx.adapters.settings.silver_container
    if ctx.adapters.blobs.info(container, blob) is None:
        raise InvalidInput(f"blob {blob!r} not found in container {container!r}")
    return f"{container}/{blob}", vsiaz_path(container, blob), blob.rsplit("/", 1)[-1], None


def _catalog_entry(catalog_id: str, ctx: TaskContext) -> tuple[str, str, str, str | None]:
    with ctx.adapters.db.connection() as conn:
        entry = conn.execute(sql("ingest/get_source"), {"id": catalog_id}).fetchone()
    if entry is None:
        raise InvalidInput(
            f"no H3 source {catalog_id!r} in h3.source_catalog: ingest its collection first"
        )
    path = catalog_mosaic(ctx, entry["collection_id"], entry["asset_key"])
    data_type = None if entry["data_type"] == "unknown" else entry["data_type"]
    return catalog_id, path, entry["title"], data_type


def _describe(
    dataset,
    params: H3AggregateParams,
    source_id: str,
    kind: str,
    path: str,
    title: str,
    raster_type: str | None,
) -> RasterSource:
    if dataset.crs is None:
        raise InvalidInput(
            f"{title} has no coordinate reference system: its pixels cannot be placed on H3 cells"
        )
    if not dataset.transform.is_rectilinear:
        raise InvalidInput(
            f"{title} is rotated: zonal statistics need a north-up raster (warp it first)"
        )
    if params.band > dataset.count:
        raise InvalidInput(f"band {params.band} asked, but {title} has {dataset.count} band(s)")
    raster_type = raster_type or infer(read_facts(dataset)).raster_class
    footprint = transform_bounds(dataset.crs, "EPSG:4326", *dataset.bounds, densify_pts=21)
    return RasterSource(
        source_id=source_id,
        kind=kind,
        path=path,
        title=title,
        raster_type=raster_type,
        categorical=params.categorical
        if params.categorical is not None
        else raster_type == "categorical",
        band=params.band,
        crs=dataset.crs.to_wkt(),
        pixel_metres=_pixel_metres(dataset, footprint),
        nodata=dataset.nodatavals[params.band - 1],
        footprint=footprint,
    )


def _pixel_metres(dataset, footprint: tuple[float, float, float, float]) -> float:
    size = min(abs(dataset.res[0]), abs(dataset.res[1]))
    if dataset.crs.is_geographic:
        return degrees_to_metres(size, (footprint[1] + footprint[3]) / 2)
    return size * dataset.crs.linear_units_factor[1]
