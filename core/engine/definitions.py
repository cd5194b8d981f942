"""The declarative job model: a job is a parameters model and ordered stages.

A stage's fan-out rule says how many tasks it gets and what each receives:

- ``single``          one task; its parameters are the job's parameters.
- ``per_item``        one task per item of a list in the results of any earlier stage
                      (``ItemsFrom.stage_results("inventory", "batches")``), or per item
                      a ``planner`` finds.
- ``match_previous``  one task per task of an earlier stage (default: the previous one),
                      receiving that task's result.
- ``fan_in``          one task receiving a reference to an earlier stage; the handler
                      reads that stage's results through its TaskContext.

``planner`` overrides the rule with code when a stage needs it; ``task_params`` shapes
each task's parameters. Planners and conditions read any earlier stage through the
``PlanContext``, so large lists live in the database, never in messages.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Mapping, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.ownership import Claim

FanOut = Literal["single", "per_item", "match_previous", "fan_in"]
StarterRole = Literal["submitter", "admin"]


class JobParameters(BaseModel):
    """Base of every job's parameters model: an unknown parameter is an error (a misspelt
    option must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class RetryPolicy(BaseModel):
    max_tries: int = Field(3, ge=1, le=100)
    backoff_base_seconds: float = Field(1.0, ge=0)
    backoff_max_seconds: float = Field(300.0, ge=0)
    jitter: float = Field(0.25, ge=0, le=1)  # share of the delay, +/-


class FailurePolicy(BaseModel):
    """0 fails the job at the first permanently failed task; 0.1 tolerates up to 10 %
    (the stage and job end `completed_with_errors`)."""

    tolerate_failure_share: float = Field(0.0, ge=0, le=1)


class ItemsFrom(BaseModel):
    """Items listed under `field` in each result of `stage`, concatenated in task order."""

    stage: str
    field: str

    @classmethod
    def stage_results(cls, stage: str, field: str) -> "ItemsFrom":
        return cls(stage=stage, field=field)


class PlanContext(Protocol):
    """What a planner, a `when` condition or `task_params` may read."""

    job_id: str
    parameters: BaseModel

    def results_of(self, stage_name: str) -> Iterable[dict[str, Any]]: ...


Planner = Callable[[PlanContext], Iterable[dict[str, Any]]]
Condition = Callable[[PlanContext], bool]
TaskParams = Callable[[Any, PlanContext], dict[str, Any]]


@dataclass(frozen=True)
class StageDefinition:
    name: str
    task_type: str
    fan_out: FanOut = "single"
    items: ItemsFrom | None = None  # per_item
    source_stage: str | None = None  # match_previous / fan_in; default: previous stage
    max_concurrency: int = 100
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: int = 300
    failure: FailurePolicy = field(default_factory=FailurePolicy)
    when: Condition | None = None
    when_description: str | None = None
    planner: Planner | None = None
    task_params: TaskParams | None = None

    def __post_init__(self) -> None:
        if self.fan_out == "per_item" and self.items is None and self.planner is None:
            raise ValueError(f"stage {self.name!r}: per_item needs `items` or a `planner`")
        if self.max_concurrency < 1 or self.timeout_seconds < 1:
            raise ValueError(
                f"stage {self.name!r}: max_concurrency and timeout_seconds must be positive"
            )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task_type": self.task_type,
            "fan_out": self.fan_out,
            "items": self.items.model_dump() if self.items else None,
            "source_stage": self.source_stage,
            "max_concurrency": self.max_concurrency,
            "retry": self.retry.model_dump(),
            "timeout_seconds": self.timeout_seconds,
            "failure": self.failure.model_dump(),
            "when": self.when_description if self.when else None,
            "custom_planner": self.planner is not None,
        }


@dataclass(frozen=True)
class JobDefinition:
    """`min_role`: who may start it (`admin` also covers the scheduler). Non-admins may pass
    a `restricted_parameters` entry only with the value the named setting holds (None: only
    a false/empty value), so containers stay fixed by settings. `claims` lists what the job
    will publish, checked against its owner at submit; `owner` says who owns what it
    publishes (default: whoever submitted it)."""

    job_type: str
    description: str
    parameters_model: type[BaseModel]
    stages: tuple[StageDefinition, ...]
    min_role: StarterRole = "submitter"
    restricted_parameters: Mapping[str, str | None] = field(default_factory=dict)
    claims: Callable[[Any], list[Claim]] | None = None
    owner: Callable[[Any, str], str] | None = None

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError(f"job {self.job_type!r} has no stages")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"job {self.job_type!r}: stage names must be unique")
        for number, stage in enumerate(self.stages, start=1):
            earlier = set(names[: number - 1])
            referenced = stage.source_stage or (stage.items.stage if stage.items else None)
            if referenced is not None and referenced not in earlier:
                raise ValueError(
                    f"job {self.job_type!r}: stage {stage.name!r} reads {referenced!r}, not an earlier stage"
                )
            if (
                stage.fan_out in ("match_previous", "fan_in")
                and number == 1
                and stage.planner is None
            ):
                raise ValueError(
                    f"job {self.job_type!r}: the first stage cannot be {stage.fan_out}"
                )

    def stage(self, number: int) -> StageDefinition:
        return self.stages[number - 1]

    def source_of(self, number: int) -> str:
        """The stage a match_previous / fan_in stage reads (default: the previous one)."""
        return self.stage(number).source_stage or self.stage(number - 1).name

    def describe(self) -> dict[str, Any]:
        return {
            "job_type": self.job_type,
            "description": self.description,
            "parameters_schema": self.parameters_model.model_json_schema(),
            "stages": [stage.describe() for stage in self.stages],
            "min_role": self.min_role,
            "admin_only_parameters": sorted(self.restricted_parameters),
        }
