"""The CRS a load uses: the file's, the `source_crs` parameter, or the default, each with
its reason; and the check that the coordinates fit it at all."""

import math

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from core.errors import InvalidInput

WGS84 = CRS.from_epsg(4326)
# Formats whose specification fixes the CRS to WGS 84 (said in the reason).
WGS84_BY_SPEC = {
    "geojson": "RFC 7946: GeoJSON is WGS 84",
    "geojsonseq": "RFC 8142: GeoJSON is WGS 84",
    "gpx": "GPX is WGS 84",
    "kml": "KML is WGS 84",
    "kmz": "KML is WGS 84",
}


def resolve_crs(
    found: str | None, override: str | None, default: str, fmt: str, warnings: list[str]
) -> tuple[str, str, bool]:
    """(CRS as used, why, whether features need reprojecting to EPSG:4326)."""
    if override is not None:
        crs = CRS.from_user_input(override)
        reason = f"source_crs parameter {override}"
        if found and not _same(CRS.from_user_input(found), crs):
            warnings.append(
                f"source_crs {override} overrides the CRS in the file ({describe_crs(CRS.from_user_input(found))})"
            )
    elif found:
        crs = CRS.from_user_input(found)
        reason = "declared by the source" + (
            f" ({WGS84_BY_SPEC[fmt]})" if fmt in WGS84_BY_SPEC else ""
        )
    else:
        crs = CRS.from_user_input(default)
        reason = f"none in the source: assumed the default {default}"
        warnings.append(
            f"the source declares no CRS; assumed {default} (pass source_crs if that is wrong)"
        )
    return describe_crs(crs), reason, not _same(crs, WGS84)


def describe_crs(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _same(a: CRS, b: CRS) -> bool:
    return a.equals(b, ignore_axis_order=True)


def check_bounds(bounds, crs_text: str, crs_reason: str, warnings: list[str]) -> None:
    """Refuses sources whose coordinates lie nowhere near the range of their CRS (a wrong
    or missing CRS); a few stray features only earn a warning (they are dropped and counted)."""
    if bounds is None or not all(math.isfinite(v) for v in bounds):
        return
    crs = CRS.from_user_input(crs_text)
    try:
        west, south, east, north = Transformer.from_crs(
            crs, WGS84, always_xy=True
        ).transform_bounds(*bounds, errcheck=False)
    except ProjCRSError as exc:
        raise InvalidInput(f"cannot transform from {crs_text} to EPSG:4326: {exc}") from exc
    span = f"x {bounds[0]:.6g}..{bounds[2]:.6g}, y {bounds[1]:.6g}..{bounds[3]:.6g}"
    finite = all(math.isfinite(v) for v in (west, south, east, north))
    if not finite or south > 90 or north < -90 or west > 360 or east < -360:
        raise InvalidInput(
            f"coordinates ({span}) lie far outside the valid range of {_short(crs_text)} "
            f"(CRS {crs_reason}): the CRS is missing or wrong; pass source_crs"
        )
    if south < -90 or north > 90 or west < -360 or east > 360:
        warnings.append(
            f"some coordinates ({span}) fall outside the valid range of {_short(crs_text)}; "
            "those features are dropped (dropped.out_of_bounds)"
        )


def _short(crs_text: str) -> str:
    return crs_text if crs_text.startswith("EPSG:") else "the source CRS"
