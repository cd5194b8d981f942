"""Validation of a pipeline definition against the registered steps, by the models the
engine runs: each problem names its stage and field (docs/pipelines.md lists the kinds).

Types travel as (schema, root) pairs: a JSON Schema and the document its `$ref`s point
into. ANY means "cannot be told" (a free-form object, a planner's items) and passes.
"""

from dataclasses import dataclass
from typing import Any

from croniter import croniter
from pydantic import BaseModel, ValidationError
from pydantic_core import SchemaError

from core.errors import InvalidInput, field_errors
from core.pipelines import schemas
from core.pipelines.definition import (
    RESERVED_PARAMETERS,
    PipelineDefinition,
    RangeItems,
    PlannerItems,
    StageSpec,
)
from core.pipelines.parameters import (
    RESERVED_SCHEMAS,
    PipelineParameters,
    check_default,
    parameter_schema,
    parameters_model,
)
from core.pipelines.references import BadReference, Ref, parse_condition, refs_in, whole_ref
from core.pipelines.steps import SOURCE_STAGE, TAKEOVER, StepCatalog, StepSpec

Shape = tuple[dict[str, Any] | None, dict[str, Any]]  # (schema or None for "no such thing", root)
UNKNOWN: Shape = (schemas.ANY, {})
NUMERIC = {"integer", "number"}
SIZED = {"string", "array"}


@dataclass(frozen=True)
class Problem:
    field: str
    stage: str | None
    message: str
    type: str

    def as_error(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "stage": self.stage,
            "message": self.message,
            "type": f"pipeline.{self.type}",
        }


def parse_definition(raw: Any) -> PipelineDefinition:
    """The definition's structure (types, names, limits) by its pydantic model: 422 otherwise."""
    if not isinstance(raw, dict):
        raise InvalidInput("a pipeline definition is a JSON object")
    try:
        return PipelineDefinition.model_validate(raw)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(e) for e in field_errors(exc.errors())]
        for error in errors:
            error["stage"] = _stage_of(error["field"], raw)
        raise InvalidInput(
            "invalid pipeline definition: "
            + "; ".join(f"{e['field']}: {e['message']}" for e in errors[:20]),
            errors=errors,
        ) from exc


def _stage_of(field: str, raw: dict) -> str | None:
    parts = field.split(".")
    if len(parts) > 1 and parts[0] == "stages" and parts[1].isdigit():
        stages = raw.get("stages")
        if (
            isinstance(stages, list)
            and int(parts[1]) < len(stages)
            and isinstance(stages[int(parts[1])], dict)
        ):
            name = stages[int(parts[1])].get("name")
            return name if isinstance(name, str) else None
    return None


def validate(definition: PipelineDefinition, catalog: StepCatalog) -> list[Problem]:
    return Checker(definition, catalog).run()


def require_valid(definition: PipelineDefinition, catalog: StepCatalog) -> None:
    problems = validate(definition, catalog)
    if problems:
        raise InvalidInput(
            f"the pipeline has {len(problems)} problem(s): "
            + "; ".join(f"{p.field}: {p.message}" for p in problems[:20]),
            errors=[p.as_error() for p in problems],
        )


class Checker:
    def __init__(self, definition: PipelineDefinition, catalog: StepCatalog):
        self.definition = definition
        self.catalog = catalog
        self.index: dict[str, int] = {}
        for number, stage in enumerate(definition.stages):
            self.index.setdefault(stage.name, number)
        self.problems: list[Problem] = []
        self.edges: dict[int, set[int]] = {n: set() for n in range(len(definition.stages))}
        self.params_model: type[BaseModel] | None = None
        self.collect_edges()

    def collect_edges(self) -> None:
        """Every stage each stage refers to, gathered first so a cycle is named as one
        whichever of its stages is checked first."""
        for number, stage in enumerate(self.definition.stages):
            for name in referenced_stages(stage):
                if name in self.index:
                    self.edges[number].add(self.index[name])

    def run(self) -> list[Problem]:
        self.check_parameters()
        for number, stage in enumerate(self.definition.stages):
            self.check_stage(number, stage)
        self.check_schedule()
        return self.problems

    def add(self, field: str, stage: StageSpec | None, message: str, kind: str) -> None:
        self.problems.append(Problem(field, stage.name if stage else None, message, kind))

    # -- run parameters ----------------------------------------------------------------

    def check_parameters(self) -> None:
        for name, spec in self.definition.parameters.items():
            field = f"parameters.{name}"
            if name in RESERVED_PARAMETERS:
                self.add(
                    field,
                    None,
                    f"{name!r} is reserved (every pipeline has it); choose another name",
                    "reserved_parameter",
                )
            elif name.startswith("model_") or hasattr(PipelineParameters, name):
                self.add(
                    field,
                    None,
                    f"{name!r} is a name the parameters model uses itself; choose another name",
                    "reserved_parameter",
                )
            elif (
                spec.minimum is not None or spec.maximum is not None
            ) and spec.type not in NUMERIC:
                self.add(
                    field,
                    None,
                    "minimum/maximum apply to integer and number parameters",
                    "bad_parameter",
                )
            elif (
                spec.min_length is not None or spec.max_length is not None
            ) and spec.type not in SIZED:
                self.add(
                    field,
                    None,
                    "min_length/max_length apply to string and array parameters",
                    "bad_parameter",
                )
            elif spec.items is not None and spec.type != "array":
                self.add(field, None, "`items` applies to array parameters", "bad_parameter")
            elif spec.enum is not None and spec.type in ("array", "object", "boolean"):
                self.add(
                    field,
                    None,
                    "`enum` applies to string, integer and number parameters",
                    "bad_parameter",
                )
            elif spec.default is not None:
                self._check_default(field, spec)
        if any(p.field.startswith("parameters.") for p in self.problems):
            return
        try:
            self.params_model = parameters_model("pipeline", self.definition.parameters)
        except (TypeError, ValueError, SchemaError) as exc:  # a combination pydantic cannot build
            self.add(
                "parameters", None, f"the run parameters cannot be built: {exc}", "bad_parameter"
            )

    def _check_default(self, field: str, spec) -> None:
        try:
            check_default(spec)
        except ValidationError as exc:
            self.add(
                f"{field}.default",
                None,
                f"default does not fit the parameter: {exc.errors()[0]['msg']}",
                "bad_parameter",
            )

    # -- stages ------------------------------------------------------------------------

    def check_stage(self, number: int, stage: StageSpec) -> None:
        field = f"stages.{number}"
        if self.index[stage.name] != number:
            self.add(
                f"{field}.name",
                stage,
                f"stage name {stage.name!r} is used twice",
                "duplicate_stage",
            )
        step = self.catalog.step(stage.step)
        if step is None:
            self.add(
                f"{field}.step",
                stage,
                f"unknown step {stage.step!r}; GET /api/pipelines/steps lists them",
                "unknown_step",
            )
        item = self.check_fan_out(number, stage, step)
        if stage.when is not None:
            self.check_condition(number, stage)
        if step is not None:
            self.check_reads(number, stage, step)
            self.check_inputs(number, stage, step, item)

    def check_fan_out(self, number: int, stage: StageSpec, step: StepSpec | None) -> Shape | None:
        """The schema of the items a per_item stage iterates over (None for other stages)."""
        field = f"stages.{number}"
        if stage.fan_out != "per_item" and stage.items is not None:
            self.add(f"{field}.items", stage, "`items` is for per_item stages", "fan_out")
        if stage.fan_out != "fan_in" and stage.source is not None:
            self.add(f"{field}.source", stage, "`source` is for fan_in stages", "fan_out")
        if stage.fan_out == "fan_in":
            self.check_source(number, stage)
        if stage.fan_out != "per_item":
            return None
        if stage.items is None:
            self.add(
                f"{field}.items",
                stage,
                "a per_item stage needs `items`: a list to fan out over",
                "fan_out",
            )
            return UNKNOWN
        return self.check_items(number, stage, step)

    def check_source(self, number: int, stage: StageSpec) -> None:
        field = f"stages.{number}.source"
        if stage.source is None:
            self.add(
                field,
                stage,
                "a fan_in stage needs `source`: the earlier stage whose results it reads",
                "fan_out",
            )
        else:
            self.check_stage_ref(number, stage, stage.source, field)

    def check_items(self, number: int, stage: StageSpec, step: StepSpec | None) -> Shape:
        field = f"stages.{number}.items"
        items = stage.items
        if isinstance(items, PlannerItems):
            return self.check_planner(number, stage, step, items.planner)
        if isinstance(items, RangeItems):
            if isinstance(items.range, str):
                shape = self.check_whole_ref(number, stage, items.range, f"{field}.range", "items")
                if shape is not None and not schemas.compatible(
                    schemas.types_of(*shape), {"integer"}
                ):
                    self.add(
                        f"{field}.range", stage, f"{items.range} is not an integer", "not_a_list"
                    )
            elif items.range < 0:
                self.add(
                    f"{field}.range",
                    stage,
                    "a range counts from 0: it cannot be negative",
                    "not_a_list",
                )
            return ({"type": "integer"}, {})
        assert isinstance(items, str)  # the other forms returned above
        shape = self.check_whole_ref(number, stage, items, field, "items")
        if shape is None:
            return UNKNOWN
        if not schemas.is_list(schemas.types_of(*shape)):
            self.add(
                field,
                stage,
                f"{items.strip()} is not a list: per_item fans out over a list",
                "not_a_list",
            )
            return UNKNOWN
        return schemas.items_schema(*shape), shape[1]

    def check_planner(
        self, number: int, stage: StageSpec, step: StepSpec | None, name: str
    ) -> Shape:
        field = f"stages.{number}.items.planner"
        planner = self.catalog.planner(name)
        if planner is None:
            self.add(field, stage, f"unknown planner {name!r}", "unknown_planner")
        elif step is not None and name not in step.planners:
            self.add(
                field,
                stage,
                f"step {step.step} does not offer planner {name!r}"
                + (f" (it offers {', '.join(step.planners)})" if step.planners else ""),
                "unknown_planner",
            )
        else:
            self.check_named_reads(number, stage, planner.reads, field, f"planner {name}")
        return UNKNOWN

    def check_condition(self, number: int, stage: StageSpec) -> None:
        field = f"stages.{number}.when"
        try:
            ref, _negated = parse_condition(stage.when or "")
        except BadReference as exc:
            self.add(field, stage, str(exc), "bad_condition")
            return
        self.check_ref(number, stage, ref, field, "when")

    def check_reads(self, number: int, stage: StageSpec, step: StepSpec) -> None:
        self.check_named_reads(
            number, stage, step.reads, f"stages.{number}.step", f"step {step.step}"
        )

    def check_named_reads(self, number: int, stage: StageSpec, reads, field: str, who: str) -> None:
        """Handlers and planners read some earlier stages by a fixed name (their code says so)."""
        for name, wanted in reads.items():
            at = self.index.get(name)
            if at is None or at >= number or self.definition.stages[at].step != wanted:
                self.add(
                    field,
                    stage,
                    f"{who} reads the results of an earlier stage named {name!r} running {wanted}; "
                    "add one before this stage",
                    "missing_read",
                )

    # -- inputs ------------------------------------------------------------------------

    def check_inputs(
        self, number: int, stage: StageSpec, step: StepSpec, item: Shape | None
    ) -> None:
        field = f"stages.{number}.inputs"
        if isinstance(stage.inputs, str):
            self.check_whole_inputs(number, stage, step, item)
            return
        properties = step.inputs.model_json_schema()
        for name, value in stage.inputs.items():
            if name not in step.inputs.model_fields:
                self.add(
                    f"{field}.{name}",
                    stage,
                    f"step {step.step} has no input {name!r}; it takes "
                    f"{', '.join(step.inputs.model_fields)}",
                    "unknown_input",
                )
            else:
                self.check_binding(number, stage, step, name, value, properties)
        self.check_required(number, stage, step)
        self.check_constants(number, stage, step)

    def check_whole_inputs(
        self, number: int, stage: StageSpec, step: StepSpec, item: Shape | None
    ) -> None:
        field = f"stages.{number}.inputs"
        assert isinstance(stage.inputs, str)
        shape = self.check_whole_ref(number, stage, stage.inputs, field, "inputs")
        if shape is None:
            return
        if not schemas.compatible(schemas.types_of(*shape), {"object"}):
            self.add(
                field,
                stage,
                f"{stage.inputs.strip()} is not an object: it cannot be the step's inputs",
                "type_mismatch",
            )
            return
        schema, root = shape
        known = (
            [b["properties"] for b in schemas.branches(schema, root) if "properties" in b]
            if schema
            else []
        )
        if known:
            for name, info in step.inputs.model_fields.items():
                if info.is_required() and name not in known[0] and name != SOURCE_STAGE:
                    self.add(
                        f"{field}.{name}",
                        stage,
                        f"input {name!r} is required and {stage.inputs.strip()} has no {name!r}",
                        "missing_input",
                    )

    def check_required(self, number: int, stage: StageSpec, step: StepSpec) -> None:
        for name, info in step.inputs.model_fields.items():
            if not info.is_required() or name in stage.inputs:
                continue
            if name == SOURCE_STAGE and stage.fan_out == "fan_in":
                continue  # filled with the name of the stage's source
            if name in step.restricted_inputs and step.restricted_inputs[name]:
                continue  # filled from settings, like a code-defined job's container
            hint = " (a fan_in stage fills it with its source)" if name == SOURCE_STAGE else ""
            self.add(
                f"stages.{number}.inputs.{name}",
                stage,
                f"input {name!r} is required{hint}",
                "missing_input",
            )

    def check_constants(self, number: int, stage: StageSpec, step: StepSpec) -> None:
        """Constant inputs, validated by the step's own model (its field validators included)."""
        assert isinstance(stage.inputs, dict)
        constants = {
            name: value
            for name, value in stage.inputs.items()
            if name in step.inputs.model_fields and not _has_refs(value)
        }
        if not constants:
            return
        try:
            step.inputs.model_validate(constants)
        except ValidationError as exc:
            for error in exc.errors():
                loc = error.get("loc") or ("(root)",)
                if loc[0] in constants:
                    self.add(
                        f"stages.{number}.inputs." + ".".join(str(p) for p in loc),
                        stage,
                        error["msg"],
                        "invalid_input",
                    )

    def check_binding(
        self, number: int, stage: StageSpec, step: StepSpec, name: str, value: Any, schema: dict
    ) -> None:
        field = f"stages.{number}.inputs.{name}"
        if not self.check_restricted(stage, step, name, value, field):
            return
        if (
            name == SOURCE_STAGE
            and isinstance(value, str)
            and whole_ref(value) is None
            and not _has_refs(value)
        ):
            self.check_stage_ref(number, stage, value, field)
        try:
            refs = list(refs_in(value))
        except BadReference as exc:
            self.add(field, stage, str(exc), "bad_reference")
            return
        whole = whole_ref(value)
        for ref in refs:
            shape = self.check_ref(number, stage, ref, field, "inputs")
            if shape is not None and ref is not None and whole is not None:
                self.check_type(
                    stage, field, ref, shape, schema.get("properties", {}).get(name, {}), schema
                )

    def check_restricted(
        self, stage: StageSpec, step: StepSpec, name: str, value: Any, field: str
    ) -> bool:
        """Admin-only inputs take constants or one run parameter, so a run's authorization
        can judge them before anything runs (never an item or an earlier result)."""
        if name == TAKEOVER and value not in (False, None, "{{ params.replace_owned_by_other }}"):
            ref = whole_ref(value) if isinstance(value, str) else None
            if ref is None or ref.root != "params" or ref.path != (TAKEOVER,):
                self.add(
                    field,
                    stage,
                    f"{TAKEOVER} can only be bound to {{{{ params.{TAKEOVER} }}}} (an admin's "
                    "takeover flag) or false",
                    "admin_only_input",
                )
                return False
        if name not in step.restricted_inputs or not _has_refs(value):
            return True
        ref = whole_ref(value)
        if ref is None or ref.root != "params" or len(ref.path) != 1:
            self.add(
                field,
                stage,
                f"{name!r} is an admin-only input: bind it to a constant or to exactly one run "
                "parameter ({{ params.NAME }}), never to items or earlier results",
                "admin_only_input",
            )
            return False
        return True

    def check_type(
        self, stage: StageSpec, field: str, ref: Ref, shape: Shape, target: dict, root: dict
    ) -> None:
        source, target_types = schemas.types_of(*shape), schemas.types_of(target, root)
        if (
            source is not None
            and target_types is not None
            and not schemas.compatible(source, target_types)
        ):
            self.add(
                field,
                stage,
                f"{ref.describe()} is {'/'.join(sorted(source))} but the input expects "
                f"{'/'.join(sorted(target_types))}",
                "type_mismatch",
            )

    # -- references --------------------------------------------------------------------

    def check_whole_ref(
        self, number: int, stage: StageSpec, text: str, field: str, context: str
    ) -> Shape | None:
        try:
            ref = whole_ref(text)
        except BadReference as exc:
            self.add(field, stage, str(exc), "bad_reference")
            return None
        if ref is None:
            self.add(
                field,
                stage,
                f"expected one reference such as {{{{ params.NAME }}}}, not {text[:80]!r}",
                "bad_reference",
            )
            return None
        return self.check_ref(number, stage, ref, field, context)

    def check_ref(
        self, number: int, stage: StageSpec, ref: Ref, field: str, context: str
    ) -> Shape | None:
        """The shape of what `ref` points at, or None after recording why it cannot be used here."""
        if ref.root == "params":
            return self.param_shape(stage, ref, field)
        if ref.root == "item":
            if context != "inputs" or stage.fan_out != "per_item":
                self.add(
                    field,
                    stage,
                    f"{ref.describe()} exists only in the inputs of a per_item stage",
                    "bad_reference",
                )
                return None
            item = self.item_shape(number, stage)
            return self.follow(stage, field, ref, item, "the item")
        if ref.part == "results" and context != "items":
            self.add(
                field,
                stage,
                f"{ref.describe()} is a list of results: fan out over it with per_item `items`",
                "bad_reference",
            )
            return None
        at = self.check_stage_ref(number, stage, ref.stage or "", field)
        if at is None:
            return None
        return self.stage_shape(stage, field, ref, at, context)

    def check_stage_ref(self, number: int, stage: StageSpec, name: str, field: str) -> int | None:
        at = self.index.get(name)
        if at is None:
            self.add(field, stage, f"no stage named {name!r}", "unknown_stage")
            return None
        if at == number or self.reaches(at, number):
            self.add(
                field,
                stage,
                f"stage {stage.name!r} and stage {name!r} depend on each other: a cycle",
                "cycle",
            )
            return None
        if at > number:
            self.add(
                field,
                stage,
                f"stage {name!r} runs after {stage.name!r}: refer only to earlier stages",
                "later_stage",
            )
            return None
        return at

    def reaches(self, start: int, goal: int) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(self.edges.get(node, ()))
        return False

    def param_shape(self, stage: StageSpec | None, ref: Ref, field: str) -> Shape | None:
        name = ref.path[0]
        if name in RESERVED_SCHEMAS:
            schema = RESERVED_SCHEMAS[name]
        elif name in self.definition.parameters:
            schema = parameter_schema(self.definition.parameters[name])
        else:
            self.add(
                field,
                stage,
                f"{ref.describe()}: no run parameter {name!r} (declare it under `parameters`)",
                "unknown_parameter",
            )
            return None
        return self.follow(stage, field, ref, (schema, {}), f"parameter {name!r}", skip=1)

    def stage_shape(
        self, stage: StageSpec, field: str, ref: Ref, at: int, context: str
    ) -> Shape | None:
        source = self.definition.stages[at]
        step = self.catalog.step(source.step)
        if step is None:
            return None  # reported on that stage
        outputs = step.outputs.model_json_schema(
            mode="serialization"
        )  # computed fields are outputs too
        if ref.part == "results":
            return {"type": "array", "items": outputs}, outputs
        if source.fan_out == "per_item" and context != "items":
            self.add(
                field,
                stage,
                f"{ref.describe()}: stage {source.name!r} has one result per item; read them with a "
                "per_item stage over {{ stages." + source.name + ".results }}",
                "multi_result_output",
            )
            return None
        return self.follow(
            stage,
            field,
            ref,
            (outputs, outputs),
            f"the output of stage {source.name!r} ({step.step})",
        )

    def item_shape(self, number: int, stage: StageSpec) -> Shape:
        """What a per_item stage's items look like (checked once, in check_fan_out)."""
        items = stage.items
        if isinstance(items, RangeItems):
            return {"type": "integer"}, {}
        if isinstance(items, str):
            problems = len(self.problems)
            shape = self.check_whole_ref(number, stage, items, f"stages.{number}.items", "items")
            del self.problems[problems:]  # already reported by check_items
            if shape is not None:
                return schemas.items_schema(*shape), shape[1]
        return UNKNOWN

    def follow(
        self, stage, field: str, ref: Ref, shape: Shape, what: str, skip: int = 0
    ) -> Shape | None:
        schema, root = shape
        path = ref.path[skip:]
        base = root or schema or {}
        found = schemas.schema_at(schema, path, base) if schema is not None else None
        if found is None:
            self.add(
                field,
                stage,
                f"{ref.describe()}: {what} has no {'.'.join(path)!r}",
                "missing_output",
            )
            return None
        return found, base

    # -- schedule ----------------------------------------------------------------------

    def check_schedule(self) -> None:
        schedule = self.definition.schedule
        if schedule is None:
            return
        if not croniter.is_valid(schedule.cron) or len(schedule.cron.split()) != 5:
            self.add(
                "schedule.cron",
                None,
                f"{schedule.cron!r} is not a five-field cron expression",
                "bad_schedule",
            )
        if self.params_model is None:
            return
        try:
            self.params_model.model_validate(schedule.parameters)
        except ValidationError as exc:
            for error in field_errors(exc.errors()):
                self.add(
                    f"schedule.parameters.{error['field']}", None, error["message"], "bad_schedule"
                )


def _has_refs(value: Any) -> bool:
    try:
        return any(True for _ in refs_in(value))
    except BadReference:
        return True


def referenced_stages(stage: StageSpec) -> set[str]:
    """Names of the stages a stage's references, source and items point at (malformed
    references are left to the checks that report them)."""
    values: list[Any] = [stage.inputs, stage.when]
    if isinstance(stage.items, str):
        values.append(stage.items)
    elif isinstance(stage.items, RangeItems):
        values.append(stage.items.range)
    names = {stage.source} if stage.source else set()
    for value in values:
        try:
            names.update(ref.stage for ref in refs_in(value) if ref.stage)
        except BadReference:
            continue
    return names
