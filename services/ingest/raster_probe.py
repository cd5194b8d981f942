"""Reading what STAC metadata left out from the copied raster itself, in place (/vsiaz/):
its bands, its pixel size and, through the raster inference, its kind of data."""

import rasterio
from rasterio.errors import RasterioIOError

from config import Settings
from core.h3.resolutions import degrees_to_metres
from core.raster.inference import infer
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.ingest.source_description import SourceDescription
from services.raster.sampling import read_facts


def probe_asset(settings: Settings, container: str, blob: str) -> SourceDescription:
    """Bands and pixel size from the raster's header, its class from a bounded sample; an
    unreadable asset (not a raster) describes nothing rather than failing the ingestion
    it was not needed for."""
    try:
        with gdal_env(settings), rasterio.open(vsiaz_path(container, blob)) as dataset:
            return SourceDescription(
                asset_key="",
                band_info=_bands(dataset),
                pixel_metres=_pixel_metres(dataset),
                data_type=infer(read_facts(dataset)).raster_class,
            )
    except RasterioIOError:
        return SourceDescription(asset_key="")


def _bands(dataset) -> list[dict]:
    return [
        {
            "index": index,
            "dtype": dtype,
            "nodata": dataset.nodata,
            "colorinterp": interp.name,
            "description": description,
        }
        for index, dtype, interp, description in zip(
            dataset.indexes, dataset.dtypes, dataset.colorinterp, dataset.descriptions, strict=True
        )
    ]


def _pixel_metres(dataset) -> float | None:
    if dataset.crs is None:
        return None
    size = min(abs(dataset.res[0]), abs(dataset.res[1]))
    if dataset.crs.is_geographic:
        bounds = dataset.bounds
        return degrees_to_metres(size, (bounds.bottom + bounds.top) / 2)
    return size * dataset.crs.linear_units_factor[1]
