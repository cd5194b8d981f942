"""References inside pipeline values: `{{ params.n }}`, `{{ item.path }}`,
`{{ stages.load.output.rows }}`, `{{ stages.greet.results }}`.

A value that is exactly one reference takes the referenced value with its type (a list
stays a list); references inside longer text are interpolated as text (JSON for lists
and objects). Parsing is pure; resolution reads a `Scope` supplied by the caller.
"""

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|\d+)"
REFERENCE = re.compile(r"\{\{\s*(" + SEGMENT + r"(?:\." + SEGMENT + r")*)\s*\}\}")
WHOLE = re.compile(r"^\s*\{\{\s*(" + SEGMENT + r"(?:\." + SEGMENT + r")*)\s*\}\}\s*$")
OPEN_OR_CLOSE = re.compile(r"\{\{|\}\}")
MAX_DEPTH = 32  # segments of a reference: deeper paths exist in no step's output
CONDITION = re.compile(r"^\s*(not\s+)?(\{\{[^{}]*\}\})\s*$")


class BadReference(ValueError):
    """A reference that cannot be parsed (its text says why)."""


@dataclass(frozen=True)
class Ref:
    """`root` is params, item or stages; for stages, `stage` and `part` (output or results)."""

    text: str
    root: str
    path: tuple[str, ...]
    stage: str | None = None
    part: str | None = None

    def describe(self) -> str:
        return "{{ " + self.text + " }}"


def parse_ref(text: str) -> Ref:
    parts = tuple(text.split("."))
    if len(parts) > MAX_DEPTH:
        raise BadReference(f"a reference is at most {MAX_DEPTH} names deep")
    root = parts[0]
    if root == "params":
        if len(parts) < 2:
            raise BadReference("{{ params }} needs a parameter name: {{ params.NAME }}")
        return Ref(text, root, parts[1:])
    if root == "item":
        return Ref(text, root, parts[1:])
    if root == "stages":
        if len(parts) < 3 or parts[2] not in ("output", "results"):
            raise BadReference(
                f"{{{{ {text} }}}}: write {{{{ stages.NAME.output[.PATH] }}}} or {{{{ stages.NAME.results }}}}"
            )
        if parts[2] == "results" and len(parts) > 3:
            raise BadReference(
                f"{{{{ {text} }}}}: `results` is the list of a stage's results; it takes no path"
            )
        return Ref(text, root, parts[3:], stage=parts[1], part=parts[2])
    raise BadReference(f"{{{{ {text} }}}}: a reference starts with params, item or stages")


def whole_ref(value: Any) -> Ref | None:
    """The reference a value consists of, or None (a constant, or text with references in it)."""
    if isinstance(value, str):
        match = WHOLE.match(value)
        if match:
            return parse_ref(match[1])
    return None


def refs_in(value: Any) -> Iterator[Ref]:
    """Every reference anywhere in a value (strings inside lists and objects included).
    Raises BadReference for text that opens a reference it never closes, or the like."""
    if isinstance(value, str):
        for match in REFERENCE.finditer(value):
            yield parse_ref(match[1])
        leftover = REFERENCE.sub("", value)
        if OPEN_OR_CLOSE.search(leftover):
            raise BadReference(
                f"malformed reference in {value[:80]!r}: write {{{{ params.NAME }}}}, "
                "{{ item.PATH }} or {{ stages.NAME.output.PATH }}"
            )
    elif isinstance(value, dict):
        for item in value.values():
            yield from refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs_in(item)


def parse_condition(text: str) -> tuple[Ref, bool]:
    """`{{ ref }}` or `not {{ ref }}` → (ref, negated)."""
    match = CONDITION.match(text)
    ref = whole_ref(match[2]) if match else None
    if match is None or ref is None:
        raise BadReference(
            f"a condition is '{{{{ reference }}}}' or 'not {{{{ reference }}}}', not {text[:80]!r}"
        )
    return ref, bool(match[1])


class Scope(Protocol):
    def lookup(self, ref: Ref) -> Any: ...


def walk(value: Any, path: tuple[str, ...], what: str) -> Any:
    """Follows `path` into `value`; a missing key or index is an error naming `what`."""
    for segment in path:
        if isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        elif isinstance(value, dict) and segment in value:
            value = value[segment]
        else:
            raise LookupError(f"{what} has no {segment!r}")
    return value


def resolve(value: Any, scope: Scope) -> Any:
    """The value with its references replaced by what `scope` finds for them."""
    ref = whole_ref(value)
    if ref is not None:
        return scope.lookup(ref)
    if isinstance(value, str):
        return REFERENCE.sub(lambda m: _as_text(scope.lookup(parse_ref(m[1]))), value)
    if isinstance(value, dict):
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
