"""Attribute values of a chunk, from arrow columns to what binary COPY sends.

Values PostgreSQL would reject are fixed here and counted: dates outside years 1–9999
become NULL, NUL characters are removed from text, invalid UTF-8 is replaced.
"""

from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from psycopg.types.json import Jsonb

from services.vector import json_values
from services.vector.columns import ColumnPlan, column_kind
from services.vector.report import RepairLog

JSON_KINDS = ("json", "json_text")
# The year range every consumer (Python, ISO 8601, JSON) agrees on.
FIRST = datetime(1, 1, 1, tzinfo=timezone.utc)
LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
UNIT_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
# The names binary COPY needs for each of our PostgreSQL column types.
COPY_TYPES = {
    "boolean": "bool",
    "integer": "int4",
    "bigint": "int8",
    "double precision": "float8",
    "text": "text",
    "bytea": "bytea",
    "date": "date",
    "timestamptz": "timestamptz",
    "time": "time",
    "jsonb": "jsonb",
}


# The arrow type each PostgreSQL column type is read as, for columns one layer of an
# all-layers load lacks (NULLs) or has with a narrower type (cast).
ARROW_TYPES = {
    "boolean": pa.bool_(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double precision": pa.float64(),
    "text": pa.large_string(),
    "bytea": pa.large_binary(),
    "date": pa.date32(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "time": pa.time64("us"),
    "jsonb": pa.null(),
}


def prepare_columns(
    table: pa.Table, columns: list[ColumnPlan], fids: np.ndarray, log: RepairLog
) -> list[pa.Array]:
    """Each planned column cleaned once for the whole chunk (rows are taken per kind later).
    A name the source repeats (GeoJSON's feature `id` beside an `id` property) is matched
    occurrence by occurrence: the n-th planned column of that name reads the n-th."""
    seen: dict[str, int] = {}
    arrays = []
    for column in columns:
        occurrence = seen.get(column.source_name, 0)
        seen[column.source_name] = occurrence + 1
        arrays.append(_clean(_source_array(table, column, occurrence), column, fids, log))
    return arrays


def _source_array(table: pa.Table, column: ColumnPlan, occurrence: int = 0) -> pa.Array:
    positions = [i for i, name in enumerate(table.column_names) if name == column.source_name]
    if len(positions) <= occurrence:
        return pa.nulls(table.num_rows, type=ARROW_TYPES[column.pg_type])
    array = _as_array(table.column(positions[occurrence]))
    if column.kind in ("int", "float") and column_kind(array.type)[0] != column.pg_type:
        return array.cast(ARROW_TYPES[column.pg_type])
    return array


def python_values(array: pa.Array, column: ColumnPlan, rows: np.ndarray) -> list:
    values = array.take(pa.array(rows, type=pa.int64())).to_pylist()
    if column.kind in JSON_KINDS:  # already jsonb-safe JSON text (_clean_json)
        return [None if v is None else Jsonb(v, dumps=_as_is) for v in values]
    return values


def _as_is(text: str) -> str:
    return text


def _as_array(column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _clean(array: pa.Array, column: ColumnPlan, fids: np.ndarray, log: RepairLog) -> pa.Array:
    if column.kind in JSON_KINDS:
        return _clean_json(array, column.kind == "json_text", fids, log)
    if column.kind == "text":
        return _clean_text(array, fids, log)
    if column.kind == "timestamp":
        return _clean_timestamps(array, fids, log)
    if column.kind == "date":
        return _clean_dates(array, fids, log)
    if column.kind == "float" and pa.types.is_decimal(array.type):
        return array.cast(pa.float64())
    return array


def _clean_json(array: pa.Array, parse: bool, fids: np.ndarray, log: RepairLog) -> pa.Array:
    values = (_storage(array) if parse else array).to_pylist()
    texts, cleaned = json_values.as_json_texts(values, parse)
    log.repair("json_values_cleaned", fids[np.array(cleaned, dtype=np.int64)])
    return pa.array(texts, type=pa.large_string())


def _storage(array: pa.Array) -> pa.Array:
    return array.storage if isinstance(array, pa.ExtensionArray) else array


def _as_text(array: pa.Array) -> pa.Array:
    """Any column planned as text (strings, or types without a closer PostgreSQL match)
    as large_string: cast where arrow can, else each value's text."""
    array = _storage(array)
    if pa.types.is_large_string(array.type):
        return array
    try:
        return array.cast(pa.large_string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array(
            [None if v is None else str(v) for v in array.to_pylist()], type=pa.large_string()
        )


def _clean_text(array: pa.Array, fids: np.ndarray, log: RepairLog) -> pa.Array:
    array = _as_text(array)
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        array = _replace_invalid_utf8(array, fids, log)
    has_nul = pc.fill_null(pc.match_substring(array, "\x00"), False)
    if pc.any(has_nul).as_py():
        log.repair(
            "nul_characters_removed",
            fids[np.asarray(has_nul.to_numpy(zero_copy_only=False), dtype=bool)],
        )
        array = pc.replace_substring(array, "\x00", "")
    return array


def _replace_invalid_utf8(array: pa.Array, fids: np.ndarray, log: RepairLog) -> pa.Array:
    raw = array.view(pa.large_binary()).to_pylist()
    fixed, bad = [], []
    for position, value in enumerate(raw):
        if value is None:
            fixed.append(None)
            continue
        try:
            fixed.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            fixed.append(value.decode("utf-8", errors="replace"))
            bad.append(position)
    log.repair("invalid_utf8_replaced", fids[np.array(bad, dtype=np.int64)])
    return pa.array(fixed, type=pa.large_string())


def _clean_timestamps(array: pa.Array, fids: np.ndarray, log: RepairLog) -> pa.Array:
    unit = array.type.unit
    per_second = UNIT_PER_SECOND[unit]
    low = int((FIRST - EPOCH).total_seconds()) * per_second
    high = int((LAST - EPOCH).total_seconds()) * per_second
    ticks = array.view(pa.int64())
    outside = pc.fill_null(pc.or_(pc.less(ticks, low), pc.greater(ticks, high)), False)
    _count_nulled(outside, fids, log)
    ticks = pc.if_else(outside, pa.scalar(None, pa.int64()), ticks)
    zone = array.type.tz or "UTC"  # naive values are taken as UTC (docs/vector.md)
    return pc.cast(
        ticks.view(pa.timestamp(unit, tz=zone)), pa.timestamp("us", tz="UTC"), safe=False
    )


def _clean_dates(array: pa.Array, fids: np.ndarray, log: RepairLog) -> pa.Array:
    days = array.cast(pa.date32()).view(pa.int32())
    low, high = (
        (datetime(1, 1, 1) - datetime(1970, 1, 1)).days,
        (datetime(9999, 12, 31) - datetime(1970, 1, 1)).days,
    )
    outside = pc.fill_null(pc.or_(pc.less(days, low), pc.greater(days, high)), False)
    _count_nulled(outside, fids, log)
    return pc.if_else(outside, pa.scalar(None, pa.int32()), days).view(pa.date32())


def _count_nulled(outside: pa.Array, fids: np.ndarray, log: RepairLog) -> None:
    if pc.any(outside).as_py():
        log.repair(
            "dates_nulled", fids[np.asarray(outside.to_numpy(zero_copy_only=False), dtype=bool)]
        )


def temporal_range(array: pa.Array, rows: np.ndarray) -> tuple[str | None, str | None]:
    """ISO 8601 (UTC) min and max of a date/timestamp column over the kept rows."""
    if len(rows) == 0:
        return None, None
    values = array.take(pa.array(rows, type=pa.int64()))
    bounds = pc.min_max(values).as_py()
    low, high = bounds["min"], bounds["max"]
    return _iso(low), _iso(high)


def _iso(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()
