"""The step catalog: every registered task handler as a pipeline step (docs/pipelines.md).

What a step may do is not restated here but taken from the code-defined jobs that run
it: a step only admin-only jobs use is admin-only; an admin-only parameter of a job is an
admin-only input of the steps that take that job's parameters; so are its ownership
claims and owner. A handler no job uses and that is not described below is admin-only
(nobody has reviewed it for pipelines). What only this module says: the palette group and
title, the earlier stages a handler reads by a fixed name, its named planners, links to
what it publishes, and how the plan preview may run it without side effects.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from core.engine.definitions import JobDefinition, StarterRole
from core.pipelines.steps import TAKEOVER, Group, NamedPlanner, OutputLink, StepCatalog, StepSpec
from jobs.ingest_collection import copy_parts, inventory_parts, register_loads
from services.engine.handlers import Handler, JobRegistry
from services.vector.handlers import plan_indexes, preview_inspect


@dataclass(frozen=True)
class StepNotes:
    group: Group
    title: str
    description: str
    reads: Mapping[str, str] = field(default_factory=dict)
    optional_reads: Mapping[str, str] = field(default_factory=dict)
    planners: tuple[str, ...] = ()
    links: Callable[[dict, Any], list[OutputLink]] | None = None
    preview: Callable[[Any, Any], Any] | None = None
    pure: bool = False
    min_role: StarterRole | None = None  # only for steps no code-defined job runs


def _table_links(result: dict, settings) -> list[OutputLink]:
    links = []
    for table in result.get("tables") or []:
        links += [
            OutputLink(
                "table",
                f"geo.{table} (OGC API features)",
                f"/api/features/collections/{table}/items",
            ),
            OutputLink("report", f"{table}: quality report", f"/api/vector/{table}/report"),
            OutputLink(
                "stac_item",
                f"{table}: STAC item",
                f"/api/stac/collections/{settings.stac_vector_collection}/items/{table}",
            ),
        ]
    return links


def _raster_links(result: dict, _settings) -> list[OutputLink]:
    item, collection = result["item_id"], result["collection_id"]
    return [
        OutputLink("raster", f"raster {item}", f"/api/raster/{item}/info"),
        OutputLink(
            "stac_item", f"{item}: STAC item", f"/api/stac/collections/{collection}/items/{item}"
        ),
    ]


def _collection_links(result: dict, _settings) -> list[OutputLink]:
    return [
        link
        for collection in result["collection_ids"]
        for link in (
            OutputLink(
                "stac_collection",
                f"STAC collection {collection}",
                f"/api/stac/collections/{collection}",
            ),
            OutputLink(
                "stac_item", f"{collection}: items", f"/api/stac/collections/{collection}/items"
            ),
        )
    ]


def _h3_links(result: dict, _settings) -> list[OutputLink]:
    return [
        OutputLink(
            "h3", f"{result['collection_id']}: H3 cells (OGC API features)", result["features_url"]
        ),
        OutputLink("stac_item", f"{result['collection_id']}: STAC item", result["stac_item_url"]),
    ]


def _curated_links(result: dict, _settings) -> list[OutputLink]:
    table = result["table"]
    return [
        OutputLink(
            "table", f"geo.{table} (OGC API features)", f"/api/features/collections/{table}/items"
        )
    ]


def _notification_links(result: dict, _settings) -> list[OutputLink]:
    target = result.get("delivered_to")
    return [
        OutputLink(
            "notification",
            f"notified {target}" if target else "notification in the job's events",
            "",
        )
    ]


DISCOVER = {"discover": "ingest.discover"}
INVENTORY = {"inventory": "ingest.inventory"}

PLANNERS = [
    NamedPlanner(
        "vector.index_tasks",
        "a primary key and a spatial index per geometry kind that received rows "
        "(items fit vector.build_index)",
        {"inspect": "vector.inspect", "load": "vector.load_chunk"},
        plan_indexes,
    ),
    NamedPlanner(
        "ingest.inventory_parts",
        "one item per part the discover stage planned: items {part}",
        DISCOVER,
        inventory_parts,
    ),
    NamedPlanner(
        "ingest.copy_parts",
        "the collections' own assets (batch null), then each inventoried batch with "
        "assets to copy: items {batch}",
        DISCOVER | INVENTORY,
        copy_parts,
    ),
    NamedPlanner(
        "ingest.register_loads",
        "batches with new or changed items whose copies were made, consecutive "
        "ones of a collection together (about 2,500 items a load): items {batches, collection_id}",
        INVENTORY | {"copy": "ingest.copy"},
        register_loads,
    ),
]

INSPECT_VECTOR = {"inspect": "vector.inspect"}
INSPECT_RASTER = {"inspect": "raster.inspect"}

NOTES: dict[str, StepNotes] = {
    "hello.greet": StepNotes("utility", "Greet", "one greeting: `{index} {message}`", pure=True),
    "hello.reply": StepNotes(
        "utility", "Reply", "a reply to a greeting (takes a greet result)", pure=True
    ),
    "hello.summarize": StepNotes(
        "utility", "Summarize replies", "fan-in: counts its source stage's replies", pure=True
    ),
    "utility.notify": StepNotes(
        "utility",
        "Notify",
        "record a message in the run's events and, optionally, POST it "
        "to a webhook on SOURCE_ALLOWED_HOSTS",
        links=_notification_links,
        min_role="submitter",
    ),
    "vector.inspect": StepNotes(
        "vector",
        "Inspect vector file",
        "detect format, encoding, CRS and layers; count "
        "features; plan chunks (its `chunks` output); create staging tables",
        preview=preview_inspect,
    ),
    "vector.load_chunk": StepNotes(
        "vector",
        "Load chunk",
        "read, repair and COPY one chunk into staging (per_item over the inspection's chunks)",
        reads=INSPECT_VECTOR,
    ),
    "vector.build_index": StepNotes(
        "vector",
        "Build index",
        "one index on a staging table (items of the vector.index_tasks planner)",
        planners=("vector.index_tasks",),
    ),
    "vector.publish": StepNotes(
        "vector",
        "Publish table",
        "swap staging into geo atomically with metadata, a STAC "
        "item, an OGC API collection and the quality report",
        reads=INSPECT_VECTOR | {"load": "vector.load_chunk"},
        links=_table_links,
    ),
    "raster.inspect": StepNotes(
        "raster",
        "Inspect raster",
        "infer what the raster is (with reasons) and choose a COG "
        "profile; plans parts for large rasters (`tiling.parts`)",
        pure=True,
    ),
    "raster.cog_part": StepNotes(
        "raster",
        "COG part",
        "one band of rows of a large raster's COG (per_item over the inspection's tiling.parts)",
        reads=INSPECT_RASTER,
    ),
    "raster.cog": StepNotes(
        "raster",
        "Make COG",
        "write and validate the COG (assembling the parts of a large one)",
        reads=INSPECT_RASTER,
        optional_reads={"cog_parts": "raster.cog_part"},
    ),
    "raster.catalog": StepNotes(
        "raster",
        "Catalog raster",
        "raster.cog_metadata row and a STAC item in pgSTAC",
        reads=INSPECT_RASTER | {"cog": "raster.cog"},
        links=_raster_links,
    ),
    "ingest.discover": StepNotes(
        "stac",
        "Discover collections",
        "walk a collection or a static catalog and read "
        "ItemCollections / NDJSON; claim every collection found; plan inventory parts",
    ),
    "ingest.inventory": StepNotes(
        "stac",
        "Inventory part",
        "read, migrate and validate one part's items; stage the "
        "new or changed ones (per_item over ingest.inventory_parts)",
        planners=("ingest.inventory_parts",),
    ),
    "ingest.copy": StepNotes(
        "stac",
        "Copy assets",
        "server-side copy of one batch's assets to the target container",
        reads=DISCOVER,
        planners=("ingest.copy_parts",),
    ),
    "ingest.register_collection": StepNotes(
        "stac",
        "Register collections",
        "the collections in pgSTAC, hrefs rewritten",
        reads=DISCOVER,
        optional_reads={"copy": "ingest.copy"},
        links=_collection_links,
    ),
    "ingest.register_items": StepNotes(
        "stac",
        "Register items",
        "one load of staged items in pgSTAC",
        planners=("ingest.register_loads",),
    ),
    "ingest.finalize": StepNotes(
        "stac",
        "Describe H3 sources",
        "an h3.source_catalog entry per collection; totals",
        reads=DISCOVER | INVENTORY | {"register_items": "ingest.register_items"},
        optional_reads={"copy": "ingest.copy"},
    ),
    "h3.prepare": StepNotes(
        "raster",
        "Plan H3 aggregation",
        "resolve the source raster, the area and the resolution; "
        "list the parent cells that become tasks (`parents`)",
    ),
    "h3.cells": StepNotes(
        "raster",
        "Aggregate H3 cells",
        "one parent cell: its window of the raster through "
        "exactextract, coverage-weighted (per_item over `parents`)",
        reads={"prepare": "h3.prepare"},
    ),
    "h3.publish": StepNotes(
        "raster",
        "Publish H3 aggregation",
        "swap the cells in atomically; the aggregation's row and STAC item",
        reads={"prepare": "h3.prepare"},
        links=_h3_links,
    ),
    "curated.check_version": StepNotes(
        "curated",
        "Check source version",
        "compare the source's version with the registry's; decide whether to proceed (`proceed`)",
    ),
    "curated.fetch_events": StepNotes(
        "curated",
        "Fetch events",
        "an event source's (ACLED) events of one month or "
        "page, or its deletions, into typed staging rows (per item of the check's "
        "`events.items`)",
        reads={"check_version": "curated.check_version"},
    ),
    "curated.download": StepNotes(
        "curated", "Download release", "stream the release into bronze (fan_in over the check)"
    ),
    "curated.finalize": StepNotes(
        "curated",
        "Finalize curated table",
        "map/merge into the target table, record the "
        "version and the update log (over the publish, or the fetched events)",
        reads={"check_version": "curated.check_version"},
    ),
}


def build_step_catalog(jobs: JobRegistry) -> StepCatalog:
    definitions = jobs.definitions()
    handlers = [jobs.handlers.get(task_type) for task_type in jobs.handlers.task_types()]
    return StepCatalog([step_spec(h, definitions) for h in handlers], PLANNERS)


def step_spec(handler: Handler, definitions: list[JobDefinition]) -> StepSpec:
    notes = NOTES.get(handler.task_type) or StepNotes(
        "other", handler.task_type, "(not described for pipelines)"
    )
    users = [d for d in definitions if any(s.task_type == handler.task_type for s in d.stages)]
    same_parameters = [d for d in users if d.parameters_model is handler.params_model]
    return StepSpec(
        step=handler.task_type,
        group=notes.group,
        title=notes.title,
        description=notes.description,
        inputs=handler.params_model,
        outputs=handler.result_model,
        min_role=_min_role(users, notes),
        restricted_inputs=_restricted(handler, users),
        reads=notes.reads,
        optional_reads=notes.optional_reads,
        planners=notes.planners,
        claims=next((d.claims for d in same_parameters if d.claims), None),
        owner=next((d.owner for d in same_parameters if d.owner), None),
        links=notes.links,
        preview=notes.preview,
        pure=notes.pure,
    )


def _min_role(users: list[JobDefinition], notes: StepNotes) -> StarterRole:
    if users:
        return "admin" if all(d.min_role == "admin" for d in users) else "submitter"
    return notes.min_role or "admin"


def _restricted(handler: Handler, users: list[JobDefinition]) -> dict[str, str | None]:
    fields = handler.params_model.model_fields
    restricted = {
        name: setting
        for d in users
        for name, setting in d.restricted_parameters.items()
        if name in fields
    }
    if TAKEOVER in fields:
        restricted[TAKEOVER] = None
    return restricted
