"""A pipeline's run parameters as a pydantic model (so a run is validated like any job's
parameters, unknown ones refused) and as JSON Schema fragments for the validator."""

from datetime import datetime
from types import GenericAlias
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, create_model

from core.engine.definitions import JobParameters
from core.pipelines.definition import ParameterSpec

PYTHON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "object": dict[str, Any],
}
RESERVED_FIELDS: dict[str, Any] = {
    "scheduled_for": (
        datetime | None,
        Field(None, description="set by the scheduler: the fire time of a scheduled run"),
    ),
    "replace_owned_by_other": (
        bool,
        Field(False, description="admins: replace what another owner published"),
    ),
}
RESERVED_SCHEMAS = {
    "scheduled_for": {"type": "string", "format": "date-time"},
    "replace_owned_by_other": {"type": "boolean"},
}


class PipelineParameters(JobParameters):
    """Base of every pipeline's run parameters: unknown parameters are refused."""


def annotation(spec: ParameterSpec) -> Any:
    if spec.enum is not None and spec.type != "array":
        base: Any = Literal[tuple(spec.enum)]
    elif spec.type == "array":
        base = GenericAlias(list, (PYTHON_TYPES[spec.items] if spec.items else Any,))
    else:
        base = PYTHON_TYPES[spec.type]
    return base if spec.required or spec.default is not None else base | None


def _required(spec: ParameterSpec) -> bool:
    return spec.required and spec.default is None


def constraints(spec: ParameterSpec) -> dict[str, Any]:
    found = {
        "ge": spec.minimum,
        "le": spec.maximum,
        "min_length": spec.min_length,
        "max_length": spec.max_length,
    }
    return {key: value for key, value in found.items() if value is not None}


def field_for(spec: ParameterSpec) -> tuple[Any, Any]:
    default = ... if _required(spec) else spec.default
    return annotation(spec), Field(
        default, description=spec.description or None, **constraints(spec)
    )


def parameters_model(name: str, specs: dict[str, ParameterSpec]) -> type[PipelineParameters]:
    """Raises TypeError/ValueError (pydantic's SchemaError included) for specs pydantic
    cannot build, e.g. a minimum on a string; the validator reports those."""
    fields = {key: field_for(spec) for key, spec in specs.items()} | RESERVED_FIELDS
    model = create_model(f"{name}_parameters", __base__=PipelineParameters, **fields)
    return model


def parameter_schema(spec: ParameterSpec) -> dict[str, Any]:
    """The JSON Schema of one parameter's value, for type checks of references to it."""
    schema: dict[str, Any] = {"type": spec.type}
    if spec.type == "array" and spec.items:
        schema["items"] = {"type": spec.items}
    if spec.enum is not None:
        schema["enum"] = spec.enum
    return schema


def check_default(spec: ParameterSpec) -> None:
    """Raises pydantic's ValidationError when the default does not fit the parameter."""
    kind = annotation(spec.model_copy(update={"required": True, "default": None}))
    form: Any = Annotated[kind, Field(**constraints(spec))]
    TypeAdapter(form).validate_python(spec.default)
