"""curated_update: refresh one curated reference dataset (docs/curated.md).

    check_version (1 task)   the source's version vs the registry's; logs the update; decides
    fetch_events (n tasks)   event sources (ACLED): read the events by month (full load) or by
                             page (increment), and the deletions, into typed staging rows
    download (1 task)        stream the release into bronze (a manual upload is already there)
    inspect, load, index,    the vector pipeline's own stages, task types and planners, on the
    publish                  downloaded blob (publishing to the target, or to an intermediate)
    finalize (1 task)        map/merge into the target, registry version, update log with counts

Every stage after the check runs only when the check says so: an unchanged version (not
forced) or a dry run ends the job `completed` with those stages `skipped`. An event
source runs fetch_events and finalize; a file source the stages in between.
"""

from core.engine.definitions import JobDefinition, RetryPolicy, StageDefinition
from core.ownership import curated_owner
from services.curated.handlers import CuratedUpdateParams, Downloaded, VersionCheck
from jobs.process_vector import load_and_index
from services.vector.models import ProcessVectorParams
from core.engine.results import one_result

SOURCE_RETRY = RetryPolicy(max_tries=3, backoff_base_seconds=5, backoff_max_seconds=120)
WHEN = "the source has a new version (or force) and this is not a dry run"
WHEN_FILE = WHEN + "; the source is a file"
WHEN_EVENTS = "an event source (ACLED) has new, revised or deleted events (or force), and this is not a dry run"
# Reads in flight against ACLED per job: its API is shared by many users.
FETCH_CONCURRENCY = 4


def _check(ctx) -> VersionCheck:
    return one_result(ctx, "check_version", VersionCheck)


def _proceed(ctx) -> bool:
    return _check(ctx).proceed


def _events(ctx) -> bool:
    return _check(ctx).events is not None


def _proceed_with_file(ctx) -> bool:
    return _proceed(ctx) and not _events(ctx)


def _proceed_with_events(ctx) -> bool:
    return _proceed(ctx) and _events(ctx)


def _fetch_items(ctx):
    """One fetch task per item of the check's plan (months, or pages and deletions)."""
    return [item.model_dump(mode="json") for item in _check(ctx).events.items]


def _finalize_source(_source, ctx) -> dict:
    return {"source_stage": "fetch_events" if _events(ctx) else "publish"}


def _from_check(_source, _ctx) -> dict:
    return {"source_stage": "check_version"}


def _vector_parameters(_source, ctx) -> dict:
    """What process_vector would be given for this release: the downloaded blob, the
    table the publish writes, and the dataset's title (the check's snapshot)."""
    check = _check(ctx)
    downloaded = one_result(ctx, "download", Downloaded)
    return ProcessVectorParams(
        container=downloaded.container,
        blob_name=downloaded.blob_name,
        table_name=check.publish_table,
        merge_layers=check.all_layers,
        title=check.title,
        description=check.description,
        keywords=["curated", check.dataset_id],
    ).model_dump(mode="json")


CURATED_UPDATE = JobDefinition(
    job_type="curated_update",
    description="Refresh a curated reference dataset (WDPA, KBA, Natural Earth, ACLED, …): check the source "
    "version, download to bronze and load through the vector pipeline (or fetch an event source's "
    "changes), replace or upsert the target table, record the version and the update log.",
    parameters_model=CuratedUpdateParams,
    # Internal: the scheduler and admins start it, whatever the route; what it publishes
    # belongs to the dataset, not to whoever pressed the button.
    min_role="admin",
    owner=lambda params, _submitter: curated_owner(params.dataset_id),
    stages=(
        StageDefinition(
            name="check_version",
            task_type="curated.check_version",
            timeout_seconds=600,
            retry=SOURCE_RETRY,
        ),
        StageDefinition(
            name="fetch_events",
            task_type="curated.fetch_events",
            fan_out="per_item",
            planner=_fetch_items,
            when=_proceed_with_events,
            when_description=WHEN_EVENTS,
            max_concurrency=FETCH_CONCURRENCY,
            timeout_seconds=3600,
            retry=SOURCE_RETRY,
        ),
        StageDefinition(
            name="download",
            task_type="curated.download",
            task_params=_from_check,
            when=_proceed_with_file,
            when_description=WHEN_FILE,
            timeout_seconds=3600,
            retry=SOURCE_RETRY,
        ),
        StageDefinition(
            name="inspect",
            task_type="vector.inspect",
            task_params=_vector_parameters,
            when=_proceed_with_file,
            when_description=WHEN_FILE,
            timeout_seconds=1800,
            retry=RetryPolicy(max_tries=3, backoff_base_seconds=2),
        ),
        *load_and_index(when=_proceed_with_file, when_description=WHEN_FILE),
        StageDefinition(
            name="publish",
            task_type="vector.publish",
            fan_out="fan_in",
            task_params=_vector_parameters,
            when=_proceed_with_file,
            when_description=WHEN_FILE,
            timeout_seconds=1800,
        ),
        StageDefinition(
            name="finalize",
            task_type="curated.finalize",
            fan_out="fan_in",
            task_params=_finalize_source,
            when=_proceed,
            when_description=WHEN,
            timeout_seconds=3600,
        ),
    ),
)
