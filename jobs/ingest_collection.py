"""ingest_collection: a STAC collection — or every collection of a static catalog, with
items as files, ItemCollections or NDJSON — in the source container becomes pgSTAC
collections whose assets live in the target container, and H3 sources.

Stages read earlier results (any earlier stage) through their planners and the
TaskContext; the parts and the items stay in the database, never in task parameters.
"""

import math

from core.engine.definitions import FailurePolicy, JobDefinition, PlanContext, StageDefinition
from services.ingest.models import CopyResult, Discovery, IngestCollectionParams, PartResult

# A missing asset fails only its batch; the rest of the collection is ingested and the
# job ends completed_with_errors. Beyond half the batches, something is systematically
# wrong and the job fails.
BATCH_FAILURES = FailurePolicy(tolerate_failure_share=0.5)
# pgSTAC's load has a fixed cost per call (temporary table, partition lock, statistics)
# and holds the partition exclusively while it writes: a few thousand items per call
# halve the cost per item against 500, so consecutive batches are registered together.
REGISTER_ITEMS = 2500


def inventory_tasks(ctx: PlanContext):
    """One task per part the discover stage planned (its rows are in app.ingest_parts)."""
    params: IngestCollectionParams = ctx.parameters
    discovery = Discovery.model_validate(next(iter(ctx.results_of("discover"))))
    for part in range(discovery.parts):
        yield {"part": part, "source_container": params.source_container, "target_container": params.target_container,
               "copy_external": params.copy_external, "overwrite": params.overwrite}


def _parts(ctx: PlanContext) -> list[PartResult]:
    return [PartResult.model_validate(result) for result in ctx.results_of("inventory")]


def anything_to_copy(ctx: PlanContext) -> bool:
    discovery = Discovery.model_validate(next(iter(ctx.results_of("discover"))))
    return any(c.assets for c in discovery.collections) or any(p.assets for p in _parts(ctx))


def copy_tasks(ctx: PlanContext):
    """The collections' own assets, then each batch with assets to copy."""
    params: IngestCollectionParams = ctx.parameters
    common = {"source_container": params.source_container, "target_container": params.target_container,
              "overwrite": params.overwrite}
    discovery = Discovery.model_validate(next(iter(ctx.results_of("discover"))))
    if any(c.assets for c in discovery.collections):
        yield {"batch": None, **common}
    for part in _parts(ctx):
        if part.assets:
            yield {"batch": part.batch, **common}


def register_tasks(ctx: PlanContext):
    """Batches with new or changed items whose copies, if they needed any, were made —
    consecutive ones of a collection together, in loads of about REGISTER_ITEMS items
    (evened out, so no last load runs alone with a batch or two)."""
    copied = {CopyResult.model_validate(r).batch for r in ctx.results_of("copy")}
    ready = [p for p in _parts(ctx) if p.staged and (not p.assets or p.batch in copied)]
    for collection_id in dict.fromkeys(p.collection_id for p in ready):
        parts = [p for p in ready if p.collection_id == collection_id]
        total = sum(p.staged for p in parts)
        loads = math.ceil(total / REGISTER_ITEMS)
        groups: dict[int, list[int]] = {}
        done = 0
        for part in parts:   # each batch goes to the load its middle item falls in
            groups.setdefault(min(loads - 1, int((done + part.staged / 2) * loads / total)), []).append(part.batch)
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
    restricted_parameters={"source_container": "bronze_container", "target_container": "silver_container",
                           "overwrite": None, "copy_external": None},
    stages=(
        StageDefinition(name="discover", task_type="ingest.discover", timeout_seconds=1800),
        StageDefinition(name="inventory", task_type="ingest.inventory", fan_out="per_item", planner=inventory_tasks,
                        max_concurrency=16, timeout_seconds=1800),
        StageDefinition(name="copy", task_type="ingest.copy", fan_out="per_item", planner=copy_tasks,
                        max_concurrency=16, timeout_seconds=1800, failure=BATCH_FAILURES,
                        when=anything_to_copy, when_description="some asset is to be copied"),
        StageDefinition(name="register_collection", task_type="ingest.register_collection"),
        StageDefinition(name="register_items", task_type="ingest.register_items", fan_out="per_item",
                        planner=register_tasks, max_concurrency=16, failure=BATCH_FAILURES),
        StageDefinition(name="finalize", task_type="ingest.finalize"),
    ),
)
