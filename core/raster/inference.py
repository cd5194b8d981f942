"""What kind of raster this is, from facts any reader can gather: band count, data type,
colour interpretation, colour table, nodata, band metadata, and a bounded sample of the
values (their range, how many distinct ones, how smooth the surface is).

Pure: the caller reads the header and a sample (services/raster/sampling.py). Every
class comes with a confidence and the reasons that led to it; docs/raster.md lists the
rules in order.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

RasterClass = Literal["rgb", "rgba", "multispectral", "dem", "categorical", "continuous", "unknown"]
RASTER_CLASSES: tuple[str, ...] = (
    "rgb",
    "rgba",
    "multispectral",
    "dem",
    "categorical",
    "continuous",
    "unknown",
)

MAX_CATEGORIES = 64  # an integer band with at most this many distinct values is a class map
ELEVATION_RANGE = (-12_000.0, 9_000.0)  # metres: the deepest trench to above Everest
MIN_ELEVATION_SPAN = 50.0  # a narrower span is more likely a measured quantity than terrain
SMOOTH_RATIO = 0.3  # neighbour differences / random-pair differences below this: a surface
ALPHA_SHARE = 0.9  # an 8-bit alpha band is (almost) all 0 and 255; image bands are not
INTEGER_DEM_TYPES = ("int16", "int32", "uint16")
ELEVATION_WORDS = re.compile(
    r"elev|height|altitude|\bdem\b|\bdsm\b|\bdtm\b|terrain|bathymetr|topograph"
)
QUANTITY_WORDS = re.compile(
    r"temp|precip|rain|humid|pressure|ndvi|evi|index|wind|radiance|reflectance|concentration|density|degc|kelvin"
)
CLASS_WORDS = re.compile(r"land ?cover|land ?use|class|categor")


class InferredType(BaseModel):
    """Serialised as {"class": ..., "confidence": ..., "reasons": [...]}."""

    model_config = ConfigDict(populate_by_name=True)

    raster_class: RasterClass = Field(alias="class")
    confidence: float = Field(ge=0, le=1)
    reasons: list[str]

    def public(self) -> dict:
        return self.model_dump(by_alias=True)


@dataclass(frozen=True)
class RasterFacts:
    """The header facts and a bounded sample: (bands, rows, cols), nodata masked."""

    dtypes: tuple[str, ...]
    colorinterp: tuple[
        str, ...
    ]  # lower-case GDAL names: red, green, blue, alpha, gray, palette, undefined
    has_colormap: bool
    nodata: float | None
    sample: np.ma.MaskedArray
    band_text: tuple[str, ...] = ()  # per band: description and units, lower-case
    dataset_text: str = ""  # dataset tags, lower-case
    fourth_band_alpha_share: float | None = field(
        default=None
    )  # uint8 4th band: share of pixels at 0 or 255

    @property
    def band_count(self) -> int:
        return len(self.dtypes)


@dataclass(frozen=True)
class BandSignals:
    dtype: str
    valid: int
    minimum: float | None
    maximum: float | None
    distinct: int  # capped at MAX_CATEGORIES + 1
    smoothness: float | None  # neighbour / random-pair difference ratio; None when undefined

    @property
    def integer(self) -> bool:
        return np.issubdtype(np.dtype(self.dtype), np.integer)

    @property
    def span(self) -> float:
        return 0.0 if self.minimum is None or self.maximum is None else self.maximum - self.minimum


def infer(facts: RasterFacts) -> InferredType:
    if facts.has_colormap:
        return _result("categorical", 0.95, ["band 1 has a colour table (palette)"])
    alpha = _alpha_band(facts)
    data_bands = facts.band_count - (1 if alpha is not None else 0)
    described = f"{facts.band_count} band(s) of {', '.join(sorted(set(facts.dtypes)))}"
    if data_bands >= 5:
        return _result("multispectral", 0.9, [f"{described}: 5 or more data bands"])
    if facts.band_count == 4:
        return _four_bands(facts, alpha, described)
    if data_bands == 3:
        return _three_bands(facts, described)
    if data_bands == 1:
        return _single_band(facts, described)
    return _result("unknown", 0.2, [f"{described}: {data_bands} data bands fit no class"])


def _alpha_band(facts: RasterFacts) -> int | None:
    """The alpha band's index: labelled alpha (unless an 8-bit 4th band's values say it
    is image data: GDAL labels any 4-band uint8 GeoTIFF RGBA by default), or an
    unlabelled 8-bit 4th band holding only 0 and 255."""
    share = facts.fourth_band_alpha_share
    if "alpha" in facts.colorinterp:
        index = facts.colorinterp.index("alpha")
        return None if index == 3 and share is not None and share < ALPHA_SHARE else index
    return 3 if share == 1.0 else None


def _four_bands(facts: RasterFacts, alpha: int | None, described: str) -> InferredType:
    if alpha == 3:
        if facts.colorinterp[3] == "alpha":
            confidence, why = (
                (0.95 if facts.colorinterp[:3] == ("red", "green", "blue") else 0.85),
                "the 4th band is an alpha band",
            )
        else:
            confidence, why = (
                0.7,
                "the 4th band holds only 0 and 255 (an alpha mask), though not labelled alpha",
            )
        return _result("rgba", confidence, [described, why])
    fourth = facts.colorinterp[3]
    if fourth == "alpha":
        why = (
            f"the 4th band is labelled alpha but only {facts.fourth_band_alpha_share:.0%} of its pixels are 0 or 255: "
            "image data, not an alpha band"
        )
    else:
        why = f"4 bands and the 4th is not an alpha band (colour interpretation {fourth!r})"
    return _result("multispectral", 0.8, [described, why])


def _three_bands(facts: RasterFacts, described: str) -> InferredType:
    labelled = facts.colorinterp[:3] == ("red", "green", "blue")
    byte = all(d == "uint8" for d in facts.dtypes[:3])
    if labelled and byte:
        return _result("rgb", 0.95, [described, "colour interpretation red, green, blue"])
    if byte:
        return _result("rgb", 0.75, [described, "3 uint8 bands (not labelled red, green, blue)"])
    if labelled:
        return _result(
            "rgb", 0.7, [described, "colour interpretation red, green, blue on non-uint8 bands"]
        )
    return _result(
        "multispectral", 0.6, [described, "3 non-uint8 bands without an RGB colour interpretation"]
    )


def _single_band(facts: RasterFacts, described: str) -> InferredType:
    signals = band_signals(facts.sample[0], facts.dtypes[0])
    text = " ".join((*facts.band_text, facts.dataset_text))
    reasons = [described, _describe_values(signals)]
    if signals.valid == 0 or signals.span == 0:
        return _result("unknown", 0.2, reasons + ["no variation in the sampled values"])
    if CLASS_WORDS.search(text):
        return _result(
            "categorical", 0.85, reasons + [f"band metadata names classes ({_quote(text)})"]
        )
    if (
        signals.integer
        and signals.distinct <= MAX_CATEGORIES
        and not (_terrain_like(signals) and _dense(signals))
    ):
        confidence = 0.85 if facts.dtypes[0] != "uint8" else 0.75
        return _result(
            "categorical",
            confidence,
            reasons + [f"integer band with only {signals.distinct} distinct values"],
        )
    if ELEVATION_WORDS.search(text):
        return _result("dem", 0.9, reasons + [f"band metadata names elevation ({_quote(text)})"])
    if QUANTITY_WORDS.search(text):
        return _result(
            "continuous",
            0.85,
            reasons + [f"band metadata names a measured quantity ({_quote(text)})"],
        )
    if _terrain_like(signals):
        return _result("dem", 0.8, reasons + ["elevation-like range and a smooth surface"])
    return _result(
        "continuous",
        0.7 if not signals.integer or facts.dtypes[0] != "uint8" else 0.55,
        reasons + [_why_not_terrain(signals)],
    )


def _terrain_like(s: BandSignals) -> bool:
    dtype_fits = not s.integer or s.dtype in INTEGER_DEM_TYPES
    in_range = ELEVATION_RANGE[0] <= (s.minimum or 0) and (s.maximum or 0) <= ELEVATION_RANGE[1]
    return (
        dtype_fits
        and in_range
        and s.span >= MIN_ELEVATION_SPAN
        and s.smoothness is not None
        and s.smoothness < SMOOTH_RATIO
    )


def _dense(s: BandSignals) -> bool:
    """Integer values filling their range (as low-relief terrain does), not sparse class codes."""
    return s.distinct >= 0.9 * (s.span + 1)


def _why_not_terrain(s: BandSignals) -> str:
    if s.integer and s.dtype not in INTEGER_DEM_TYPES:
        return f"{s.dtype} values with many distinct values: a continuous quantity"
    if not (ELEVATION_RANGE[0] <= (s.minimum or 0) and (s.maximum or 0) <= ELEVATION_RANGE[1]):
        return "values outside any elevation range: a continuous quantity"
    if s.span < MIN_ELEVATION_SPAN:
        return f"value span {s.span:g} is narrow for terrain: a continuous quantity"
    return f"surface not smooth (neighbour/random difference ratio {s.smoothness:.2f}): a continuous quantity"


def band_signals(band: np.ma.MaskedArray, dtype: str) -> BandSignals:
    values = band.compressed()
    if values.size == 0:
        return BandSignals(dtype, 0, None, None, 0, None)
    distinct = np.unique(values[:1_000_000]).size
    return BandSignals(
        dtype,
        int(values.size),
        float(values.min()),
        float(values.max()),
        min(distinct, MAX_CATEGORIES + 1),
        smoothness(band),
    )


def smoothness(band: np.ma.MaskedArray, seed: int = 0) -> float | None:
    """Mean absolute difference between neighbours over that between random pairs of
    valid pixels: about 1 for noise, near 0 for a smooth surface. Scale-free, so it
    needs no assumption about units."""
    data: np.ma.MaskedArray = np.ma.asarray(band, dtype="float64")
    horizontal = np.ma.abs(np.ma.diff(data, axis=1)).compressed()
    vertical = np.ma.abs(np.ma.diff(data, axis=0)).compressed()
    neighbours = np.concatenate([horizontal, vertical])
    values = data.compressed()
    if neighbours.size == 0 or values.size < 2:
        return None
    shuffled = np.random.default_rng(seed).permutation(values)
    random_pairs = np.abs(np.diff(shuffled)).mean()
    return None if random_pairs == 0 else float(neighbours.mean() / random_pairs)


def _describe_values(s: BandSignals) -> str:
    if s.valid == 0:
        return "no valid pixels in the sample"
    smooth = "n/a" if s.smoothness is None else f"{s.smoothness:.2f}"
    many = f">{MAX_CATEGORIES}" if s.distinct > MAX_CATEGORIES else str(s.distinct)
    return (
        f"sampled values {s.minimum:g}..{s.maximum:g}, {many} distinct, smoothness ratio {smooth}"
    )


def _quote(text: str) -> str:
    return " ".join(text.split())[:80]


def _result(raster_class: str, confidence: float, reasons: list[str]) -> InferredType:
    return InferredType(raster_class=raster_class, confidence=confidence, reasons=reasons)


def contradiction(requested: str, inferred: InferredType) -> str | None:
    """Why a user-supplied type contradicts the data, or None when it does not.

    'unknown' or low-confidence inferences accept any type; dem and continuous differ
    only in meaning the values cannot prove, so either is accepted for the other."""
    found = inferred.raster_class
    if requested == found or found == "unknown" or inferred.confidence < 0.5:
        return None
    if {requested, found} == {"dem", "continuous"}:
        return None
    return (
        f"raster_type {requested!r} contradicts the data, inferred as {found!r} "
        f"(confidence {inferred.confidence:.2f}: {'; '.join(inferred.reasons)})"
    )
