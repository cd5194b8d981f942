"""The facts inference needs, read from an open dataset: header fields and a bounded,
decimated sample (nearest neighbour, so class values survive; nodata masked)."""

import numpy as np
from rasterio.enums import Resampling

from core.raster.inference import RasterFacts

SAMPLE_SIDE = 512  # the sample's longer side: enough for range, classes and smoothness


def read_facts(dataset) -> RasterFacts:
    sample = dataset.read(
        out_shape=_sample_shape(dataset), masked=True, resampling=Resampling.nearest
    )
    colorinterp = tuple(ci.name.lower() for ci in dataset.colorinterp)
    return RasterFacts(
        dtypes=tuple(dataset.dtypes),
        colorinterp=colorinterp,
        has_colormap=_has_colormap(dataset),
        nodata=dataset.nodata,
        sample=sample,
        band_text=tuple(_band_text(dataset, index) for index in dataset.indexes),
        dataset_text=" ".join(
            f"{k}={v}" for k, v in dataset.tags().items() if k != "AREA_OR_POINT"
        ).lower(),
        fourth_band_alpha_share=_fourth_band_alpha_share(dataset, sample),
    )


def _sample_shape(dataset) -> tuple[int, int, int]:
    scale = max(dataset.width, dataset.height) / SAMPLE_SIDE
    if scale <= 1:
        return dataset.count, dataset.height, dataset.width
    return (
        dataset.count,
        max(1, round(dataset.height / scale)),
        max(1, round(dataset.width / scale)),
    )


def _has_colormap(dataset) -> bool:
    try:
        return bool(dataset.colormap(1))
    except ValueError:  # rasterio's way of saying "no colour table"
        return False


def _band_text(dataset, index: int) -> str:
    parts = [dataset.descriptions[index - 1] or "", dataset.units[index - 1] or ""]
    parts += [f"{k}={v}" for k, v in dataset.tags(index).items()]
    return " ".join(p for p in parts if p).lower()


def _fourth_band_alpha_share(dataset, sample: np.ma.MaskedArray) -> float | None:
    """How much of a 4th uint8 band is 0 or 255 (an alpha band: nearly all of it)."""
    if dataset.count != 4 or dataset.dtypes[3] != "uint8":
        return None
    return float(np.isin(np.ma.getdata(sample[3]), (0, 255)).mean())
