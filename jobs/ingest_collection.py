"""ingest_collection: a STAC collection — or every collection of a static catalog, with
items as files, ItemCollections or NDJSON — in the source container becomes pgSTAC
collections whose assets live in the target container, and H3 sources.

Stages read earlier results (any earlier stage) through their planners and the
TaskContext; the parts and the items stay in the database, never in task parameters.
"""

import math

from core.engine.definitions import FailurePolicy, JobDefinition, PlanContext, StageDefinition
from core.engine.results import each_result, one_result
from services.ingest.models import CopyResult, Discovery, IngestCollectionParams, PartResult

# A missing asset fails only its batch; the rest of the collection is ingested and the
# job ends completed_with_errors. Beyond half the batches, something is systematically
# wrong and the job fails.
BATCH_FAILURES = FailurePolicy(tolerate_failure_share=0.5)
# pgSTAC's load has a fixed cost per call (temporary table, partition lock, statistics)
# and holds the partition exclusively while it writes: a few thousand items per call
# halve the cost per item against 500, so consecutive batches are registered together.
REGISTER_ITEMS = 2500


def inventory_parts(ctx: PlanContext):
    """One item per part the discover stage planned (its rows are in app.ingest_parts)."""
    for part in range(one_result(ctx, "discover", Discovery).parts):
        yield {"part": part}


def inventory_tasks(ctx: PlanContext):
    params: IngestCollectionParams = ctx.parameters
    for item in inventory_parts(ctx):
        yield item | {
            "source_container": params.source_container,
            "target_container": params.target_container,
            "copy_external": params.copy_external,
            "overwrite": params.overwrite,
        }


def copy_parts(ctx: PlanContext):
    """The collections' own assets (batch None), then each batch with assets to copy."""
    if any(c.assets for c in one_result(ctx, "discover", Discovery).collections):
        yield {"batch": None}
    for part in each_result(ctx, "inventory", PartResult):
        if part.assets:
            yield {"batch": part.batch}


def copy_tasks(ctx: PlanContext):
    params: IngestCollectionParams = ctx.parameters
    common = {
        "source_container": params.source_container,
        "target_container": params.target_container,
        "overwrite": params.overwrite,
    }
    for item in copy_parts(ctx):
        yield item | common


def register_loads(ctx: PlanContext):
    """Batches with new or changed items whose copies, if they needed any, were made —
    consecutive ones of a collection together, in loads of about REGISTER_ITEMS items
    (evened out, so no last load runs alone with a batch or two)."""
    copied = {result.batch for result in each_result(ctx, "copy", CopyResult)}
    ready = [
        p
        for p in each_result(ctx, "inventory", PartResult)
        if p.staged and (not p.assets or p.batch in copied)
    ]
    for collection_id in dict.fromkeys(p.collection_id for p in ready):
        parts = [p for p in ready if p.collection_id == collection_id]
        total = sum(p.staged for p in parts)
        loads = math.ceil(total / REGISTER_ITEMS)
        groups: dict[int, list[int]] = {}
        done = 0
        for part in parts:  # each batch goes to the load its middle item falls in
            groups.setdefault(
                min(loads - 1, int((done + part.staged / 2) * loads / total)), []
            ).append(part.batch)
            done += part.staged
        for batches in groups.values():
            yield {"batches": batches, "collection_id": collection_id}


INGEST_COLLECTION = JobDefinition(
    job_type="ingest_collection",
    description="Ingest STAC collections (a collection, a static catalog, ItemCollections or NDJSON items): find "
    "and validate them, copy their assets server-side to the target container, register them in "
    "pgSTAC, describe each as an H3 source.",
    parameters_model=IngestCollectionParams,
    # The collections' ids are inside their documents: the discover stage claims them.
    # copy_external makes the platform download from other hosts (SOURCE_ALLOWED_HOSTS
    # only) into the target container: an admin's decision, like the containers.
    restricted_parameters={
        "source_container": "bronze_container",
        "target_container": "silver_container",
        "overwrite": None,
        "copy_external": None,
    },
    stages=(
        StageDefinition(name="discover", task_type="ingest.discover", timeout_seconds=1800),
        StageDefinition(
            name="inventory",
            task_type="ingest.inventory",
            fan_out="per_item",
            planner=inventory_tasks,
            max_concurrency=16,
            timeout_seconds=1800,
        ),
        StageDefinition(
            name="copy",
            task_type="ingest.copy",
            fan_out="per_item",
            planner=copy_tasks,
            max_concurrency=16,
            timeout_seconds=1800,
            failure=BATCH_FAILURES,
        ),
        StageDefinition(name="register_collection", task_type="ingest.register_collection"),
        StageDefinition(
            name="register_items",
            task_type="ingest.register_items",
            fan_out="per_item",
            planner=register_loads,
            max_concurrency=16,
            failure=BATCH_FAILURES,
        ),
        StageDefinition(name="finalize", task_type="ingest.finalize"),
    ),
)
