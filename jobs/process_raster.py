"""process_raster: one raster in, a validated COG in the target container out, with its
inferred type, a raster.cog_metadata row and a STAC item in pgSTAC."""

from core.engine.definitions import JobDefinition, StageDefinition
from services.raster.models import ProcessRasterParams

PROCESS_RASTER = JobDefinition(
    job_type="process_raster",
    description="Infer a raster's kind of data (with reasons and confidence), make a COG with the profile that "
                "suits it, validate it, and catalog it (raster.cog_metadata and a STAC item in pgSTAC).",
    parameters_model=ProcessRasterParams,
    stages=(
        StageDefinition(name="inspect", task_type="raster.inspect", timeout_seconds=600),
        StageDefinition(name="cog", task_type="raster.cog", timeout_seconds=3600),
        StageDefinition(name="catalog", task_type="raster.catalog"),
    ),
)
