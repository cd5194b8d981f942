"""A validated pipeline version → the engine's JobDefinition, so it runs exactly like a
code-defined job: same planning, identity, retries, budgets and role checks.

The rules of the steps become the job's rules: a step only admins may run, or an
admin-only input fixed to a constant, makes the pipeline admin-only; an admin-only input
bound to a run parameter makes that parameter admin-only; ownership claims and owners are
computed from the stages whose inputs are known at submit.
"""

from typing import Any, Callable, Iterator, Mapping

from pydantic import BaseModel, ValidationError

from core.engine.definitions import (
    FailurePolicy,
    JobDefinition,
    PlanContext,
    RetryPolicy,
    StageDefinition,
    StarterRole,
)
from core.errors import InvalidInput, field_errors
from core.ownership import Claim
from core.pipelines.definition import PipelineDefinition, PlannerItems, RangeItems, StageSpec
from core.pipelines.parameters import parameters_model
from core.pipelines.references import Ref, parse_condition, refs_in, resolve, walk, whole_ref
from core.pipelines.steps import SOURCE_STAGE, TAKEOVER, StepCatalog, StepSpec

JOB_TYPE_PREFIX = "pipeline:"
Setting = Callable[[str], Any]


def job_type_for(name: str, version: int) -> str:
    return f"{JOB_TYPE_PREFIX}{name}@{version}"


class RunScope:
    """What references read while a stage is planned: the run's parameters, earlier
    stages' results (read once per planning), and the current item."""

    def __init__(self, ctx: PlanContext, item: Any = None, cache: dict | None = None):
        self.ctx = ctx
        self.item = item
        self._cache = cache if cache is not None else {}

    def with_item(self, item: Any) -> "RunScope":
        return RunScope(self.ctx, item, self._cache)

    def results(self, stage: str) -> list[Any]:
        if stage not in self._cache:
            self._cache[stage] = list(self.ctx.results_of(stage))
        return self._cache[stage]

    def lookup(self, ref: Ref) -> Any:
        if ref.root == "params":
            return walk(self.ctx.parameters.model_dump(mode="json"), ref.path, "the run parameters")
        if ref.root == "item":
            return walk(self.item, ref.path, "the item")
        results = self.results(ref.stage or "")
        if ref.part == "results":
            return results
        if len(results) != 1:
            raise LookupError(
                f"stage {ref.stage!r} has {len(results)} results, not one (was it skipped?)"
            )
        return walk(results[0], ref.path, f"the output of stage {ref.stage!r}")


class ParamsOnly:
    """A PlanContext with nothing but the run's parameters (submit-time checks)."""

    job_id = "submit"

    def __init__(self, parameters: BaseModel):
        self.parameters = parameters

    def results_of(self, stage_name: str):
        raise LookupError(f"stage {stage_name!r} has not run")


class CompiledStage:
    def __init__(self, stage: StageSpec, step: StepSpec, catalog: StepCatalog, setting: Setting):
        self.stage = stage
        self.step = step
        self.catalog = catalog
        # Admin-only inputs left unbound get the setting's value, as code-defined jobs' do.
        self.defaults = {
            name: setting(source)
            for name, source in step.restricted_inputs.items()
            if source and name not in _bound(stage)
        }

    def plan(self, ctx: PlanContext) -> Iterator[dict[str, Any]]:
        scope = RunScope(ctx)
        if self.stage.fan_out != "per_item":
            yield self.task_inputs(scope)
            return
        for item in self.items(scope):
            yield self.task_inputs(scope.with_item(item))

    def items(self, scope: RunScope) -> Iterator[Any]:
        items = self.stage.items
        if isinstance(items, PlannerItems):
            planner = self.catalog.planner(items.planner)
            if planner is None:
                raise InvalidInput(f"stage {self.stage.name!r}: unknown planner {items.planner!r}")
            yield from planner.plan(scope.ctx)
        elif isinstance(items, RangeItems):
            count = resolve(items.range, scope)
            if not isinstance(count, int) or isinstance(count, bool):
                raise InvalidInput(
                    f"stage {self.stage.name!r}: range {items.range} is {count!r}, not an integer"
                )
            yield from range(count)
        else:
            ref = whole_ref(items)
            if ref is None:
                raise InvalidInput(
                    f"stage {self.stage.name!r}: items {items!r} is not one reference"
                )
            yield from self.listed(ref, scope)

    def listed(self, ref: Ref, scope: RunScope) -> Iterator[Any]:
        """A list reference; over a stage with several results, their lists one after another."""
        if ref.root == "stages" and ref.part == "output":
            values = [
                walk(result, ref.path, f"a result of stage {ref.stage!r}")
                for result in scope.results(ref.stage or "")
            ]
        else:
            values = [scope.lookup(ref)]
        for value in values:
            if not isinstance(value, list):
                raise InvalidInput(
                    f"stage {self.stage.name!r}: {ref.describe()} is not a list to fan out over"
                )
            yield from value

    def task_inputs(self, scope: RunScope) -> dict[str, Any]:
        return self.task_model(scope).model_dump(mode="json")

    def task_model(self, scope: RunScope) -> BaseModel:
        values = resolve(self.stage.inputs, scope)
        if not isinstance(values, dict):
            raise InvalidInput(
                f"stage {self.stage.name!r}: inputs {self.stage.inputs} gave {type(values).__name__}, "
                "not an object"
            )
        values = self.defaults | values
        if self.stage.fan_out == "fan_in" and SOURCE_STAGE in self.step.inputs.model_fields:
            values.setdefault(SOURCE_STAGE, self.stage.source)
        return self.validated(values)

    def validated(self, values: dict[str, Any]) -> BaseModel:
        try:
            return self.step.inputs.model_validate(values)
        except ValidationError as exc:
            errors = field_errors(exc.errors())
            for error in errors:
                error["field"] = f"stages.{self.stage.name}.inputs.{error['field']}"
                error["stage"] = self.stage.name
            raise InvalidInput(
                f"stage {self.stage.name!r}: inputs do not fit step {self.step.step}: "
                + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                errors=errors,
            ) from exc

    def condition(self, ctx: PlanContext) -> bool:
        ref, negated = parse_condition(self.stage.when or "")
        try:
            value = RunScope(ctx).lookup(ref)
        except LookupError:
            value = None  # a skipped stage has no result: its output counts as false
        return bool(value) != negated

    def known_at_submit(self) -> bool:
        """Inputs made of constants and run parameters only, in a one-task stage."""
        if self.stage.fan_out == "per_item":
            return False
        return all(ref.root == "params" for ref in refs_in(self.stage.inputs))

    def engine_stage(self) -> StageDefinition:
        stage = self.stage
        return StageDefinition(
            name=stage.name,
            task_type=stage.step,
            fan_out=stage.fan_out,
            max_concurrency=stage.max_concurrency,
            retry=RetryPolicy(**stage.retry.model_dump()),
            timeout_seconds=stage.timeout_seconds,
            failure=FailurePolicy(tolerate_failure_share=stage.tolerate_failure_share),
            when=self.condition if stage.when else None,
            when_description=stage.when,
            planner=self.plan,
        )


def compile_pipeline(
    name: str, version: int, definition: PipelineDefinition, catalog: StepCatalog, setting: Setting
) -> JobDefinition:
    """`definition` must have passed validation (core/pipelines/validation.py)."""
    stages = [
        CompiledStage(stage, _step(catalog, stage.step), catalog, setting)
        for stage in definition.stages
    ]
    submit_time = [s for s in stages if s.known_at_submit()]
    return JobDefinition(
        job_type=job_type_for(name, version),
        description=definition.description or f"pipeline {name}, version {version}",
        parameters_model=parameters_model(f"pipeline_{name}_v{version}", definition.parameters),
        stages=tuple(s.engine_stage() for s in stages),
        min_role=starting_role(stages),
        restricted_parameters=restricted_parameters(stages),
        claims=lambda parameters: submit_claims(submit_time, parameters),
        owner=lambda parameters, submitter: submit_owner(submit_time, parameters, submitter),
    )


def _step(catalog: StepCatalog, name: str) -> StepSpec:
    step = catalog.step(name)
    if step is None:  # validation names it first; a stale catalog must not compile silently
        raise InvalidInput(f"unknown step {name!r}")
    return step


def starting_role(stages: list[CompiledStage]) -> StarterRole:
    for compiled in stages:
        if compiled.step.min_role == "admin":
            return "admin"
        bound = compiled.stage.inputs if isinstance(compiled.stage.inputs, dict) else {}
        fixed = [
            name
            for name in compiled.step.restricted_inputs
            if name in bound
            and not list(refs_in(bound[name]))
            and bound[name] not in (None, False, "")
        ]
        if fixed:
            return "admin"
    return "submitter"


def restricted_parameters(stages: list[CompiledStage]) -> Mapping[str, str | None]:
    """Run parameters feeding admin-only inputs → the setting whose value non-admins get
    (None when two inputs with different settings share a parameter: then only empty)."""
    found: dict[str, str | None] = {}
    for compiled in stages:
        for name, source in compiled.step.restricted_inputs.items():
            bound = compiled.stage.inputs if isinstance(compiled.stage.inputs, dict) else {}
            ref = whole_ref(bound.get(name))
            if ref is None or ref.root != "params" or ref.path[0] == TAKEOVER:
                continue
            parameter = ref.path[0]
            found[parameter] = source if found.get(parameter, source) == source else None
    return found


def submit_claims(stages: list[CompiledStage], parameters: BaseModel) -> list[Claim]:
    """Checks every stage whose inputs are known at submit (a 422 now rather than a failed
    run later) and gathers what they will publish, claimed before the job is queued."""
    claims: list[Claim] = []
    scope = RunScope(ParamsOnly(parameters))
    for compiled in stages:
        inputs = compiled.task_model(scope)
        if compiled.step.claims is not None:
            claims.extend(compiled.step.claims(inputs))
    return claims


def submit_owner(stages: list[CompiledStage], parameters: BaseModel, submitter: str) -> str:
    scope = RunScope(ParamsOnly(parameters))
    for compiled in stages:
        if compiled.step.owner is not None:
            return compiled.step.owner(compiled.task_model(scope), submitter)
    return submitter


def _bound(stage: StageSpec) -> set[str]:
    return set(stage.inputs) if isinstance(stage.inputs, dict) else set()
