"""The STAC Item rules of `core.stac.validation` as one JSON Schema (draft 2020-12),
compiled once per process by jsonschema_rs: the fast path for catalogs of many items.

It says no more than the pydantic models say (a unit test checks that it never accepts
what they refuse); what JSON Schema cannot say — a bbox's south below its north, a start
before its end, a time Python can read — is checked after it by `residual_problem`.
"""

from datetime import datetime
from functools import cache
from typing import Any, Literal, get_args

import jsonschema_rs

GeometryType = Literal[
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
]
GEOMETRY_TYPES = get_args(GeometryType)
# How deeply each geometry type nests its coordinate arrays (a position is depth 1).
COORDINATE_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}

_POSITION = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"}}
_LON = {"type": "number", "minimum": -180, "maximum": 180}
_LAT = {"type": "number", "minimum": -90, "maximum": 90}
_BBOX = {
    "oneOf": [
        {"type": "array", "minItems": 4, "maxItems": 4, "prefixItems": [_LON, _LAT, _LON, _LAT]},
        {
            "type": "array",
            "minItems": 6,
            "maxItems": 6,
            "prefixItems": [_LON, _LAT, {"type": "number"}, _LON, _LAT, {"type": "number"}],
        },
    ]
}
_TIME = {"type": ["string", "null"], "format": "date-time"}


def _nested(depth: int) -> dict[str, Any]:
    schema = _POSITION
    for _ in range(depth - 1):
        schema = {"type": "array", "minItems": 1, "items": schema}
    return schema


def _geometry() -> dict[str, Any]:
    by_type = [
        {
            "if": {"properties": {"type": {"const": kind}}},
            "then": {"required": ["coordinates"], "properties": {"coordinates": _nested(depth)}},
        }
        for kind, depth in COORDINATE_DEPTH.items()
    ]
    collection = {
        "if": {"properties": {"type": {"const": "GeometryCollection"}}},
        "then": {"required": ["geometries"], "properties": {"geometries": {"type": "array"}}},
    }
    return {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": list(GEOMETRY_TYPES)},
            "coordinates": {"type": ["array", "null"]},
            "geometries": {"type": ["array", "null"], "items": {"$ref": "#/$defs/geometry"}},
        },
        "allOf": by_type + [collection],
    }


ITEM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "stac_version", "id", "geometry", "properties", "links", "assets"],
    "properties": {
        "type": {"const": "Feature"},
        "stac_version": {"type": "string", "minLength": 1},
        "id": {"type": "string", "minLength": 1, "maxLength": 255},
        "geometry": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/geometry"}]},
        "bbox": {"anyOf": [{"type": "null"}, _BBOX]},
        "properties": {
            "type": "object",
            "required": ["datetime"],
            "properties": {"datetime": _TIME, "start_datetime": _TIME, "end_datetime": _TIME},
            "if": {"properties": {"datetime": {"type": "null"}}},
            "then": {
                "required": ["start_datetime", "end_datetime"],
                "properties": {
                    "start_datetime": {"type": "string"},
                    "end_datetime": {"type": "string"},
                },
            },
        },
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rel", "href"],
                "properties": {
                    "rel": {"type": "string", "minLength": 1},
                    "href": {"type": "string", "minLength": 1},
                },
            },
        },
        "assets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["href"],
                "properties": {
                    "href": {"type": "string", "minLength": 1},
                    "type": {"type": ["string", "null"]},
                    "roles": {"type": ["array", "null"], "items": {"type": "string"}},
                },
            },
        },
        "collection": {"type": ["string", "null"]},
    },
    # A geometry needs a bbox (the models' rule, also what pgSTAC's search expects).
    "if": {"properties": {"geometry": {"type": "object"}}},
    "then": {"required": ["bbox"], "properties": {"bbox": {"type": "array"}}},
    "$defs": {"geometry": _geometry()},
}


@cache
def item_validator() -> jsonschema_rs.Validator:
    """Compiled on first use, then shared by every task of the process."""
    return jsonschema_rs.validator_for(ITEM_SCHEMA, validate_formats=True)


def passes_fast(document: Any) -> bool:
    return item_validator().is_valid(document) and residual_problem(document) is None


def residual_problem(item: dict[str, Any]) -> str | None:
    """What the schema cannot check; None when the item is fine."""
    bbox = item.get("bbox")
    if bbox is not None:
        half = len(bbox) // 2
        if bbox[1] > bbox[half + 1]:
            return "bbox south above north"
    props = item["properties"]
    times = {}
    for key in ("datetime", "start_datetime", "end_datetime"):
        value = props.get(key)
        if isinstance(value, str):
            try:
                times[key] = datetime.fromisoformat(value)
            except ValueError:
                return f"{key} unreadable"
    if "start_datetime" in times and "end_datetime" in times:
        try:
            if times["start_datetime"] > times["end_datetime"]:
                return "start after end"
        except TypeError:  # one naive, one aware: let the models judge
            return "mixed time zones"
    return None
