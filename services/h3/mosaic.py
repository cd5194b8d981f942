"""An H3 source made of a collection's items: their assets mosaicked by a GDAL VRT kept
as a scratch blob, so every cell task reads one raster whichever items it overlaps."""

from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import rasterio
from rasterio.errors import RasterioIOError

from core.errors import InvalidInput
from infrastructure.db import stac_catalog
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.engine.context import TaskContext

SCRATCH = "_geoetl/h3"
MAX_ITEMS = 5000  # a VRT over more sources than this is slow to open in every task
GDAL_TYPES = {
    "uint8": "Byte",
    "int8": "Int8",
    "uint16": "UInt16",
    "int16": "Int16",
    "uint32": "UInt32",
    "int32": "Int32",
    "float32": "Float32",
    "float64": "Float64",
}


def scratch_prefix(job_id: str) -> str:
    return f"{SCRATCH}/{job_id}/"


def catalog_mosaic(ctx: TaskContext, collection_id: str, asset_key: str | None) -> str:
    """The /vsiaz/ path of the one raster (a single item) or of a VRT over all of them."""
    paths = _asset_paths(ctx, collection_id, asset_key)
    if len(paths) == 1:
        return paths[0]
    with gdal_env(ctx.adapters.settings):
        vrt = _vrt(paths, collection_id)
    container = ctx.adapters.settings.silver_container
    blob = f"{scratch_prefix(ctx.job_id)}{ctx.job_attempt}/mosaic.vrt"
    ctx.adapters.blobs.write(
        container, blob, vrt.encode(), overwrite=True, content_type="application/xml"
    )
    return vsiaz_path(container, blob)


def _asset_paths(ctx: TaskContext, collection_id: str, asset_key: str | None) -> list[str]:
    with ctx.adapters.db.connection() as conn:
        found = stac_catalog.search(conn, {"collections": [collection_id], "limit": MAX_ITEMS + 1})
    items = found.get("features") or []
    if len(items) > MAX_ITEMS:
        raise InvalidInput(
            f"collection {collection_id!r} has more than {MAX_ITEMS} items: too many to mosaic"
        )
    account = ctx.adapters.blobs.account_url() + "/"
    paths = sorted({_blob_path(item, asset_key, account) for item in items} - {None})
    if not paths:
        raise InvalidInput(
            f"collection {collection_id!r} has no {asset_key!r} asset in blob storage to aggregate"
        )
    return paths


def _blob_path(item: dict, asset_key: str | None, account: str) -> str | None:
    href = ((item.get("assets") or {}).get(asset_key) or {}).get("href", "")
    if not href.startswith(account):
        return None
    container, _, blob = unquote(urlsplit(href[len(account) :]).path).partition("/")
    return vsiaz_path(container, blob) if blob and ".." not in blob.split("/") else None


def _vrt(paths: list[str], collection_id: str) -> str:
    """A VRT placing each source on one grid; they must share CRS, pixel size and bands."""
    headers = [_header(path) for path in paths]
    first = headers[0]
    for path, header in zip(paths, headers, strict=True):
        if (header["crs"], header["res"], header["count"]) != (
            first["crs"],
            first["res"],
            first["count"],
        ):
            raise InvalidInput(
                f"collection {collection_id!r} cannot be mosaicked: {path} differs from {paths[0]} "
                "in CRS, pixel size or band count"
            )
    xres, yres = first["res"]
    west = min(h["bounds"].left for h in headers)
    north = max(h["bounds"].top for h in headers)
    width = round((max(h["bounds"].right for h in headers) - west) / xres)
    height = round((north - min(h["bounds"].bottom for h in headers)) / yres)
    bands = "".join(
        _band(number, paths, headers, west, north) for number in range(1, first["count"] + 1)
    )
    return (
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}"><SRS>{escape(first["crs"])}</SRS>'
        f"<GeoTransform>{west!r}, {xres!r}, 0, {north!r}, 0, {-yres!r}</GeoTransform>{bands}</VRTDataset>"
    )


def _header(path: str) -> dict:
    try:
        with rasterio.open(path) as dataset:
            return {
                "crs": dataset.crs.to_wkt() if dataset.crs else "",
                "res": dataset.res,
                "count": dataset.count,
                "bounds": dataset.bounds,
                "width": dataset.width,
                "height": dataset.height,
                "dtypes": dataset.dtypes,
                "nodata": dataset.nodata,
            }
    except RasterioIOError as exc:
        raise InvalidInput(f"{path} is not a raster GDAL can read: {exc}") from exc


def _band(number: int, paths: list[str], headers: list[dict], west: float, north: float) -> str:
    first = headers[0]
    nodata = (
        f"<NoDataValue>{first['nodata']!r}</NoDataValue>" if first["nodata"] is not None else ""
    )
    sources = "".join(
        _source(number, path, header, west, north)
        for path, header in zip(paths, headers, strict=True)
    )
    return (
        f'<VRTRasterBand dataType="{GDAL_TYPES.get(first["dtypes"][number - 1], "Float64")}" band="{number}">'
        f"{nodata}{sources}</VRTRasterBand>"
    )


def _source(number: int, path: str, header: dict, west: float, north: float) -> str:
    # ComplexSource with the source's nodata: its nodata pixels leave what another item
    # put there, so overlapping items do not punch holes in each other.
    xres, yres = header["res"]
    x_off = round((header["bounds"].left - west) / xres)
    y_off = round((north - header["bounds"].top) / yres)
    nodata = f"<NODATA>{header['nodata']!r}</NODATA>" if header["nodata"] is not None else ""
    return (
        f'<ComplexSource><SourceFilename relativeToVRT="0">{escape(path)}</SourceFilename>'
        f"<SourceBand>{number}</SourceBand>"
        f'<SrcRect xOff="0" yOff="0" xSize="{header["width"]}" ySize="{header["height"]}"/>'
        f'<DstRect xOff="{x_off}" yOff="{y_off}" xSize="{header["width"]}" ySize="{header["height"]}"/>'
        f"{nodata}</ComplexSource>"
    )
