"""process_raster: one raster in, a validated COG in the target container out, with its
inferred type, a raster.cog_metadata row and a STAC item in pgSTAC.

A large raster's COG is made by part tasks (`cog_parts`, one per band of rows) whose
tiles the `cog` stage copies into one file; a smaller one by the `cog` stage alone.
"""

from core.engine.definitions import JobDefinition, PlanContext, StageDefinition
from services.raster.models import InspectResult, ProcessRasterParams
from core.engine.results import one_result


def _tiled(ctx: PlanContext) -> bool:
    return one_result(ctx, "inspect", InspectResult).tiling is not None


def part_tasks(ctx: PlanContext):
    parameters = ctx.parameters.model_dump(mode="json")
    for part in one_result(ctx, "inspect", InspectResult).tiling.parts:
        yield {**parameters, "part": part.part}


PROCESS_RASTER = JobDefinition(
    job_type="process_raster",
    description="Infer a raster's kind of data (with reasons and confidence), make a COG with the profile that "
    "suits it (split across tasks when the raster is large), validate it, and catalog it "
    "(raster.cog_metadata and a STAC item in pgSTAC).",
    parameters_model=ProcessRasterParams,
    restricted_parameters={"container": "bronze_container", "target_container": "silver_container"},
    claims=ProcessRasterParams.claims,
    stages=(
        StageDefinition(name="inspect", task_type="raster.inspect", timeout_seconds=600),
        StageDefinition(
            name="cog_parts",
            task_type="raster.cog_part",
            fan_out="per_item",
            planner=part_tasks,
            when=_tiled,
            when_description="the raster is large enough to split (inspect's tiling plan)",
            max_concurrency=64,
            timeout_seconds=3600,
        ),
        StageDefinition(name="cog", task_type="raster.cog", timeout_seconds=3600),
        StageDefinition(name="catalog", task_type="raster.catalog"),
    ),
)
