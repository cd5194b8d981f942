"""Stage 2 (and 2a): the COG.

A raster below the tiling threshold is made in one task with rio-cogeo, from a
downloaded copy of the source (GDAL reads a local file many times faster than block by
block over HTTP), then validated and uploaded.

A larger one is made by part tasks: each reads its rows of the source in place, makes
them and their first overview levels with the COG profile, and stages the compressed
tiles as blocks of a scratch blob (services/raster/blocks.py), plus — when levels above
its own are needed — its smallest level as a scratch "top input". This stage then makes
those top levels, stages the header, commits the scratch blob, validates it in place and
copies it server-side to its place. The catalog stage deletes the scratch blobs.
"""

import posixpath
import tempfile
import time
from pathlib import Path

import rasterio

from core.errors import ContractViolation
from core.storage import BlobStorage
from infrastructure.storage.copies import BlobRef, wait_for_copies
from infrastructure.storage.gdal import gdal_env, vsiaz_path
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.raster.assembly import check_level_count, stack_levels
from services.raster.blocks import block_id, commit_cog, scratch_blob, stage_level
from services.raster.cog import create_cog, describe, validate
from services.raster.cog_writer import CogLayout
from services.metrics.trackers import TileTracker
from services.raster.models import (
    CogPartParams,
    CogPartResult,
    CogResult,
    InspectResult,
    LevelManifest,
    ProcessRasterParams,
)
from services.raster.parts import write_part, write_top, write_top_input
from services.raster.tiff_tiles import read_levels
from core.engine.results import each_result, one_result

COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
# A part reads its rows of the source through /vsiaz/ (GDAL's default 16 KiB ranges,
# merged on sequential reads, measured faster here than fixed 2-8 MiB chunks).
SOURCE_READ_OPTIONS = {"GDAL_CACHEMAX": 512}  # MB


def scratch(ctx: TaskContext, name: str) -> str:
    return scratch_blob(ctx.job_id, ctx.job_attempt, name)


@handler("raster.cog_part")
def make_part(params: CogPartParams, ctx: TaskContext) -> CogPartResult:
    inspected = one_result(ctx, "inspect", InspectResult)
    plan = inspected.tiling
    if plan is None or params.part >= len(plan.parts):
        raise ContractViolation(
            f"part {params.part} is not in the tiling plan of {params.blob_name}"
        )
    part = plan.parts[params.part]
    blobs = ctx.adapters.blobs
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-part-") as work:
        local = Path(work) / "part.tif"
        started = time.perf_counter()
        with (
            gdal_env(ctx.adapters.settings, **SOURCE_READ_OPTIONS),
            rasterio.open(vsiaz_path(params.container, params.blob_name)) as source,
        ):
            write_part(
                source,
                part,
                plan,
                inspected.profile,
                local,
                ctx.adapters.settings.raster_gdal_threads,
            )
        levels = read_levels(local, source=part.part)
        cog = BlobRef(params.target_container, scratch(ctx, "cog.tif"))
        tracker = TileTracker(ctx.progress, total_tiles=sum(len(level.tiles) for level in levels))
        staged = 0
        for number, level in enumerate(levels):
            ctx.check()  # a cancelled or timed-out attempt stages nothing more
            level_bytes = stage_level(blobs, cog, block_id("p", number, part.part), level, local)
            tracker.tiles_done(len(level.tiles), level_bytes, region=f"part {part.part}")
            staged += level_bytes
        top_input = None
        if plan.top_factors:
            top_input = scratch(ctx, f"top-input-{part.part:04d}.tif")
            write_top_input(local, plan, Path(work) / "top-input.tif")
            _upload(
                blobs,
                Path(work) / "top-input.tif",
                params.target_container,
                top_input,
                "image/tiff",
            )
        return CogPartResult(
            part=part.part,
            levels=[LevelManifest.of(level) for level in levels],
            top_input=top_input,
            staged_bytes=staged,
            seconds=time.perf_counter() - started,
        )


@handler("raster.cog")
def make_cog(params: ProcessRasterParams, ctx: TaskContext) -> CogResult:
    inspected = one_result(ctx, "inspect", InspectResult)
    if inspected.tiling is not None:
        return _assemble_parts(params, inspected, ctx)
    blobs = ctx.adapters.blobs
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-") as work:
        source = Path(work) / ("source" + (posixpath.splitext(params.blob_name)[1] or ".tif"))
        target = Path(work) / "cog.tif"
        blobs.download_to(params.container, params.blob_name, source)
        ctx.check()
        started = time.perf_counter()
        create_cog(source, target, inspected.profile, ctx.adapters.settings.raster_gdal_threads)
        seconds = time.perf_counter() - started
        ctx.check()
        warnings, facts = _checked(target, params)
        _upload(blobs, target, params.target_container, params.cog_blob, COG_MEDIA_TYPE)
        size = target.stat().st_size
    return CogResult(
        cog_blob=f"{params.target_container}/{params.cog_blob}",
        size_bytes=size,
        warnings=warnings,
        seconds=seconds,
        **facts,
    )


def _assemble_parts(
    params: ProcessRasterParams, inspected: InspectResult, ctx: TaskContext
) -> CogResult:
    """The parts' tiles are already staged on the scratch COG blob: stage the header and
    the top levels, commit, check the committed COG in place, then copy it to its place
    (server-side; the previous COG stays until the copy completes, and an invalid one
    never replaces it)."""
    plan, blobs = inspected.tiling, ctx.adapters.blobs
    results = sorted(each_result(ctx, "cog_parts", CogPartResult), key=lambda r: r.part)
    if [r.part for r in results] != [p.part for p in plan.parts]:
        raise ContractViolation(
            f"expected parts {[p.part for p in plan.parts]}, found {[r.part for r in results]}"
        )
    started = time.perf_counter()
    levels = stack_levels(
        [[manifest.level(r.part) for manifest in r.levels] for r in results], plan
    )
    with tempfile.TemporaryDirectory(prefix="geoetl-cog-top-") as work:
        top = None
        if plan.top_factors:
            top = Path(work) / "top.tif"
            inputs = [(part, Path(work) / f"top-input-{part.part:04d}.tif") for part in plan.parts]
            for result, (_, path) in zip(results, inputs, strict=True):
                blobs.download_to(params.target_container, result.top_input, path)
            with (
                gdal_env(ctx.adapters.settings),
                rasterio.open(vsiaz_path(params.container, params.blob_name)) as source,
            ):
                write_top(
                    source,
                    inputs,
                    plan,
                    inspected.profile,
                    top,
                    ctx.adapters.settings.raster_gdal_threads,
                )
            levels += read_levels(top, source=len(results))[1:]
        check_level_count(levels, plan)
        layout = CogLayout(levels)
        composed = BlobRef(params.target_container, scratch(ctx, "cog.tif"))
        commit_cog(blobs, composed, layout, len(results), plan.levels_in_parts, top, COG_MEDIA_TYPE)
    with gdal_env(ctx.adapters.settings):
        warnings, facts = _checked(vsiaz_path(composed.container, composed.blob), params)
    final = BlobRef(params.target_container, params.cog_blob)
    blobs.copy(composed.container, composed.blob, final.container, final.blob)
    wait_for_copies(blobs, [final], check=ctx.check)
    seconds = time.perf_counter() - started
    return CogResult(
        cog_blob=f"{params.target_container}/{params.cog_blob}",
        size_bytes=layout.size,
        warnings=warnings,
        seconds=seconds,
        parts=len(results),
        **facts,
    )


def _checked(path, params: ProcessRasterParams) -> tuple[list[str], dict]:
    """(warnings, facts) of a COG that must be valid (an invalid one fails the task)."""
    valid, errors, warnings = validate(path)
    if not valid:
        raise ContractViolation(
            f"the COG made from {params.container}/{params.blob_name} is not valid: {'; '.join(errors)}"
        )
    return warnings, describe(path)


def _upload(blobs: BlobStorage, path: Path, container: str, blob: str, content_type: str) -> None:
    with path.open("rb") as file:
        blobs.write(container, blob, file, overwrite=True, content_type=content_type)
