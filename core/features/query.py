"""What a Features request asks for beyond paging: a time window on the collection's
detected time column, attribute equality, a CQL2 filter, an order and a choice of
properties. Everything is checked against the collection's own columns here, so what
reaches SQL names only real columns and carries values of their types; anything
malformed is a BadRequest (400), never ignored.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from core.errors import BadRequest
from core.models.metadata import ColumnDefinition, VectorMetadata

# Parameters the items route documents; any other must name a queryable (equality).
RESERVED = {
    "bbox",
    "limit",
    "offset",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "f",
    "bbox-crs",
    "crs",
}
CRS84 = {
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/OGC/0/CRS84",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "EPSG:4326",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
}
OPEN = {"", ".."}
NUMERIC = {"bigint", "integer", "smallint", "double precision", "real", "numeric"}
TEMPORAL = {"date", "timestamptz", "timestamp"}
SORT_KEY = re.compile(r"^([+-]?)([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class TimeWindow:
    """[start, end] on the time column, both ends included; either may be open (None)."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Equality:
    column: ColumnDefinition
    value: Any


@dataclass(frozen=True)
class SortKey:
    column: str  # a queryable, or "id"
    descending: bool


@dataclass
class FeatureQuery:
    time_column: str | None = None
    window: TimeWindow | None = None
    equalities: list[Equality] = field(default_factory=list)
    cql2: dict | None = None  # CQL2-JSON, property names checked
    sortby: list[SortKey] = field(default_factory=list)
    properties: list[ColumnDefinition] | None = None  # None: all

    @property
    def filtered(self) -> bool:
        return bool(self.window or self.equalities or self.cql2)


def columns_of(meta: VectorMetadata) -> dict[str, ColumnDefinition]:
    return {c.name: c for c in meta.columns}


def parse_datetime(text: str) -> TimeWindow:
    """An RFC 3339 instant (a bare date means that whole day) or an interval `start/end`
    with `..` or nothing for an open end."""
    text = text.strip()
    if "/" not in text:
        return TimeWindow(*_bounds_of(text))
    first, _, second = text.partition("/")
    if first.strip() in OPEN and second.strip() in OPEN:
        raise BadRequest(
            "datetime: an interval needs at least one end (`..` stands for an open one)"
        )
    start = None if first.strip() in OPEN else _bounds_of(first.strip())[0]
    end = None if second.strip() in OPEN else _bounds_of(second.strip())[1]
    if start and end and start > end:
        raise BadRequest(f"datetime: the interval {text!r} ends before it starts")
    return TimeWindow(start, end)


def _bounds_of(text: str, what: str = "datetime") -> tuple[datetime, datetime]:
    """(start, end) of an instant: a timestamp is its own end; a date runs to its last microsecond."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = _date(text, what)
        start = datetime.combine(day, time(), timezone.utc)
        return start, start + timedelta(days=1) - timedelta(microseconds=1)
    stamp = parse_timestamp(text, what)
    return stamp, stamp


def parse_timestamp(text: str, what: str) -> datetime:
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?", text
    ):
        raise BadRequest(
            f"{what}: {text!r} is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z) or date"
        )
    try:
        stamp = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("z", "Z")))
    except ValueError as exc:
        raise BadRequest(f"{what}: {text!r} is not a valid date-time ({exc})") from exc
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    try:
        stamp.astimezone(timezone.utc)
    except OverflowError as exc:
        raise BadRequest(f"{what}: {text!r} is out of range") from exc
    return stamp


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"{what}: {text!r} is not a valid date ({exc})") from exc


def typed_value(column: ColumnDefinition, raw: Any, what: str) -> Any:
    """`raw` as a value of the column's type; a value that cannot be one is the caller's error."""
    kind = column.type
    if kind in NUMERIC:
        return _number(raw, column, what)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise BadRequest(f"{what}: {column.name} is a boolean; {raw!r} is not true or false")
    if kind in TEMPORAL:
        if not isinstance(raw, str):
            raise BadRequest(
                f"{what}: {column.name} is a {kind}; {raw!r} is not a date or date-time"
            )
        return _date(raw, what) if kind == "date" and len(raw) == 10 else _bounds_of(raw, what)[0]
    if isinstance(raw, (dict, list)):
        raise BadRequest(f"{what}: {column.name} is {kind}; {raw!r} is not a single value")
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if "\x00" in text:
        raise BadRequest(f"{what}: a value may not contain NUL characters")
    return text


def _number(raw: Any, column: ColumnDefinition, what: str) -> int | float:
    if isinstance(raw, bool):
        raise BadRequest(f"{what}: {column.name} is a number; {raw!r} is a boolean")
    value: int | float | None
    if isinstance(raw, (int, float)):
        value = raw
    else:
        try:
            value = float(raw) if isinstance(raw, str) else None
        except ValueError:
            value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"{what}: {column.name} is a number; {raw!r} is not")
    if (
        column.type in ("bigint", "integer", "smallint")
        and float(value).is_integer()
        and abs(value) < 2**63
    ):
        return int(value)
    return float(value)


def parse_equalities(
    params: dict[str, str], meta: VectorMetadata, reserved: set[str] = RESERVED
) -> list[Equality]:
    """Every parameter the route does not define must be a queryable: `name=value` is equality."""
    columns = columns_of(meta)
    found = []
    for name, raw in params.items():
        if name in reserved:
            continue
        if name not in columns:
            known = ", ".join(sorted(columns)) or "none"
            raise BadRequest(
                f"unknown query parameter {name!r}: not a parameter of this route nor a queryable "
                f"of {meta.id} (queryables: {known})"
            )
        found.append(Equality(columns[name], typed_value(columns[name], raw, name)))
    return found


def parse_sortby(text: str, meta: VectorMetadata) -> list[SortKey]:
    columns = columns_of(meta)
    keys = []
    for part in [p.strip() for p in text.split(",")]:
        match = SORT_KEY.match(part)
        if not match or (match.group(2) not in columns and match.group(2) != "id"):
            raise BadRequest(
                f"sortby: {part!r} is not [+|-]queryable (queryables: id, {', '.join(sorted(columns))})"
            )
        keys.append(SortKey(match.group(2), match.group(1) == "-"))
    return keys


def parse_properties(text: str, meta: VectorMetadata) -> list[ColumnDefinition]:
    columns = columns_of(meta)
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise BadRequest(
            f"properties: {', '.join(map(repr, unknown))} not in {meta.id} "
            f"(properties: {', '.join(sorted(columns))})"
        )
    return [columns[n] for n in dict.fromkeys(names)]


def check_crs(value: str | None, what: str) -> None:
    if value is not None and value not in CRS84:
        raise BadRequest(
            f"{what}: only CRS84 (http://www.opengis.net/def/crs/OGC/1.3/CRS84) is supported"
        )
