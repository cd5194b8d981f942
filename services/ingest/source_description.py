"""What a collection offers as an H3 aggregation source, read from its STAC metadata:
the asset to aggregate, its bands, its kind of data and its pixel size."""

from dataclasses import dataclass, field
from typing import Any

from core.h3.resolutions import degrees_to_metres

RASTER_MEDIA = ("image/tiff", "image/vnd.stac.geotiff", "application/x-geotiff")
GEOGRAPHIC_EPSG = 4326


@dataclass
class SourceDescription:
    asset_key: str
    band_info: list[dict[str, Any]] = field(default_factory=list)
    data_type: str = "unknown"
    pixel_metres: float | None = None


def choose_asset(item: dict, wanted: str | None) -> str | None:
    """The asset named by the caller, else the first with role 'data', else the first raster."""
    assets = item.get("assets") or {}
    if wanted is not None:
        return wanted if wanted in assets else None
    for key, asset in assets.items():
        if "data" in (asset.get("roles") or []):
            return key
    for key, asset in assets.items():
        if str(asset.get("type", "")).startswith(RASTER_MEDIA):
            return key
    return next(iter(assets), None)


def describe_from_stac(collection: dict, item: dict, asset_key: str) -> SourceDescription:
    asset = (item.get("assets") or {}).get(asset_key, {})
    template = (collection.get("item_assets") or {}).get(asset_key, {})
    bands = _bands(asset) or _bands(template)
    return SourceDescription(
        asset_key=asset_key,
        band_info=bands,
        data_type=_stac_data_type(
            asset | {k: v for k, v in template.items() if k not in asset}, bands
        ),
        pixel_metres=_pixel_metres(item, asset, bands),
    )


def _bands(asset: dict) -> list[dict[str, Any]]:
    """raster:bands and eo:bands (or STAC 1.1 `bands`) merged band by band."""
    raster = asset.get("raster:bands") or []
    eo = asset.get("eo:bands") or []
    generic = asset.get("bands") or []
    count = max(len(raster), len(eo), len(generic))
    merged = []
    for index in range(count):
        band: dict[str, Any] = {"index": index + 1}
        for source in (generic, eo, raster):
            if index < len(source) and isinstance(source[index], dict):
                band |= {_band_key(k): v for k, v in source[index].items()}
        merged.append(band)
    return merged


def _band_key(key: str) -> str:
    return {"data_type": "dtype", "eo:common_name": "common_name", "raster:data_type": "dtype"}.get(
        key, key
    )


def _stac_data_type(asset: dict, bands: list[dict]) -> str:
    """The kind of data as far as STAC metadata says it; 'unknown' when it says nothing."""
    if asset.get("classification:classes") or any(b.get("classification:classes") for b in bands):
        return "categorical"
    names = [str(b.get("common_name", "")).lower() for b in bands]
    if names[:3] == ["red", "green", "blue"]:
        if len(names) == 3:
            return "rgb"
        return "rgba" if names[3:] == ["alpha"] else "multispectral"
    if len(bands) >= 5 or (len(bands) == 4 and any(names)):
        return "multispectral"
    roles = set(asset.get("roles") or [])
    if roles & {"elevation", "dem", "dsm", "dtm"}:
        return "dem"
    return "unknown"


def _pixel_metres(item: dict, asset: dict, bands: list[dict]) -> float | None:
    for candidate in (
        asset.get("gsd"),
        item["properties"].get("gsd"),
        next((b.get("spatial_resolution") for b in bands if b.get("spatial_resolution")), None),
    ):
        if isinstance(candidate, (int, float)) and candidate > 0:
            return float(candidate)
    transform = asset.get("proj:transform") or item["properties"].get("proj:transform")
    if isinstance(transform, list) and len(transform) >= 6 and transform[0]:
        size = abs(float(transform[0]))
        epsg = asset.get("proj:epsg", item["properties"].get("proj:epsg"))
        code = asset.get("proj:code", item["properties"].get("proj:code"))
        if epsg == GEOGRAPHIC_EPSG or code == f"EPSG:{GEOGRAPHIC_EPSG}":
            return degrees_to_metres(size, _mid_latitude(item))
        return size
    return None


def _mid_latitude(item: dict) -> float:
    bbox = item.get("bbox") or [0, 0, 0, 0]
    half = len(bbox) // 2
    return (bbox[1] + bbox[half + 1]) / 2
