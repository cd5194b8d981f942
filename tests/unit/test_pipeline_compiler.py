"""Compiling pipelines into the engine's JobDefinition (issue 16): the ready-made
templates plan exactly what their code-defined jobs plan, and keep their rules (who may
start them, admin-only parameters, ownership claims and owners)."""

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from core.engine.planning import plan_tasks
from core.errors import InvalidInput
from core.ownership import table
from core.pipelines.compiler import compile_pipeline
from core.pipelines.validation import parse_definition, validate
from jobs.registry import build_job_registry
from jobs.steps import build_step_catalog
from jobs.templates import templates

REGISTRY = build_job_registry()
CATALOG = build_step_catalog(REGISTRY)
SETTINGS = {"bronze_container": "bronze", "silver_container": "silver"}


def compiled(name: str, definition: dict | None = None):
    parsed = parse_definition(definition or templates()[name])
    assert validate(parsed, CATALOG) == []
    return compile_pipeline(name, 1, parsed, CATALOG, SETTINGS.__getitem__)


class Ctx:
    """A PlanContext with given results per stage."""

    def __init__(self, parameters, results: dict[str, list[dict]]):
        self.job_id = "job"
        self.parameters = parameters
        self._results = results

    def results_of(self, stage):
        return iter(self._results.get(stage, []))


@pytest.mark.parametrize("job_type", sorted(templates()))
def test_each_template_has_its_jobs_stages_and_rules(job_type):
    code, pipeline = REGISTRY.get(job_type), compiled(job_type)
    shape = lambda d: [
        (
            s.name,
            s.task_type,
            s.max_concurrency,
            s.timeout_seconds,
            s.retry.max_tries,  # noqa: E731
            s.retry.backoff_base_seconds,
            s.failure.tolerate_failure_share,
            s.when is not None,
        )
        for s in d.stages
    ]
    assert shape(pipeline) == shape(code)
    assert pipeline.min_role == code.min_role
    assert dict(pipeline.restricted_parameters) == dict(code.restricted_parameters)


def plans(definition, parameters: dict, results: dict, number: int) -> list[dict]:
    ctx = Ctx(definition.parameters_model.model_validate(parameters), results)
    return list(plan_tasks(definition, number, ctx))


def test_the_hello_template_plans_what_hello_world_plans():
    code, pipeline = REGISTRY.get("hello_world"), compiled("hello_world")
    params = {"n": 4, "message": "hey"}
    greetings = [{"index": i, "greeting": f"hey #{i}"} for i in range(4)]
    results = {"greet": greetings, "reply": [{"index": 0, "reply": "r"}]}
    for number in (1, 2, 3):
        assert plans(pipeline, params, results, number) == plans(code, params, results, number)


def test_the_vector_template_plans_chunks_and_indexes_like_process_vector():
    code, pipeline = REGISTRY.get("process_vector"), compiled("process_vector")
    params = {"blob_name": "a/b.kml", "table_name": "parks", "container": "bronze"}
    group = {
        "layers": ["x"],
        "columns": [],
        "source_crs": "EPSG:4326",
        "crs_reason": "declared",
        "needs_reprojection": False,
        "staging": {"points": "s_points", "polygons": "s_polygons"},
    }
    inspect = {
        "source": {},
        "layer": None,
        "layers": [],
        "datasets": [],
        "groups": [group],
        "feature_count": 15,
        "declared_geometry_type": None,
        "warnings": [],
        "chunks": [
            {"index": 0, "skip": 0, "count": 10},
            {"index": 1, "skip": 10, "count": 5, "layer": "x"},
        ],
    }
    report = {"chunk": 0, "read": 3, "loaded": 3}
    results = {
        "inspect": [inspect],
        "load": [report | {"rows": {"points": 3}}, report | {"rows": {"points": 1, "polygons": 0}}],
    }
    assert plans(pipeline, params, results, 2) == plans(code, params, results, 2)
    assert plans(pipeline, params, results, 3) == plans(code, params, results, 3)
    code_publish = plans(code, params, results, 4)[0]
    assert {
        k: v for k, v in plans(pipeline, params, results, 4)[0].items() if k in code_publish
    } == code_publish


def test_the_ingest_template_plans_parts_copies_and_loads_like_ingest_collection():
    code, pipeline = REGISTRY.get("ingest_collection"), compiled("ingest_collection")
    params = {"source_container": "bronze", "target_container": "silver"}
    asset = {"key": "k", "source_blob": "a", "target_blob": "b"}
    found = {"id": "c", "blob": "c.json", "document": {}, "assets": [asset]}
    discovery = {
        "collections": [found],
        "parts": 3,
        "item_links": 0,
        "ndjson_files": 1,
        "item_collections": 0,
        "documents_walked": 1,
    }
    parts = [
        {
            "batch": b,
            "collection_id": "c",
            "items": 1200,
            "staged": 1200 - 600 * (b == 1),
            "unchanged": 0,
            "assets": 2 * (b != 2),
            "external_assets": 0,
        }
        for b in range(3)
    ]
    copied = {"copied": 1, "skipped": 0, "bytes_copied": 10}
    results = {
        "discover": [discovery],
        "inventory": parts,
        "copy": [{"batch": b} | copied for b in (None, 0, 1)],
    }
    for number in (2, 3, 5):
        planned = plans(pipeline, params, results, number)
        assert planned and planned == plans(code, params, results, number)
    assert plans(code, params, results, 5) == [
        {"batches": [0], "collection_id": "c"},
        {"batches": [1, 2], "collection_id": "c"},
    ]


def test_claims_and_owner_follow_the_job_whose_parameters_a_step_takes():
    vector = compiled("process_vector")
    params = vector.parameters_model.model_validate({"blob_name": "a.kml", "table_name": "parks"})
    assert table("parks") in vector.claims(params) and table("parks_points") in vector.claims(
        params
    )
    curated = compiled("curated_update")
    assert (
        curated.owner(curated.parameters_model.model_validate({"dataset_id": "wdpa"}), "key:x")
        == "curated:wdpa"
    )


def test_inputs_known_at_submit_are_checked_at_submit():
    pipeline = compiled("hello_world")
    with pytest.raises(ValidationError):  # the run parameters' own model refuses it first
        pipeline.parameters_model.model_validate({"message": ""})
    direct = {
        "stages": [
            {
                "name": "g",
                "step": "hello.greet",
                "inputs": {"index": "{{ params.i }}", "message": "{{ params.m }}"},
            }
        ],
        "parameters": {
            "i": {"type": "string", "default": "x"},
            "m": {"type": "string", "default": "hi"},
        },
    }
    parsed = parse_definition(direct)
    assert [p.type for p in validate(parsed, CATALOG)] == ["type_mismatch"]
    unchecked = compile_pipeline("direct", 1, parsed, CATALOG, SETTINGS.__getitem__)
    with pytest.raises(InvalidInput, match="stages.g.inputs.index"):
        unchecked.claims(unchecked.parameters_model.model_validate({}))


def test_a_when_on_a_skipped_stage_reads_as_false():
    pipeline = compiled("process_raster")
    ctx = Ctx(
        pipeline.parameters_model.model_validate({"blob_name": "a.tif"}),
        {"inspect": [{"tiling": None}]},
    )
    assert pipeline.stage(2).when(ctx) is False
    assert pipeline.stage(2).when(Ctx(ctx.parameters, {})) is False


def test_admin_only_steps_and_fixed_admin_inputs_make_a_pipeline_admin_only():
    definition = templates()["process_raster"] | {}
    fixed = {
        **definition,
        "stages": [
            {
                **definition["stages"][0],
                "inputs": {**definition["stages"][0]["inputs"], "target_container": "elsewhere"},
            },
            *definition["stages"][1:],
        ],
    }
    assert compiled("fixed", fixed).min_role == "admin"
    assert compiled("process_raster").min_role == "submitter"
    assert SimpleNamespace(role=compiled("curated_update").min_role).role == "admin"
