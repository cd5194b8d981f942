"""Reading an earlier stage's results, typed: the one way handlers and planners do it.

`ctx` is anything with `results_of(stage) -> Iterable[dict]` (a TaskContext, the engine's
PlanContext, the plan preview's). A result that does not fit its model is a contract
violation between two of our own stages, never the user's input.
"""

from typing import Any, Iterator, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import ContractViolation

M = TypeVar("M", bound=BaseModel)


class ResultsReader(Protocol):
    def results_of(self, stage_name: str) -> Any: ...


def each_result(ctx: ResultsReader, stage: str, model: type[M]) -> Iterator[M]:
    """Every result of `stage`, in task order, as `model`."""
    for index, raw in enumerate(ctx.results_of(stage)):
        yield _parsed(raw, model, stage, index)


def one_result(ctx: ResultsReader, stage: str, model: type[M]) -> M:
    """The result of a single-task stage, as `model`."""
    found = list(ctx.results_of(stage))
    if len(found) != 1:
        raise ContractViolation(f"stage {stage!r} has {len(found)} results; one was expected")
    return _parsed(found[0], model, stage, 0)


def _parsed(raw: Any, model: type[M], stage: str, index: int) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ContractViolation(
            f"result {index} of stage {stage!r} is not a {model.__name__}: {exc.errors()[0]['msg']}"
        ) from exc
