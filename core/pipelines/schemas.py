"""Small JSON Schema helpers: the schema at a path, and whether two schemas' types can meet.
Schemas here are pydantic's (local `$ref`s into `$defs`, `anyOf` for optional fields)."""

from typing import Any

ANY: dict[str, Any] = {}


def deref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return root.get("$defs", {}).get(ref.split("/")[-1], ANY)
    return schema


def branches(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a schema (anyOf/oneOf), `null` left out, each dereferenced."""
    schema = deref(schema, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [schema]
    return [b for option in options for b in branches(option, root) if b.get("type") != "null"]


def schema_at(
    schema: dict[str, Any], path: tuple[str, ...], root: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The schema of the value at `path`, ANY when it cannot be told (free-form objects),
    None when the path certainly does not exist."""
    root = root if root is not None else schema
    if not path:
        return schema
    head, rest = path[0], path[1:]
    for branch in branches(schema, root):
        if branch == ANY or (branch.get("type") == "object" and "properties" not in branch):
            return ANY  # free-form: anything may be there
        if head in branch.get("properties", {}):
            inner = schema_at(branch["properties"][head], rest, root)
            if inner is not None:
                return inner
        if head.isdigit() and "items" in branch:
            inner = schema_at(branch["items"], rest, root)
            if inner is not None:
                return inner
    return None


def types_of(schema: dict[str, Any] | None, root: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows, or None when it allows anything."""
    if schema is None:
        return None
    found: set[str] = set()
    for branch in branches(schema, root):
        declared = branch.get("type")
        if isinstance(declared, str):
            found.add(declared)
        elif isinstance(declared, list):
            found.update(declared)
        elif "properties" in branch:
            found.add("object")
        elif "enum" in branch or "const" in branch:
            values = branch.get("enum", [branch.get("const")])
            found.update(_json_type(v) for v in values)
        else:
            return None
    return found or None


def compatible(source: set[str] | None, target: set[str] | None) -> bool:
    if source is None or target is None:
        return True
    widened = set(source) | ({"number"} if "integer" in source else set())
    return bool(widened & target) or ("integer" in target and "number" in source)


def is_list(types: set[str] | None) -> bool:
    return types is None or "array" in types


def items_schema(schema: dict[str, Any] | None, root: dict[str, Any]) -> dict[str, Any] | None:
    if schema is None:
        return None
    for branch in branches(schema, root):
        if "items" in branch:
            return deref(branch["items"], root)
    return ANY


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"
