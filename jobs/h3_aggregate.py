"""h3_aggregate: a raster summarised on the H3 grid, cell by cell, coverage-weighted.

`prepare` resolves the source, the area and the resolution, and lists the parent cells
(a few resolutions coarser) whose children cover the area; `cells` runs one task per
parent, each reading one window of the raster and writing its cells to the attempt's
staging rows; `publish` swaps them in for the (source, resolution) in one transaction
and describes the result as a STAC item.
"""

from core.engine.definitions import JobDefinition, PlanContext, StageDefinition
from services.h3.models import H3AggregateParams, Plan
from core.engine.results import one_result

# Each task holds one window (H3_TASK_PIXELS) in memory: the cap keeps the stage from
# claiming every worker of a shared pool, and a country's thousands of parents queue.
MAX_CONCURRENT_CELL_TASKS = 32


def parent_tasks(ctx: PlanContext):
    for parent in one_result(ctx, "prepare", Plan).parents:
        yield {"parent": parent}


H3_AGGREGATE = JobDefinition(
    job_type="h3_aggregate",
    description="Summarise a raster (a processed COG, a silver blob or an H3 source collection) on H3 cells over an "
    "area: count, sum, mean, min, max, stddev, or majority and class fractions, coverage-weighted, "
    "nodata left out; fanned out by parent cell; published atomically as an OGC collection and a STAC item.",
    parameters_model=H3AggregateParams,
    stages=(
        StageDefinition(name="prepare", task_type="h3.prepare", timeout_seconds=900),
        StageDefinition(
            name="cells",
            task_type="h3.cells",
            fan_out="per_item",
            planner=parent_tasks,
            max_concurrency=MAX_CONCURRENT_CELL_TASKS,
            timeout_seconds=1800,
        ),
        StageDefinition(name="publish", task_type="h3.publish", timeout_seconds=1800),
    ),
)
