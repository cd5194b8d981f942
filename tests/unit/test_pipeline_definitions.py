"""The pipeline definition model and its validator (issue 16): each rejection reason,
named with its stage and field; the templates of the code-defined jobs; references."""

import pytest

from core.errors import InvalidInput
from core.pipelines.references import BadReference, parse_condition, refs_in, resolve, whole_ref
from core.pipelines.validation import parse_definition, validate
from jobs.registry import build_job_registry
from jobs.steps import build_step_catalog

CATALOG = build_step_catalog(build_job_registry())
GREET = {
    "name": "greet",
    "step": "hello.greet",
    "fan_out": "per_item",
    "items": {"range": "{{ params.n }}"},
    "inputs": {"index": "{{ item }}", "message": "{{ params.message }}"},
}
REPLY = {
    "name": "reply",
    "step": "hello.reply",
    "fan_out": "per_item",
    "items": "{{ stages.greet.results }}",
    "inputs": "{{ item }}",
}
SUMMARY = {"name": "summarize", "step": "hello.summarize", "fan_out": "fan_in", "source": "reply"}
PARAMS = {
    "n": {"type": "integer", "default": 3, "minimum": 1},
    "message": {"type": "string", "default": "hi"},
    "names": {"type": "array", "items": "string", "default": []},
    "flag": {"type": "boolean", "default": False},
}


def problems(stages, parameters=None, **extra) -> set[tuple[str | None, str, str]]:
    definition = parse_definition(
        {"parameters": PARAMS if parameters is None else parameters, "stages": stages, **extra}
    )
    return {(p.stage, p.field, p.type) for p in validate(definition, CATALOG)}


def test_a_sound_pipeline_has_no_problems():
    assert problems([GREET, REPLY, SUMMARY]) == set()


def with_(stage: dict, **changes) -> dict:
    return {**stage, **changes}


REJECTIONS = [
    # steps and names
    ([with_(GREET, step="nope.step")], ("greet", "stages.0.step", "unknown_step")),
    (
        [GREET, with_(SUMMARY, name="greet", source="greet")],
        ("greet", "stages.1.name", "duplicate_stage"),
    ),
    # fan-out rules
    ([with_(GREET, fan_out="single")], ("greet", "stages.0.items", "fan_out")),
    (
        [{"name": "r", "step": "hello.reply", "fan_out": "per_item", "inputs": "{{ item }}"}],
        ("r", "stages.0.items", "fan_out"),
    ),
    ([GREET, REPLY, with_(SUMMARY, source=None)], ("summarize", "stages.2.source", "fan_out")),
    (
        [
            GREET,
            with_(
                REPLY,
                fan_out="single",
                items=None,
                source="greet",
                inputs={"index": 1, "greeting": "x"},
            ),
        ],
        ("reply", "stages.1.source", "fan_out"),
    ),
    # lists to fan out over
    ([with_(GREET, items="{{ params.message }}")], ("greet", "stages.0.items", "not_a_list")),
    (
        [GREET, with_(REPLY, fan_out="per_item", items="{{ stages.summ.output.replies }}")],
        ("reply", "stages.1.items", "unknown_stage"),
    ),
    (
        [
            {"name": "s", "step": "hello.summarize", "inputs": {"source_stage": "s"}},
            with_(REPLY, items="{{ stages.s.output.replies }}"),
        ],
        ("reply", "stages.1.items", "not_a_list"),
    ),
    (
        [with_(GREET, items={"range": "{{ params.message }}"})],
        ("greet", "stages.0.items.range", "not_a_list"),
    ),
    ([with_(GREET, items={"range": -1})], ("greet", "stages.0.items.range", "not_a_list")),
    (
        [with_(GREET, items={"planner": "nope"})],
        ("greet", "stages.0.items.planner", "unknown_planner"),
    ),
    (
        [with_(GREET, items={"planner": "vector.index_tasks"})],
        ("greet", "stages.0.items.planner", "unknown_planner"),
    ),
    # what handlers read by name
    (
        [
            {
                "name": "load",
                "step": "vector.load_chunk",
                "fan_out": "per_item",
                "items": "{{ params.names }}",
                "inputs": "{{ item }}",
            }
        ],
        ("load", "stages.0.step", "missing_read"),
    ),
    # inputs
    (
        [with_(GREET, inputs={"index": "{{ item }}", "message": "x", "colour": "red"})],
        ("greet", "stages.0.inputs.colour", "unknown_input"),
    ),
    (
        [with_(GREET, inputs={"index": "{{ item }}"})],
        ("greet", "stages.0.inputs.message", "missing_input"),
    ),
    (
        [with_(GREET, inputs={"index": "one", "message": "x"})],
        ("greet", "stages.0.inputs.index", "invalid_input"),
    ),
    (
        [with_(GREET, inputs={"index": "{{ params.message }}", "message": "x"})],
        ("greet", "stages.0.inputs.index", "type_mismatch"),
    ),
    (
        [with_(GREET, inputs={"index": "{{ params.nope }}", "message": "x"})],
        ("greet", "stages.0.inputs.index", "unknown_parameter"),
    ),
    (
        [with_(GREET, inputs={"index": "{{ item }}", "message": "{{ params.message"})],
        ("greet", "stages.0.inputs.message", "bad_reference"),
    ),
    (
        [
            with_(
                GREET, fan_out="single", items=None, inputs={"index": "{{ item }}", "message": "x"}
            )
        ],
        ("greet", "stages.0.inputs.index", "bad_reference"),
    ),
    (
        [GREET, with_(REPLY, fan_out="single", items=None, inputs="{{ stages.greet.results }}")],
        ("reply", "stages.1.inputs", "bad_reference"),
    ),
    # references to stages
    (
        [with_(REPLY, name="reply", items="{{ stages.greet.results }}"), GREET],
        ("reply", "stages.0.items", "later_stage"),
    ),
    (
        [
            {
                "name": "a",
                "step": "hello.greet",
                "inputs": {"index": "{{ stages.b.output.index }}", "message": "x"},
            },
            {
                "name": "b",
                "step": "hello.greet",
                "inputs": {"index": "{{ stages.a.output.index }}", "message": "x"},
            },
        ],
        ("b", "stages.1.inputs.index", "cycle"),
    ),
    (
        [
            {
                "name": "a",
                "step": "hello.greet",
                "inputs": {"index": "{{ stages.a.output.index }}", "message": "x"},
            }
        ],
        ("a", "stages.0.inputs.index", "cycle"),
    ),
    (
        [
            GREET,
            {
                "name": "one",
                "step": "hello.reply",
                "inputs": {"index": "{{ stages.greet.output.index }}", "greeting": "x"},
            },
        ],
        ("one", "stages.1.inputs.index", "multi_result_output"),
    ),
    (
        [
            {"name": "g", "step": "hello.greet", "inputs": {"index": 1, "message": "x"}},
            {
                "name": "r",
                "step": "hello.reply",
                "inputs": {"index": "{{ stages.g.output.number }}", "greeting": "x"},
            },
        ],
        ("r", "stages.1.inputs.index", "missing_output"),
    ),
    # admin-only inputs and conditions
    (
        [
            {"name": "inspect", "step": "raster.inspect", "inputs": {"blob_name": "a.tif"}},
            {
                "name": "cog",
                "step": "raster.cog",
                "inputs": {
                    "blob_name": "a.tif",
                    "container": "{{ stages.inspect.output.raster_type }}",
                },
            },
        ],
        ("cog", "stages.1.inputs.container", "admin_only_input"),
    ),
    (
        [
            {
                "name": "inspect",
                "step": "raster.inspect",
                "inputs": {"blob_name": "a.tif", "replace_owned_by_other": True},
            }
        ],
        ("inspect", "stages.0.inputs.replace_owned_by_other", "admin_only_input"),
    ),
    (
        [with_(GREET, when="{{ params.flag }} and more")],
        ("greet", "stages.0.when", "bad_condition"),
    ),
    ([with_(GREET, when="{{ item.x }}")], ("greet", "stages.0.when", "bad_reference")),
]


@pytest.mark.parametrize(
    "stages,expected", REJECTIONS, ids=[f"{e[2]}:{e[1]}" for _, e in REJECTIONS]
)
def test_each_rejection_names_its_stage_field_and_reason(stages, expected):
    stage, field, kind = expected
    assert (stage, field, f"{kind}") in {(s, f, t) for s, f, t in problems(stages)}


@pytest.mark.parametrize(
    "spec,field",
    [
        ({"scheduled_for": {"type": "string"}}, "parameters.scheduled_for"),
        ({"model_config": {"type": "string"}}, "parameters.model_config"),
        ({"json": {"type": "string"}}, "parameters.json"),
        ({"p": {"type": "string", "minimum": 1}}, "parameters.p"),
        ({"p": {"type": "integer", "max_length": 3}}, "parameters.p"),
        ({"p": {"type": "string", "items": "string"}}, "parameters.p"),
        ({"p": {"type": "boolean", "enum": [True]}}, "parameters.p"),
        ({"p": {"type": "integer", "default": "three"}}, "parameters.p.default"),
    ],
)
def test_bad_run_parameters_are_named(spec, field):
    found = problems(
        [{"name": "g", "step": "hello.greet", "inputs": {"index": 1, "message": "x"}}],
        parameters=spec,
    )
    assert field in {f for _, f, _ in found}


def test_schedules_need_a_valid_cron_and_valid_parameters():
    found = problems([GREET], schedule={"cron": "every day", "parameters": {"n": "many"}})
    assert {(f, t) for _, f, t in found} == {
        ("schedule.cron", "bad_schedule"),
        ("schedule.parameters.n", "bad_schedule"),
    }


def test_structure_errors_are_422_with_the_stage_named():
    with pytest.raises(InvalidInput) as caught:
        parse_definition(
            {
                "stages": [{"name": "fine", "step": "hello.greet", "max_concurrency": 0}],
                "colour": "red",
            }
        )
    fields = {(e["stage"], e["field"]) for e in caught.value.errors}
    assert fields == {("fine", "stages.0.max_concurrency"), (None, "colour")}


def test_references_keep_types_whole_and_interpolate_inside_text():
    class Scope:
        def lookup(self, ref):
            return {"params.n": 3, "item": {"a": [1, 2]}}[
                ref.text if ref.root != "item" else "item"
            ]

    assert resolve("{{ params.n }}", Scope()) == 3
    assert resolve({"x": ["n={{ params.n }}", "{{ item }}"]}, Scope()) == {
        "x": ["n=3", {"a": [1, 2]}]
    }
    assert (
        whole_ref(" {{ stages.s.output.a.0 }} ").path == ("a", "0")
        and whole_ref("x {{ item }}") is None
    )
    assert parse_condition("not {{ params.flag }}")[1] is True
    with pytest.raises(BadReference):
        list(refs_in("{{ params.n }} }}"))
    with pytest.raises(BadReference):
        whole_ref("{{ stages.s.results.x }}")
    with pytest.raises(BadReference, match="deep"):
        whole_ref("{{ params" + ".a" * 5000 + " }}")
