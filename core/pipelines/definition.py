"""The pipeline definition format: what the builder saves and the API accepts.

A pipeline is run parameters and ordered stages. Each stage names a *step* (a registered
task handler), binds the step's inputs, and says how many tasks it fans out to. Values
may be constants or references written `{{ ... }}` (core/pipelines/references.py):

    {{ params.NAME }}                     a run parameter
    {{ item }} / {{ item.PATH }}          the element a per_item task was planned for
    {{ stages.NAME.output.PATH }}         the result of an earlier single-task stage
    {{ stages.NAME.results }}             every result of an earlier stage (per_item items only)

The JSON Schema of this model is served at /api/pipelines/schema.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.engine.definitions import RetryPolicy

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
PipelineName = Annotated[
    str, Field(pattern=NAME_PATTERN, description="lowercase identifier, at most 63 characters")
]
StageName = Annotated[str, Field(pattern=NAME_PATTERN)]
ParameterType = Literal["string", "integer", "number", "boolean", "array", "object"]
ItemType = Literal["string", "integer", "number", "boolean", "object"]
FanOutRule = Literal["single", "per_item", "fan_in"]
# Run parameters every pipeline has: the scheduler's fire time (each scheduled run its own
# job) and an admin's takeover flag (read by the ownership checks from the job's parameters).
RESERVED_PARAMETERS = ("scheduled_for", "replace_owned_by_other")
# Names the API's own paths use under /api/pipelines/.
RESERVED_NAMES = ("schema", "steps", "templates", "validate", "runs")
MAX_STAGES = 50
MAX_TEXT = 10_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetrySpec(RetryPolicy):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(Strict):
    """One run parameter, a small subset of JSON Schema."""

    type: ParameterType
    description: str = Field("", max_length=1000)
    required: bool = Field(
        False, description="must be given at run time (ignored when there is a default)"
    )
    default: Any = None
    enum: list[str | int | float] | None = Field(None, min_length=1, max_length=200)
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(None, ge=0, description="strings: characters; arrays: items")
    max_length: int | None = Field(None, ge=0, description="strings: characters; arrays: items")
    items: ItemType | None = Field(None, description="arrays: the type of their items")


class RangeItems(Strict):
    """One task per integer 0 … n-1."""

    range: int | str = Field(
        description="a count, or a reference to an integer such as {{ params.n }}"
    )


class PlannerItems(Strict):
    """One task per item a step's own planner finds in earlier results (GET /api/pipelines/steps lists them)."""

    planner: str = Field(max_length=100)


Items = Annotated[
    str | RangeItems | PlannerItems,
    Field(
        description=(
            "per_item: a reference to a list ({{ params.NAME }}, {{ stages.NAME.output.PATH }}, "
            "{{ stages.NAME.results }}), a range, or a named planner"
        )
    ),
]


class StageSpec(Strict):
    name: StageName
    step: str = Field(max_length=100, description="a registered step (GET /api/pipelines/steps)")
    description: str = Field("", max_length=1000)
    fan_out: FanOutRule = Field(
        "single",
        description="single: one task; per_item: one task per item of `items`; "
        "fan_in: one task that reads every result of `source`",
    )
    items: Items | None = None
    source: StageName | None = Field(
        None, description="fan_in: the earlier stage whose results the step reads"
    )
    inputs: dict[str, Any] | str = Field(
        default_factory=dict,
        description=(
            "the step's inputs: field -> constant or reference; or one reference that is the whole inputs object "
            "(e.g. {{ item }})"
        ),
    )
    when: str | None = Field(
        None,
        max_length=500,
        description="run only when this reference is truthy: "
        "'{{ params.flag }}' or 'not {{ stages.x.output.y }}'",
    )
    max_concurrency: int = Field(100, ge=1, le=10_000)
    timeout_seconds: int = Field(300, ge=1, le=86_400)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    tolerate_failure_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of tasks that may fail permanently (the run ends completed_with_errors)",
    )


class Schedule(Strict):
    cron: str = Field(max_length=100, description="five-field cron, UTC, e.g. '0 3 * * *'")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="the run parameters of scheduled runs"
    )


class PipelineDefinition(Strict):
    description: str = Field("", max_length=MAX_TEXT)
    parameters: dict[Annotated[str, Field(pattern=NAME_PATTERN)], ParameterSpec] = Field(
        default_factory=dict, max_length=100, description="the run parameters, by name"
    )
    stages: list[StageSpec] = Field(min_length=1, max_length=MAX_STAGES)
    schedule: Schedule | None = Field(
        None, description="run by the platform's scheduler, as whoever saved it"
    )

    def stage_index(self) -> dict[str, int]:
        return {stage.name: number for number, stage in enumerate(self.stages)}


def definition_schema() -> dict[str, Any]:
    schema = PipelineDefinition.model_json_schema()
    schema["title"] = "GeoETL pipeline definition"
    schema["$id"] = "/api/pipelines/schema"
    return schema
