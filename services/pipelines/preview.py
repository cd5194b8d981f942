"""The plan preview: how many tasks each stage of a pipeline will fan out to on the real
inputs, without running it.

The stages are planned in order by the same compiled planners a run uses, against the
run's validated parameters. Where a planner needs an earlier stage's results, that stage
is previewed: run without side effects (its step's `preview`, or the handler itself for a
`pure` step) when it plans at most PREVIEW_TASKS tasks. A stage that depends on results
no preview can produce is reported `unknown`, naming what it waits for. Nothing is
written: no job, no claim, no staging table."""

from itertools import islice
from typing import Any

from core.access import Principal
from core.engine.definitions import JobDefinition, StageDefinition
from core.engine.identity import job_id_for
from core.errors import GeoETLError, NotFound
from core.models.pipelines import PlanPreview, StagePlan
from core.pipelines.definition import PipelineDefinition, PlannerItems, RangeItems, StageSpec
from core.pipelines.steps import StepSpec
from services.engine.context import ClaimedTask, TaskContext

PREVIEW_TASKS = 20  # a stage with more tasks is counted, not run


class NotYetKnown(Exception):
    """A planner asked for results of a stage the preview could not produce."""

    def __init__(self, stage: str):
        super().__init__(stage)
        self.stage = stage


class PreviewContext:
    """A PlanContext whose earlier results are the previews' (or missing)."""

    def __init__(self, job_id: str, parameters, known: dict[str, list[dict]]):
        self.job_id = job_id
        self.parameters = parameters
        self.known = known

    def results_of(self, stage_name: str):
        if stage_name not in self.known:
            raise NotYetKnown(stage_name)
        return iter(self.known[stage_name])


def preview_plan(platform, row: dict, raw: Any, principal: Principal) -> PlanPreview:
    """Authorized and validated exactly like a run (a 403 or 422 here is the run's)."""
    compiled = platform.pipelines.runnable(row)
    parameters = platform.engine.authorized_parameters(compiled, raw, principal)
    compiled.claims(
        parameters
    )  # the submit-time checks of stages known before the run (nothing is claimed)
    job_id = job_id_for(compiled.job_type, parameters.model_dump(mode="json"))
    definition = PipelineDefinition.model_validate(row["definition"])
    ctx = PreviewContext(job_id, parameters, {})
    stages = [
        StagePreview(platform, compiled, definition, number, ctx).plan()
        for number in range(1, len(compiled.stages) + 1)
    ]
    return _summary(row, compiled, job_id, stages, platform)


def _summary(
    row: dict, compiled: JobDefinition, job_id: str, stages: list[StagePlan], platform
) -> PlanPreview:
    budget = platform.settings.job_max_tasks
    counts = [s.tasks for s in stages]
    total = sum(counts) if None not in counts else None
    known = sum(c for c in counts if c is not None)
    within = (total <= budget) if total is not None else (False if known > budget else None)
    return PlanPreview(
        name=row["name"],
        version=row["version"],
        job_type=compiled.job_type,
        job_id=job_id,
        existing_job=_exists(platform, job_id),
        stages=stages,
        total_tasks=total,
        task_budget=budget,
        within_budget=within,
    )


def _exists(platform, job_id: str) -> bool:
    try:
        platform.engine.job(job_id)
        return True
    except NotFound:
        return False


class StagePreview:
    def __init__(
        self,
        platform,
        compiled: JobDefinition,
        definition: PipelineDefinition,
        number: int,
        ctx: PreviewContext,
    ):
        self.platform = platform
        self.engine_stage: StageDefinition = compiled.stage(number)
        self.spec: StageSpec = definition.stages[number - 1]
        self.step: StepSpec = platform.steps.step(self.spec.step)
        self.number = number
        self.ctx = ctx

    def result(self, status: str, tasks: int | None, basis: str, **extra) -> StagePlan:
        return StagePlan(
            stage=self.number,
            name=self.spec.name,
            step=self.spec.step,
            fan_out=self.spec.fan_out,
            status=status,
            tasks=tasks,
            basis=basis,
            **extra,
        )

    def plan(self) -> StagePlan:
        try:
            if self.engine_stage.when is not None and not self.engine_stage.when(self.ctx):
                self.ctx.known[self.spec.name] = []
                return self.result("skipped", 0, f"skipped: {self.spec.when} is false")
            tasks = list(
                islice(
                    self.engine_stage.planner(self.ctx), self.platform.settings.job_max_tasks + 1
                )
            )
        except NotYetKnown as wait:
            return self.result(
                "unknown", None, f"{self.rule()}; known once stage {wait.stage!r} has run"
            )
        except (GeoETLError, LookupError, ValueError) as exc:
            return self.result("error", None, self.rule(), error=_message(exc))
        return self.previewed(tasks)

    def previewed(self, tasks: list[dict]) -> StagePlan:
        basis = f"{self.rule()}: {len(tasks):,}"
        runner = self.step.preview or (
            self.platform.engine.jobs.handlers.get(self.step.step).run if self.step.pure else None
        )
        if runner is None or len(tasks) > PREVIEW_TASKS:
            return self.result("planned", len(tasks), basis, previewed=False)
        try:
            self.ctx.known[self.spec.name] = [
                self.run(runner, index, task) for index, task in enumerate(tasks)
            ]
        except NotYetKnown as wait:
            return self.result(
                "planned",
                len(tasks),
                f"{basis} (its output is known once stage {wait.stage!r} has run)",
                previewed=False,
            )
        except (GeoETLError, LookupError, ValueError) as exc:
            return self.result("error", len(tasks), basis, previewed=False, error=_message(exc))
        return self.result("planned", len(tasks), basis, previewed=True)

    def run(self, runner, index: int, task: dict) -> dict:
        claimed = ClaimedTask(
            task_id=0,
            job_id=self.ctx.job_id,
            job_type="preview",
            attempt=0,
            stage=self.number,
            task_index=index,
            task_type=self.step.step,
            parameters=task,
            tries=1,
            max_tries=1,
            timeout_seconds=self.engine_stage.timeout_seconds,
        )
        context = TaskContext(
            task=claimed, adapters=self.platform, results_reader=self.ctx.results_of
        )
        return runner(self.step.inputs.model_validate(task), context).model_dump(mode="json")

    def rule(self) -> str:
        spec = self.spec
        if spec.fan_out == "single":
            return "one task"
        if spec.fan_out == "fan_in":
            return f"one task reading every result of {spec.source!r}"
        if isinstance(spec.items, PlannerItems):
            planner = self.platform.steps.planner(spec.items.planner)
            return f"one per item of planner {planner.name} ({planner.description})"
        if isinstance(spec.items, RangeItems):
            return f"one per number below {spec.items.range}"
        return f"one per item of {spec.items.strip()}"


def _message(exc: Exception) -> str:
    return exc.detail if isinstance(exc, GeoETLError) else f"{type(exc).__name__}: {exc}"
