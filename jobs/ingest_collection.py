"""ingest_collection: a STAC collection in the source container becomes a pgSTAC
collection whose assets live in the target container, and an H3 source.

Stages read the inventory's results (any earlier stage) through their planners and the
TaskContext; the items themselves stay staged in the database, never in task parameters.
"""

from core.engine.definitions import FailurePolicy, JobDefinition, PlanContext, StageDefinition
from services.ingest.models import CopyResult, IngestCollectionParams, Inventory

# A missing asset fails only its batch; the rest of the collection is ingested and the
# job ends completed_with_errors. Beyond half the batches, something is systematically
# wrong and the job fails.
BATCH_FAILURES = FailurePolicy(tolerate_failure_share=0.5)


def copy_batches(ctx: PlanContext):
    """What the copy stage works on: the collection's own assets (batch None), if any,
    then each batch of items the inventory staged."""
    inventory = Inventory.model_validate(next(iter(ctx.results_of("inventory"))))
    if inventory.collection_assets:
        yield {"batch": None}
    for batch in inventory.batches:
        yield {"batch": batch.batch}


def copied_batches(ctx: PlanContext):
    """The batches whose assets were copied (the collection's own assets aside)."""
    for result in ctx.results_of("copy"):
        copied = CopyResult.model_validate(result)
        if copied.batch is not None:
            yield {"batch": copied.batch}


def copy_tasks(ctx: PlanContext):
    params: IngestCollectionParams = ctx.parameters
    common = {"source_container": params.source_container, "target_container": params.target_container,
              "overwrite": params.overwrite}
    for item in copy_batches(ctx):
        yield item | common


def register_tasks(ctx: PlanContext):
    """One task per batch whose assets were copied."""
    for item in copied_batches(ctx):
        yield item | {"target_container": ctx.parameters.target_container}


INGEST_COLLECTION = JobDefinition(
    job_type="ingest_collection",
    description="Ingest a STAC collection: inventory and validate it, copy its assets server-side to the target "
                "container, register the collection and its items in pgSTAC, describe it as an H3 source.",
    parameters_model=IngestCollectionParams,
    # The collection's id is inside its document: the inventory stage claims it.
    restricted_parameters={"source_container": "bronze_container", "target_container": "silver_container",
                           "overwrite": None},
    stages=(
        StageDefinition(name="inventory", task_type="ingest.inventory", timeout_seconds=1800),
        StageDefinition(name="copy", task_type="ingest.copy", fan_out="per_item", planner=copy_tasks,
                        max_concurrency=16, timeout_seconds=1800, failure=BATCH_FAILURES),
        StageDefinition(name="register_collection", task_type="ingest.register_collection"),
        StageDefinition(name="register_items", task_type="ingest.register_items", fan_out="per_item",
                        planner=register_tasks, max_concurrency=16, failure=BATCH_FAILURES),
        StageDefinition(name="finalize", task_type="ingest.finalize"),
    ),
)
