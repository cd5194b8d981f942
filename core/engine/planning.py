"""Turns a stage's fan-out rule into task parameters (pure: reads only the PlanContext)."""

from typing import Any, Iterator

from core.engine.definitions import JobDefinition, PlanContext
from core.errors import ContractViolation


def plan_tasks(
    definition: JobDefinition, number: int, ctx: PlanContext
) -> Iterator[dict[str, Any]]:
    stage = definition.stage(number)
    shape = stage.task_params
    if stage.planner is not None:
        yield from stage.planner(ctx)
    elif stage.fan_out == "single":
        yield shape(ctx.parameters, ctx) if shape else ctx.parameters.model_dump(mode="json")
    elif stage.fan_out == "per_item":
        for item in _items(stage.items, ctx):
            yield shape(item, ctx) if shape else {"item": item}
    elif stage.fan_out == "match_previous":
        for result in ctx.results_of(definition.source_of(number)):
            yield shape(result, ctx) if shape else result
    else:  # fan_in: a reference, never the results themselves
        source = definition.source_of(number)
        yield shape(source, ctx) if shape else {"source_stage": source}


def _items(items, ctx: PlanContext) -> Iterator[Any]:
    for result in ctx.results_of(items.stage):
        values = (result or {}).get(items.field)
        if not isinstance(values, list):
            raise ContractViolation(
                f"stage {items.stage!r} result has no list {items.field!r} to fan out over"
            )
        yield from values
