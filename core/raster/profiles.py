"""The COG profile for each kind of raster: compression, predictor, mask handling and
overview resampling (rio-cogeo profiles plus creation options).

Lossy JPEG only where it is safe: 8-bit RGB(A) without a nodata value (a nodata value
must survive exactly, and JPEG would blur it into its neighbours).
"""

from typing import Any, Literal

from pydantic import BaseModel

Resampling = Literal["nearest", "average", "mode", "bilinear"]

BLOCK_SIZE = 512
JPEG_QUALITY = 90


class CogProfile(BaseModel):
    name: str  # e.g. "jpeg", "deflate-p3"
    rio_cogeo_profile: str  # the rio-cogeo profile it starts from
    creation_options: dict[str, Any]  # added to / overriding the rio-cogeo profile
    overview_resampling: Resampling
    add_mask: bool
    reasons: list[str]

    @property
    def lossless(self) -> bool:
        return self.rio_cogeo_profile != "jpeg"


def choose_profile(
    raster_class: str, dtypes: tuple[str, ...], nodata: float | None, data_bands: int
) -> CogProfile:
    floating = any(d.startswith("float") for d in dtypes)
    if raster_class in ("rgb", "rgba"):
        return _imagery(raster_class, dtypes, nodata, data_bands)
    if raster_class == "dem":
        return _deflate_with_predictor(
            floating, "average", ["elevation: lossless, so heights stay exact"]
        )
    if raster_class == "categorical":
        return CogProfile(
            name="deflate",
            rio_cogeo_profile="deflate",
            creation_options={},
            overview_resampling="mode",
            add_mask=False,
            reasons=["classes: lossless, overviews by mode so no new class values appear"],
        )
    if raster_class in ("multispectral", "continuous"):
        return _deflate_with_predictor(
            floating, "average", [f"{raster_class}: lossless, values are measurements"]
        )
    return CogProfile(
        name="deflate",
        rio_cogeo_profile="deflate",
        creation_options={},
        overview_resampling="nearest",
        add_mask=False,
        reasons=["unknown data: lossless, nearest overviews invent no values"],
    )


def _imagery(
    raster_class: str, dtypes: tuple[str, ...], nodata: float | None, data_bands: int
) -> CogProfile:
    if all(d == "uint8" for d in dtypes) and nodata is None and data_bands == 3:
        mask = raster_class == "rgba"
        return CogProfile(
            name="jpeg",
            rio_cogeo_profile="jpeg",
            creation_options={"jpeg_quality": JPEG_QUALITY},
            overview_resampling="average",
            add_mask=mask,
            reasons=["8-bit imagery without nodata: JPEG (YCbCr)"]
            + (["the alpha band becomes an internal mask"] if mask else []),
        )
    why = (
        "a nodata value must stay exact"
        if nodata is not None
        else "JPEG needs 3 bands of 8-bit data"
    )
    return _deflate_with_predictor(
        any(d.startswith("float") for d in dtypes),
        "average",
        [f"{raster_class} imagery kept lossless: {why}"],
    )


def _deflate_with_predictor(
    floating: bool, resampling: Resampling, reasons: list[str]
) -> CogProfile:
    predictor = 3 if floating else 2
    kind = "floating-point" if floating else "horizontal"
    return CogProfile(
        name=f"deflate-p{predictor}",
        rio_cogeo_profile="deflate",
        creation_options={"predictor": predictor},
        overview_resampling=resampling,
        add_mask=False,
        reasons=reasons + [f"DEFLATE with the {kind} predictor ({predictor})"],
    )
