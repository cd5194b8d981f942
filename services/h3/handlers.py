"""h3_aggregate's task handlers: prepare (source, area, resolution, the parent cells that
become tasks), cells (one parent: one window of the raster), publish (the swap, the
aggregation's row and its STAC item)."""

import time

import rasterio
import shapely
from pyproj import CRS

from core.errors import InvalidInput
from core.ownership import h3_aggregation
from core.h3 import cells as h3cells
from core.h3.resolutions import default_resolution, parent_resolution
from infrastructure.db import stac_catalog, zonal_stats
from infrastructure.storage.gdal import gdal_env
from services.access.ownership import claim_for_job
from services.engine.context import TaskContext
from services.engine.handlers import handler
from services.h3 import zonal
from services.h3.areas import bbox_of, resolve_area
from services.h3.models import (
    CATEGORICAL_DEFAULT,
    CONTINUOUS_DEFAULT,
    CellsResult,
    H3AggregateParams,
    ParentParams,
    Plan,
    PublishResult,
    collection_id_for,
)
from services.h3.publishing import aggregation_row, delete_scratch, stac_collection, stac_item
from services.h3.sources import resolve_source
from services.metrics.trackers import H3AggregationTracker
from core.engine.results import one_result

CHUNK_CELLS = 256  # cells per exactextract call: progress and cancellation between calls
READ_OPTIONS = {"GDAL_CACHEMAX": 256}  # MB


@handler("h3.prepare")
def prepare(params: H3AggregateParams, ctx: TaskContext) -> Plan:
    source = resolve_source(params, ctx)
    area = resolve_area(params, source.footprint, ctx)
    resolution = (
        params.resolution
        if params.resolution is not None
        else default_resolution(source.pixel_metres)
    )
    settings = ctx.adapters.settings
    parent = parent_resolution(
        resolution, source.pixel_metres, settings.h3_task_pixels, settings.h3_task_max_levels
    )
    ctx.check()
    parents = h3cells.parents_covering(area, resolution, parent)
    if not parents:
        raise InvalidInput("the area holds no H3 cell at this resolution")
    collection_id = collection_id_for(source.source_id, resolution)
    with (
        ctx.adapters.db.connection() as conn
    ):  # before the work: a re-run replaces, so it must be ours
        claim_for_job(conn, ctx.job_id, [h3_aggregation(collection_id)])
        zonal_stats.clear_other_attempts(conn, ctx.job_id, ctx.job_attempt)
    statistics = params.statistics or list(
        CATEGORICAL_DEFAULT if source.categorical else CONTINUOUS_DEFAULT
    )
    return Plan(
        source=source,
        resolution=resolution,
        parent_resolution=parent,
        parents=parents,
        statistics=statistics,
        area_wkb=shapely.to_wkb(area, hex=True),
        area=params.area_description(),
        collection_id=collection_id,
    )


@handler("h3.cells")
def aggregate_parent(params: ParentParams, ctx: TaskContext) -> CellsResult:
    started = time.perf_counter()
    plan = one_result(ctx, "prepare", Plan)
    area = shapely.from_wkb(plan.area_wkb)
    shapely.prepare(area)
    rings = h3cells.children_rings(params.parent, plan.resolution, area)
    tracker = H3AggregationTracker(ctx.progress, plan.resolution, total_cells=len(rings))
    out = _summarise(plan, rings, tracker, ctx)
    with ctx.adapters.db.connection() as conn:
        zonal_stats.stage_cells(conn, ctx.job_id, ctx.job_attempt, out.values)
    return CellsResult(
        parent=params.parent,
        cells=len(rings),
        with_data=len(out),
        seconds=time.perf_counter() - started,
    )


def _summarise(
    plan: Plan, rings: h3cells.Rings, tracker: H3AggregationTracker, ctx: TaskContext
) -> zonal.Columns:
    out = zonal.Columns()
    crs = CRS.from_wkt(plan.source.crs)
    found = (
        zonal.polygons(rings, zonal.transformer_to(plan.source.crs), crs.is_geographic)
        if len(rings)
        else None
    )
    with (
        gdal_env(ctx.adapters.settings, **READ_OPTIONS),
        rasterio.open(plan.source.path) as dataset,
    ):
        window = zonal.window_of(dataset, found.bounds) if found else None
        if window is None:
            tracker.cells_done(len(rings))
            return out
        source = zonal.raster_window(dataset, plan.source.band, window)
        pixel_area = abs(dataset.transform.a * dataset.transform.e)
    for start in range(0, len(rings), CHUNK_CELLS):
        ctx.check()
        chunk = found.chunk(start, CHUNK_CELLS)
        zonal.summarise(source, chunk, plan.statistics, pixel_area, out)
        tracker.cells_done(len(chunk.cells))
    return out


@handler("h3.publish")
def publish(params: H3AggregateParams, ctx: TaskContext) -> PublishResult:
    plan = one_result(ctx, "prepare", Plan)
    source_id, resolution = plan.source.source_id, plan.resolution
    with ctx.adapters.db.connection() as conn:
        published = zonal_stats.get_aggregation(conn, source_id, resolution)
        already = published is not None and (published["job_id"], published["attempt"]) == (
            ctx.job_id,
            ctx.job_attempt,
        )
        if not already:
            if zonal_stats.staged_count(conn, ctx.job_id, ctx.job_attempt) == 0:
                raise InvalidInput(
                    "no cell of the area has valid pixels: nothing to publish "
                    "(the published set, if any, is left as it was)"
                )
            claim_for_job(
                conn, ctx.job_id, [h3_aggregation(plan.collection_id)]
            )  # still ours at the swap
            row = aggregation_row(plan, bbox_of(shapely.from_wkb(plan.area_wkb)), ctx)
            published = zonal_stats.swap_in(conn, row)
            stac_catalog.ensure_collection(
                conn, stac_collection(ctx.adapters.settings.stac_h3_collection)
            )
            stac_catalog.upsert_item(conn, stac_item(published))
    delete_scratch(ctx)
    return PublishResult(
        collection_id=published["collection_id"],
        source_id=source_id,
        resolution=resolution,
        cells=published["cell_count"],
        statistics=plan.statistics,
        features_url=f"/api/h3/features/collections/{published['collection_id']}/items",
        stac_item_url=f"/api/stac/collections/{published['stac_collection_id']}/items/"
        f"{published['collection_id']}",
    )
