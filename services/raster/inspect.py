"""Stage 1: what the raster is (inference with reasons), checked against what the user
said it is, and the COG profile that follows."""

import rasterio
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioIOError

from core.errors import InvalidInput
from core.raster.inference import contradiction, infer
from core.raster.profiles import CogProfile, choose_profile
from core.raster.tiling import choose_cog_tasks
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.raster.models import Header, InspectResult, ProcessRasterParams
from services.raster.sampling import read_facts


@handler("raster.inspect")
def inspect_raster(params: ProcessRasterParams, ctx: TaskContext) -> InspectResult:
    if ctx.adapters.blobs.info(params.container, params.blob_name) is None:
        raise InvalidInput(f"blob {params.blob_name!r} not found in container {params.container!r}")
    try:
        with (
            gdal_env(ctx.adapters.settings),
            rasterio.open(vsiaz_path(params.container, params.blob_name)) as dataset,
        ):
            header = _header(dataset, params)
            facts = read_facts(dataset)
    except RasterioIOError as exc:
        raise InvalidInput(
            f"{params.container}/{params.blob_name} is not a raster GDAL can read: {exc}"
        ) from exc

    inferred = infer(facts)
    forced = False
    if params.raster_type is not None:
        conflict = contradiction(params.raster_type, inferred)
        if conflict and not params.force:
            raise InvalidInput(
                f"{conflict}. Submit with force=true to process it as {params.raster_type!r} anyway"
            )
        forced = conflict is not None
    raster_type = params.raster_type or inferred.raster_class
    data_bands = header.band_count - (1 if "alpha" in header.colorinterp else 0)
    profile = choose_profile(raster_type, tuple(header.dtypes), header.nodata, data_bands)
    settings = ctx.adapters.settings
    tiling, reason = choose_cog_tasks(
        header.width,
        header.height,
        settings.raster_tiled_cog_min_pixels,
        settings.raster_cog_part_pixels,
        why_not_split(header, profile),
    )
    return InspectResult(
        inferred_type=inferred,
        raster_type=raster_type,
        forced=forced,
        profile=profile,
        header=header,
        tiling=tiling,
        cog_tasks_reason=reason,
    )


def why_not_split(header: Header, profile: CogProfile) -> str | None:
    if (
        profile.add_mask
        or header.has_mask
        or ("alpha" in header.colorinterp and profile.rio_cogeo_profile == "jpeg")
    ):
        return "the COG carries an internal mask, which parts do not write"
    if header.rotated:
        return "the raster is rotated (its geotransform would differ per part)"
    return None


def _header(dataset, params: ProcessRasterParams) -> Header:
    if dataset.crs is None:
        raise InvalidInput(
            f"{params.container}/{params.blob_name} has no coordinate reference system: "
            "it cannot be placed on a map or catalogued"
        )
    return Header(
        width=dataset.width,
        height=dataset.height,
        band_count=dataset.count,
        dtypes=list(dataset.dtypes),
        nodata=dataset.nodata,
        crs=dataset.crs.to_string(),
        colorinterp=[ci.name.lower() for ci in dataset.colorinterp],
        descriptions=list(dataset.descriptions),
        has_mask=MaskFlags.per_dataset in dataset.mask_flag_enums[0],
        rotated=not dataset.transform.is_rectilinear,
    )
