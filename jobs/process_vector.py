"""process_vector: a vector file in blob storage → clean, indexed PostGIS tables in `geo`,
with a quality report, catalog metadata, a STAC item and an OGC API – Features collection.

    inspect (1 task)        download once per machine, check, infer, plan chunks, create staging
    load (1 task / chunk)   read, repair and binary-COPY a chunk into staging (idempotent per chunk)
    index (2 tasks / kind)  primary key and GIST index on each non-empty staging table, in parallel
    publish (1 task)        ANALYZE, swap into geo atomically, metadata + STAC + refs, the report
"""

from core.engine.definitions import JobDefinition, RetryPolicy, StageDefinition
from core.ownership import Claim, table
from services.vector.handlers import plan_chunks, plan_indexes
from services.vector.models import ProcessVectorParams
from services.vector.publishing import candidate_tables


def load_and_index(**condition) -> tuple[StageDefinition, StageDefinition]:
    """The chunk load and index stages, shared with curated_update, whose `condition`
    (when, when_description) runs them only when a file was downloaded."""
    load = StageDefinition(
        name="load",
        task_type="vector.load_chunk",
        fan_out="per_item",
        planner=plan_chunks,
        max_concurrency=64,
        timeout_seconds=1800,
        retry=RetryPolicy(max_tries=3, backoff_base_seconds=2),
        **condition,
    )
    index = StageDefinition(
        name="index",
        task_type="vector.build_index",
        fan_out="per_item",
        planner=plan_indexes,
        timeout_seconds=3600,
        **condition,
    )
    return load, index


def _job_parameters(_source, ctx) -> dict:
    return ctx.parameters.model_dump(mode="json")


def _claims(params: ProcessVectorParams) -> list[Claim]:
    """The table and the per-kind tables a mixed source may publish under its name. An
    all_layers load also publishes `<table_name>_<layer>` tables: those names are claimed
    at inspection, once the layers are known, and all of them again at publish."""
    return [table(name) for name in candidate_tables(params.table_name)]


PROCESS_VECTOR = JobDefinition(
    job_type="process_vector",
    description="Load a vector file (GeoJSON, TopoJSON, KML/KMZ, GPX, GML, OSM, GeoPackage, FlatGeobuf, DXF, CSV, "
    "zipped Shapefile, File Geodatabase or MapInfo, nested zips) into clean PostGIS tables with a repair "
    "report, STAC item and OGC API collection; `all_layers` loads every layer into its own tables.",
    parameters_model=ProcessVectorParams,
    restricted_parameters={"container": "bronze_container"},
    claims=_claims,
    stages=(
        StageDefinition(
            name="inspect",
            task_type="vector.inspect",
            timeout_seconds=1800,
            retry=RetryPolicy(max_tries=3, backoff_base_seconds=2),
        ),
        *load_and_index(),
        StageDefinition(
            name="publish",
            task_type="vector.publish",
            fan_out="fan_in",
            task_params=_job_parameters,
            timeout_seconds=1800,
        ),
    ),
)
