"""What a pipeline can use: steps (registered task handlers with the rules of the jobs
that run them) and named planners. Pure descriptions; jobs/steps.py builds the catalog
from the platform's registries."""

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Mapping

from pydantic import BaseModel

from core.engine.definitions import PlanContext, StarterRole
from core.ownership import Claim

Group = Literal["vector", "raster", "stac", "curated", "utility", "other"]
GROUPS: tuple[Group, ...] = ("vector", "raster", "stac", "curated", "utility", "other")
TAKEOVER = "replace_owned_by_other"
SOURCE_STAGE = "source_stage"  # the input a fan_in step reads its source stage's name from


@dataclass(frozen=True)
class OutputLink:
    kind: str  # table, raster, stac_item, stac_collection, report, notification
    label: str
    href: str


@dataclass(frozen=True)
class NamedPlanner:
    """Items for a per_item stage that only code can find (e.g. one index task per
    geometry kind that received rows). `reads`: earlier stages by name → the step each
    must be; the planner reads their results through the PlanContext."""

    name: str
    description: str
    reads: Mapping[str, str]
    plan: Callable[[PlanContext], Iterable[Any]]


@dataclass(frozen=True)
class StepSpec:
    """A task handler as a pipeline step.

    `reads`: earlier stages the handler reads by name (stage name → step), fixed in its
    code; `min_role`: who may run a pipeline using it; `restricted_inputs`: admin-only
    inputs → the setting holding the only value others get (None: only false/empty);
    `claims`/`owner`: the ownership rules of the job whose parameters the step takes;
    `links`: what a result points at; `preview`: a side-effect-free run for the plan
    preview (`pure` steps are previewed by running the handler itself)."""

    step: str
    group: Group
    title: str
    description: str
    inputs: type[BaseModel]
    outputs: type[BaseModel]
    min_role: StarterRole = "admin"
    restricted_inputs: Mapping[str, str | None] = field(default_factory=dict)
    reads: Mapping[str, str] = field(default_factory=dict)
    optional_reads: Mapping[str, str] = field(default_factory=dict)
    planners: tuple[str, ...] = ()
    claims: Callable[[Any], list[Claim]] | None = None
    owner: Callable[[Any, str], str] | None = None
    links: Callable[[dict, Any], list[OutputLink]] | None = None
    preview: Callable[[Any, Any], BaseModel] | None = None
    pure: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "group": self.group,
            "title": self.title,
            "description": self.description,
            "inputs_schema": self.inputs.model_json_schema(),
            "outputs_schema": self.outputs.model_json_schema(mode="serialization"),
            "min_role": self.min_role,
            "admin_only_inputs": sorted(self.restricted_inputs),
            "reads": dict(self.reads),
            "optional_reads": dict(self.optional_reads),
            "planners": list(self.planners),
            "previewable": self.pure or self.preview is not None,
        }


class StepCatalog:
    def __init__(self, steps: Iterable[StepSpec], planners: Iterable[NamedPlanner] = ()):
        self._steps = {s.step: s for s in steps}
        self._planners = {p.name: p for p in planners}

    def step(self, name: str) -> StepSpec | None:
        return self._steps.get(name)

    def planner(self, name: str) -> NamedPlanner | None:
        return self._planners.get(name)

    def steps(self) -> list[StepSpec]:
        return [self._steps[name] for name in sorted(self._steps)]

    def planner_list(self) -> list[NamedPlanner]:
        return [self._planners[name] for name in sorted(self._planners)]
