"""Stage 2 (and 2a): the COG.

A raster below the tiling threshold is made in one task with rio-cogeo, from a
downloaded copy of the source (GDAL reads a local file many times faster than block by
block over HTTP). A larger one is made by part tasks, each reading its rows of the
source in place and uploading a compressed part; this stage then copies the parts'
tiles into one COG (services/raster/assembly.py). Either way the COG is validated,
described and uploaded here; the catalog stage deletes the parts.
"""

import posixpath
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import rasterio
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContentSettings

from core.errors import ContractViolation
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.raster.assembly import assemble
from services.raster.cog import create_cog, describe, validate
from services.raster.models import CogPartParams, CogPartResult, CogResult, InspectResult, ProcessRasterParams
from services.raster.parts import write_part, write_top

COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
TRANSFER_CONCURRENCY = 4
# A part reads its rows of the source through /vsiaz/ in large ranged reads.
SOURCE_READ_OPTIONS = {"CPL_VSIL_CURL_CHUNK_SIZE": 8 * 1024**2, "GDAL_CACHEMAX": 512}   # bytes, MB


def part_blob(job_id: str, part: int) -> str:
    return f"_geoetl/cog-parts/{job_id}/part-{part:04d}.tif"


@handler("raster.cog_part")
def make_part(params: CogPartParams, ctx: TaskContext) -> CogPartResult:
    inspected = _inspected(ctx)
    if inspected.tiling is None or params.part >= len(inspected.tiling.parts):
        raise ContractViolation(f"part {params.part} is not in the tiling plan of {params.blob_name}")
    part = inspected.tiling.parts[params.part]
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-part-") as work:
        target = Path(work) / "part.tif"
        started = time.perf_counter()
        with gdal_env(ctx.adapters.settings, **SOURCE_READ_OPTIONS), \
                rasterio.open(vsiaz_path(params.container, params.blob_name)) as source:
            write_part(source, part, inspected.tiling, inspected.profile, target)
        seconds = time.perf_counter() - started
        ctx.check()
        blob = part_blob(ctx.job_id, part.part)
        _upload(ctx.adapters.blobs.client, target, params.target_container, blob, "image/tiff")
        return CogPartResult(part=part.part, blob=blob, size_bytes=target.stat().st_size, seconds=seconds)


@handler("raster.cog")
def make_cog(params: ProcessRasterParams, ctx: TaskContext) -> CogResult:
    inspected = _inspected(ctx)
    client = ctx.adapters.blobs.client
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-") as work:
        target = Path(work) / "cog.tif"
        started = time.perf_counter()
        if inspected.tiling is None:
            _single_task(params, inspected, client, Path(work), target, ctx)
        else:
            _assemble_parts(params, inspected, client, Path(work), target, ctx)
        seconds = time.perf_counter() - started
        ctx.check()
        valid, errors, warnings = validate(target)
        if not valid:
            raise ContractViolation(f"the COG made from {params.container}/{params.blob_name} is not valid: {'; '.join(errors)}")
        facts = describe(target)
        _upload(client, target, params.target_container, params.cog_blob, COG_MEDIA_TYPE)
        size = target.stat().st_size
    return CogResult(cog_blob=f"{params.target_container}/{params.cog_blob}", size_bytes=size, valid=valid,
                     warnings=warnings, seconds=seconds, parts=len(inspected.tiling.parts) if inspected.tiling else 1,
                     **facts)


def _single_task(params: ProcessRasterParams, inspected: InspectResult, client: BlobServiceClient, work: Path,
                 target: Path, ctx: TaskContext) -> None:
    source = work / ("source" + (posixpath.splitext(params.blob_name)[1] or ".tif"))
    with source.open("wb") as file:
        client.get_blob_client(params.container, params.blob_name).download_blob(
            max_concurrency=TRANSFER_CONCURRENCY).readinto(file)
    ctx.check()
    create_cog(source, target, inspected.profile)


def _assemble_parts(params: ProcessRasterParams, inspected: InspectResult, client: BlobServiceClient, work: Path,
                    target: Path, ctx: TaskContext) -> None:
    plan = inspected.tiling
    results = sorted((CogPartResult.model_validate(r) for r in ctx.results_of("cog_parts")), key=lambda r: r.part)
    if [r.part for r in results] != [p.part for p in plan.parts]:
        raise ContractViolation(f"expected parts {[p.part for p in plan.parts]}, found {[r.part for r in results]}")
    local = [work / f"part-{r.part:04d}.tif" for r in results]
    with ThreadPoolExecutor(TRANSFER_CONCURRENCY) as pool:
        list(pool.map(lambda pair: _download(client, params.target_container, pair[0].blob, pair[1]), zip(results, local)))
    ctx.check()
    top = None
    if plan.top_factors:
        top = work / "top.tif"
        with gdal_env(ctx.adapters.settings), rasterio.open(vsiaz_path(params.container, params.blob_name)) as source:
            write_top(source, list(zip(plan.parts, local)), plan, inspected.profile, top)
    assemble(local, top, plan, target)


def _inspected(ctx: TaskContext) -> InspectResult:
    return InspectResult.model_validate(next(iter(ctx.results_of("inspect"))))


def _download(client: BlobServiceClient, container: str, blob: str, path: Path) -> None:
    with path.open("wb") as file:
        client.get_blob_client(container, blob).download_blob(max_concurrency=TRANSFER_CONCURRENCY).readinto(file)


def _upload(client: BlobServiceClient, path: Path, container: str, blob: str, content_type: str) -> None:
    with path.open("rb") as file:
        client.get_blob_client(container, blob).upload_blob(
            file, overwrite=True, max_concurrency=TRANSFER_CONCURRENCY,
            content_settings=ContentSettings(content_type=content_type))


def delete_parts(client: BlobServiceClient, container: str, ctx: TaskContext) -> int:
    """The parts are scratch, deleted by the last stage once the COG is uploaded (a
    retried COG stage still finds them). Deleting is idempotent."""
    container_client = client.get_container_client(container)
    deleted = 0
    for result in ctx.results_of("cog_parts"):
        try:
            container_client.delete_blob(CogPartResult.model_validate(result).blob, delete_snapshots="include")
            deleted += 1
        except ResourceNotFoundError:
            pass
    return deleted
