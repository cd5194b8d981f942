"""How a raster is drawn on a map by default, from what inference said it is (pure).

- rgb / rgba: the colour bands as they are (8-bit), stretched from their statistics otherwise;
- dem: a terrain colour ramp over its minimum..maximum (or a hillshade on request);
- categorical: its own colour table, or a qualitative palette by class value;
- multispectral: red, green, blue where the bands say so, else bands 3, 2, 1 (a true-colour
  guess for the common blue-green-red-NIR order), each stretched over mean ± 2 stddev;
- continuous / unknown: band 1 over mean ± 2 stddev, viridis for continuous, grey otherwise.

Callers may override bands, rescale and colour map; each override is checked here (400).
"""

import math
import re
from dataclasses import dataclass, replace

from core.errors import BadRequest

Range = tuple[float, float]
COLOUR_NAMES = ("red", "green", "blue")
MAX_BANDS = 3
COLORMAP_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Rendering:
    bands: tuple[int, ...]  # 1-based indexes; 1 band is drawn with `colormap`
    rescale: tuple[Range, ...] | None  # per band (or one for all); None: values as they are
    colormap: str | None = None  # a rio-tiler colour map name
    own_colormap: bool = False  # the file's colour table (categorical)
    hillshade: bool = False


@dataclass(frozen=True)
class RasterFacts:
    raster_type: str
    band_count: int
    dtype: str
    color_interpretation: tuple[str, ...]
    statistics: tuple[dict, ...]


def default_rendering(facts: RasterFacts) -> Rendering:
    kind = facts.raster_type
    if kind in ("rgb", "rgba"):
        bands = _colour_bands(facts) or (1, 2, 3)[: min(3, facts.band_count)]
        return Rendering(
            bands, None if facts.dtype == "uint8" else _stretch(facts, bands, full=True)
        )
    if kind == "dem":
        return Rendering((1,), _stretch(facts, (1,), full=True), colormap="terrain")
    if kind == "categorical":
        return Rendering((1,), None, colormap="tab20", own_colormap=True)
    if kind == "multispectral":
        bands = _colour_bands(facts) or ((3, 2, 1) if facts.band_count >= 3 else (1,))
        return Rendering(bands, _stretch(facts, bands, full=False))
    return Rendering(
        (1,),
        _stretch(facts, (1,), full=False),
        colormap="viridis" if kind == "continuous" else None,
    )


def with_overrides(
    base: Rendering,
    facts: RasterFacts,
    bands: str | None,
    rescale: str | None,
    colormap: str | None,
    hillshade: bool | None,
) -> Rendering:
    rendering = base
    if bands is not None:
        chosen = parse_bands(bands, facts.band_count)
        rendering = replace(
            rendering,
            bands=chosen,
            rescale=_stretch(facts, chosen, full=False),
            colormap=rendering.colormap if len(chosen) == 1 else None,
            own_colormap=False,
        )
    if rescale is not None:
        rendering = replace(rendering, rescale=(parse_range(rescale),))
    if colormap is not None:
        if not COLORMAP_NAME.match(colormap):
            raise BadRequest(f"colormap: {colormap!r} is not a colour map name")
        rendering = replace(rendering, colormap=colormap, own_colormap=False)
    if hillshade:
        if facts.raster_type != "dem" and facts.band_count != 1:
            raise BadRequest("hillshade is for single-band elevation rasters")
        rendering = replace(rendering, bands=(1,), hillshade=True, colormap=None, rescale=None)
    return rendering


def parse_bands(text: str, band_count: int) -> tuple[int, ...]:
    try:
        bands = tuple(int(part) for part in text.split(","))
    except ValueError as exc:
        raise BadRequest(f"bands: {text!r} is not a comma-separated list of band numbers") from exc
    if len(bands) not in (1, MAX_BANDS) or not all(1 <= b <= band_count for b in bands):
        raise BadRequest(f"bands: one or three band numbers between 1 and {band_count}")
    return bands


def parse_range(text: str) -> Range:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise BadRequest(f"rescale: {text!r} is not min,max") from exc
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise BadRequest("rescale: min,max with min < max")
    return low, high


def _colour_bands(facts: RasterFacts) -> tuple[int, ...] | None:
    interp = list(facts.color_interpretation)
    if all(name in interp for name in COLOUR_NAMES):
        return tuple(interp.index(name) + 1 for name in COLOUR_NAMES)
    return None


def _stretch(facts: RasterFacts, bands: tuple[int, ...], full: bool) -> tuple[Range, ...] | None:
    """Per band: minimum..maximum (`full`) or mean ± 2 stddev within them; None when the
    statistics are missing (the values are then drawn as they are)."""
    ranges = []
    for band in bands:
        stats = facts.statistics[band - 1] if band - 1 < len(facts.statistics) else {}
        if not {"minimum", "maximum"} <= set(stats):
            return None
        low, high = stats["minimum"], stats["maximum"]
        if not full and "mean" in stats and "stddev" in stats:
            low = max(low, stats["mean"] - 2 * stats["stddev"])
            high = min(high, stats["mean"] + 2 * stats["stddev"])
        ranges.append((float(low), float(high) if high > low else float(low) + 1.0))
    return tuple(ranges)
