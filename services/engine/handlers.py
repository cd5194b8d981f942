"""Task handlers: `handler(params: Model, ctx: TaskContext) -> ResultModel`, registered by
task type in an explicit registry."""

import inspect
from dataclasses import dataclass
from typing import Any, Callable, get_type_hints

from pydantic import BaseModel

from core.engine.definitions import JobDefinition


@dataclass(frozen=True)
class Handler:
    task_type: str
    params_model: type[BaseModel]
    result_model: type[BaseModel]
    run: Callable[[Any, Any], BaseModel]


def handler(task_type: str) -> Callable[[Callable], Handler]:
    """Decorator: the params and result models are read from the function's annotations."""

    def wrap(fn: Callable) -> Handler:
        hints = get_type_hints(fn)
        first = next(iter(inspect.signature(fn).parameters))
        params_model, result_model = hints[first], hints["return"]
        for model in (params_model, result_model):
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise TypeError(f"handler {task_type!r}: params and result must be pydantic models")
        return Handler(task_type, params_model, result_model, fn)

    return wrap


class HandlerRegistry:
    def __init__(self, handlers: list[Handler]):
        self._handlers: dict[str, Handler] = {}
        for h in handlers:
            if h.task_type in self._handlers:
                raise ValueError(f"two handlers for task type {h.task_type!r}")
            self._handlers[h.task_type] = h

    def get(self, task_type: str) -> Handler | None:
        return self._handlers.get(task_type)

    def task_types(self) -> list[str]:
        return sorted(self._handlers)


class JobRegistry:
    """The explicit list of job types, checked against the handlers at start-up, plus
    sources of job types defined as data (pipelines: `pipeline:NAME@VERSION`), asked by
    prefix for types the list lacks."""

    def __init__(self, definitions: list[JobDefinition], handlers: HandlerRegistry):
        self.handlers = handlers
        self._sources: dict[str, Callable[[str, bool], JobDefinition | None]] = {}
        self._jobs = {d.job_type: d for d in definitions}
        if len(self._jobs) != len(definitions):
            raise ValueError("two job definitions share a job_type")
        missing = [
            f"{d.job_type}/{s.name}: {s.task_type}"
            for d in definitions
            for s in d.stages
            if handlers.get(s.task_type) is None
        ]
        if missing:
            raise ValueError("stages without a handler: " + ", ".join(missing))

    def add_source(self, prefix: str, resolve: Callable[[str, bool], JobDefinition | None]) -> None:
        """`resolve(job_type, submitting)`: submitting, it may refuse with the reason (an
        archived pipeline); otherwise it only finds (a job already running must go on)."""
        self._sources[prefix] = resolve

    def get(self, job_type: str) -> JobDefinition | None:
        return self._jobs.get(job_type) or self._from_source(job_type, submitting=False)

    def for_submit(self, job_type: str) -> JobDefinition | None:
        return self._jobs.get(job_type) or self._from_source(job_type, submitting=True)

    def _from_source(self, job_type: str, *, submitting: bool) -> JobDefinition | None:
        for prefix, resolve in self._sources.items():
            if job_type.startswith(prefix):
                return resolve(job_type, submitting)
        return None

    def job_types(self) -> list[str]:
        return sorted(self._jobs)

    def definitions(self) -> list[JobDefinition]:
        return [self._jobs[name] for name in self.job_types()]
