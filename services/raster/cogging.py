"""Stage 2: the COG, made locally from a downloaded copy of the source (GDAL reads a
local file many times faster than block by block over HTTP), validated, then uploaded."""

import posixpath
import tempfile
import time
from pathlib import Path

from azure.storage.blob import ContentSettings

from core.errors import ContractViolation
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.raster.cog import create_cog, describe, validate
from services.raster.models import CogResult, InspectResult, ProcessRasterParams

COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
TRANSFER_CONCURRENCY = 4


@handler("raster.cog")
def make_cog(params: ProcessRasterParams, ctx: TaskContext) -> CogResult:
    inspected = InspectResult.model_validate(next(iter(ctx.results_of("inspect"))))
    client = ctx.adapters.blobs.client
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-") as work:
        source = Path(work) / ("source" + (posixpath.splitext(params.blob_name)[1] or ".tif"))
        target = Path(work) / "cog.tif"
        with source.open("wb") as file:
            client.get_blob_client(params.container, params.blob_name).download_blob(
                max_concurrency=TRANSFER_CONCURRENCY).readinto(file)
        ctx.check()
        started = time.perf_counter()
        create_cog(source, target, inspected.profile)
        seconds = time.perf_counter() - started
        ctx.check()
        valid, errors, warnings = validate(target)
        if not valid:
            raise ContractViolation(f"the COG made from {params.container}/{params.blob_name} is not valid: {'; '.join(errors)}")
        facts = describe(target)
        with target.open("rb") as file:
            client.get_blob_client(params.target_container, params.cog_blob).upload_blob(
                file, overwrite=True, max_concurrency=TRANSFER_CONCURRENCY,
                content_settings=ContentSettings(content_type=COG_MEDIA_TYPE))
        size = target.stat().st_size
    return CogResult(cog_blob=f"{params.target_container}/{params.cog_blob}", size_bytes=size, valid=valid,
                     warnings=warnings, seconds=seconds, **facts)
