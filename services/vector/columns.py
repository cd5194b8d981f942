"""Attribute columns: safe PostgreSQL names and types for whatever the source calls them."""

import re
import unicodedata

import pyarrow as pa
from pydantic import BaseModel

MAX_IDENTIFIER = 63
# Our own columns, and PostgreSQL's system columns (a user column cannot take their names).
RESERVED = {"id", "geom", "oid", "tableoid", "xmin", "xmax", "cmin", "cmax", "ctid"}


class ColumnPlan(BaseModel):
    name: str  # in PostgreSQL
    source_name: str  # in the source (arrow field name)
    pg_type: str
    kind: str  # how values are converted: int float bool text bytes date timestamp time json json_text


def sanitize_names(source_names: list[str]) -> list[str]:
    """Lowercase ASCII identifiers, ≤ 63 bytes, unique, never `id`/`geom`/system names."""
    taken: set[str] = set(RESERVED)
    names = []
    for position, source in enumerate(source_names, start=1):
        base = _identifier(source) or f"column_{position}"
        name = base
        counter = 1
        while name in taken:
            suffix = f"_{counter}"
            name = base[: MAX_IDENTIFIER - len(suffix)] + suffix
            counter += 1
        taken.add(name)
        names.append(name)
    return names


def _identifier(source: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(source)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_]+", "_", ascii_text.lower()).strip("_")
    name = re.sub(r"_+", "_", name)
    if name and name[0].isdigit():
        name = "c_" + name
    return name[:MAX_IDENTIFIER].rstrip("_")


JSON_EXTENSION = "arrow.json"


def column_kind(arrow_type: pa.DataType) -> tuple[str, str]:
    """(PostgreSQL type, conversion kind) for an arrow column type. GDAL marks its JSON
    fields (nested GeoJSON properties) with arrow's JSON extension type: text holding JSON."""
    if isinstance(arrow_type, pa.BaseExtensionType):
        if arrow_type.extension_name == JSON_EXTENSION:
            return "jsonb", "json_text"
        arrow_type = arrow_type.storage_type
    if pa.types.is_boolean(arrow_type):
        return "boolean", "bool"
    if pa.types.is_integer(arrow_type):
        small = arrow_type.bit_width <= 32 and not (
            pa.types.is_unsigned_integer(arrow_type) and arrow_type.bit_width == 32
        )
        return ("integer" if small else "bigint"), "int"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "double precision", "float"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text", "text"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "bytea", "bytes"
    if pa.types.is_date(arrow_type):
        return "date", "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz", "timestamp"
    if pa.types.is_time(arrow_type):
        return "time", "time"
    if (
        pa.types.is_list(arrow_type)
        or pa.types.is_large_list(arrow_type)
        or pa.types.is_struct(arrow_type)
    ):
        return "jsonb", "json"
    return "text", "text"


def plan_columns(schema: pa.Schema, skip: set[str]) -> list[ColumnPlan]:
    fields = [f for f in schema if f.name not in skip]
    names = sanitize_names([f.name for f in fields])
    plans = []
    for field, name in zip(fields, names, strict=True):
        pg_type, kind = column_kind(field.type)
        plans.append(ColumnPlan(name=name, source_name=field.name, pg_type=pg_type, kind=kind))
    return plans


TEMPORAL_NAME = re.compile(
    r"(date|time|year|created|updated|modified|timestamp|_at$|_on$|^dt_|_dt$)", re.IGNORECASE
)


def time_candidates(columns: list[ColumnPlan]) -> list[dict[str, str]]:
    """Columns that may carry the data's time: typed ones first, then text named like time."""
    typed = [
        {"column": c.name, "reason": f"typed {c.pg_type} column"}
        for c in columns
        if c.kind in ("date", "timestamp")
    ]
    named = [
        {"column": c.name, "reason": "text column named like a date or time (values not typed)"}
        for c in columns
        if c.kind == "text" and TEMPORAL_NAME.search(c.source_name)
    ]
    return typed + named
