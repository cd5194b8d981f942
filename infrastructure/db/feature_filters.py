"""A Features query's filters as SQL: a WHERE fragment (psycopg.sql, identifiers only of
the collection's own columns) and its bound values. CQL2-JSON is compiled here, node by
node; an operator or an argument this compiler does not take is a 400 naming it.

Supported CQL2: and/or/not; = <> < <= > >=; like (with casei); between; in; isNull;
s_intersects/within/contains/disjoint/equals/touches/crosses/overlaps against a GeoJSON
geometry or a bbox; t_after/before/equals/intersects/during/disjoint against a date,
timestamp or interval.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any

import shapely
import shapely.geometry
from psycopg import sql as pgsql

from core.errors import BadRequest
from core.features.query import TEMPORAL, FeatureQuery, TimeWindow, parse_timestamp, typed_value
from core.models.metadata import ColumnDefinition, VectorMetadata

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
SPATIAL = {
    "s_intersects": "ST_Intersects",
    "s_within": "ST_Within",
    "s_contains": "ST_Contains",
    "s_disjoint": "ST_Disjoint",
    "s_equals": "ST_Equals",
    "s_touches": "ST_Touches",
    "s_crosses": "ST_Crosses",
    "s_overlaps": "ST_Overlaps",
}
TEMPORAL_OPS = {"t_after", "t_before", "t_equals", "t_intersects", "t_during", "t_disjoint"}
GEOMETRY_NAMES = {"geometry", "geom"}
MAX_DEPTH = 50


@dataclass
class Compiled:
    where: pgsql.Composable
    values: dict[str, Any] = field(default_factory=dict)


class _Compiler:
    def __init__(self, meta: VectorMetadata):
        self.meta = meta
        self.columns = {c.name: c for c in meta.columns}
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> pgsql.Composable:
        name = f"q{len(self.values)}"
        self.values[name] = value
        return pgsql.Placeholder(name)

    def column(self, name: str) -> pgsql.Composable:
        return pgsql.SQL("t.{}").format(pgsql.Identifier(name))

    def property_of(self, node: Any) -> ColumnDefinition:
        if not (isinstance(node, dict) and isinstance(node.get("property"), str)):
            raise BadRequest(f"filter: expected a property, got {_short(node)}")
        name = node["property"]
        if name not in self.columns:
            raise BadRequest(
                f"filter: {name!r} is not a queryable of {self.meta.id} "
                f"(queryables: {', '.join(sorted(self.columns)) or 'none'})"
            )
        return self.columns[name]

    # ---- the tree ---------------------------------------------------------------------

    def node(self, node: Any, depth: int = 0) -> pgsql.Composable:
        if depth > MAX_DEPTH:
            raise BadRequest(f"filter: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, bool):
            return pgsql.SQL("true" if node else "false")
        if (
            not isinstance(node, dict)
            or not isinstance(node.get("op"), str)
            or not isinstance(node.get("args"), list)
        ):
            raise BadRequest(f"filter: expected a predicate, got {_short(node)}")
        op, args = node["op"].lower(), node["args"]
        if op in ("and", "or"):
            if not args:
                raise BadRequest(f"filter: {op} needs arguments")
            joined = pgsql.SQL(f" {op.upper()} ").join(self.node(a, depth + 1) for a in args)
            return pgsql.SQL("({})").format(joined)
        if op == "not":
            return pgsql.SQL("(NOT {})").format(self.node(_one(args, op), depth + 1))
        return self.predicate(op, args)

    def predicate(self, op: str, args: list) -> pgsql.Composable:
        if op in COMPARISONS:
            return self.comparison(op, args)
        if op == "like":
            return self.like(args)
        if op == "between":
            column = self.property_of(_arity(args, 3, op)[0])
            low, high = (
                self.bind(typed_value(column, self.literal(a), "filter")) for a in args[1:]
            )
            return pgsql.SQL("({} BETWEEN {} AND {})").format(self.column(column.name), low, high)
        if op == "in":
            column = self.property_of(_arity(args, 2, op)[0])
            if not isinstance(args[1], list) or not args[1]:
                raise BadRequest("filter: in needs a non-empty list of values")
            values = pgsql.SQL(", ").join(
                self.bind(typed_value(column, self.literal(v), "filter")) for v in args[1]
            )
            return pgsql.SQL("({} IN ({}))").format(self.column(column.name), values)
        if op == "isnull":
            return pgsql.SQL("({} IS NULL)").format(
                self.column(self.property_of(_one(args, op)).name)
            )
        if op in SPATIAL:
            return self.spatial(op, args)
        if op in TEMPORAL_OPS:
            return self.temporal(op, args)
        raise BadRequest(f"filter: the operator {op!r} is not supported here (see docs/maps.md)")

    def comparison(self, op: str, args: list) -> pgsql.Composable:
        left, right = _arity(args, 2, op)
        if _is_property(right) and not _is_property(left):
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        column = self.property_of(left)
        if _is_property(right):
            other = self.property_of(right)
            return pgsql.SQL("({} {} {})").format(
                self.column(column.name), pgsql.SQL(COMPARISONS[op]), self.column(other.name)
            )
        value = typed_value(column, self.literal(right), "filter")
        return pgsql.SQL("({} {} {})").format(
            self.column(column.name), pgsql.SQL(COMPARISONS[op]), self.bind(value)
        )

    def like(self, args: list) -> pgsql.Composable:
        subject, pattern = _arity(args, 2, "like")
        lower = False
        if isinstance(subject, dict) and str(subject.get("op", "")).lower() == "casei":
            subject, lower = _one(subject.get("args", []), "casei"), True
        if isinstance(pattern, dict) and str(pattern.get("op", "")).lower() == "casei":
            pattern, lower = _one(pattern.get("args", []), "casei"), True
        if not isinstance(pattern, str) or "\x00" in pattern:
            raise BadRequest("filter: like needs a text pattern")
        target = pgsql.SQL("{}::text").format(self.column(self.property_of(subject).name))
        if lower:
            return pgsql.SQL("(lower({}) LIKE lower({}))").format(target, self.bind(pattern))
        return pgsql.SQL("({} LIKE {})").format(target, self.bind(pattern))

    def spatial(self, op: str, args: list) -> pgsql.Composable:
        first, second = _arity(args, 2, op)
        if _is_geometry_property(second):
            first, second = second, first
        if not _is_geometry_property(first):
            raise BadRequest(
                f"filter: {op} needs the geometry property ('geometry') and a geometry"
            )
        return pgsql.SQL("{}(t.geom, {})").format(pgsql.SQL(SPATIAL[op]), self.geometry(second))

    def geometry(self, node: Any) -> pgsql.Composable:
        if isinstance(node, dict) and isinstance(node.get("bbox"), list):
            box = node["bbox"]
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            if len(box) != 4 or not all(isinstance(v, (int, float)) and abs(v) <= 360 for v in box):
                raise BadRequest("filter: a bbox is four numbers: west, south, east, north")
            return pgsql.SQL("ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(
                *(self.bind(float(v)) for v in box)
            )
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            return pgsql.SQL("ST_GeomFromWKB({}, 4326)").format(self.bind(_wkb(node)))
        raise BadRequest(f"filter: expected a GeoJSON geometry or a bbox, got {_short(node)}")

    def temporal(self, op: str, args: list) -> pgsql.Composable:
        first, second = _arity(args, 2, op)
        if _is_property(second) and not _is_property(first):
            first, second = second, first
        column = self.property_of(first)
        if column.type not in TEMPORAL:
            raise BadRequest(
                f"filter: {op} needs a date or time property; {column.name} is {column.type}"
            )
        start, end = _instant_or_interval(second)
        target = self.column(column.name)
        return {
            "t_after": lambda: pgsql.SQL("({} > {})").format(
                target, self.bind(_typed(column, end or start))
            ),
            "t_before": lambda: pgsql.SQL("({} < {})").format(
                target, self.bind(_typed(column, start or end))
            ),
            "t_equals": lambda: self.window(column, TimeWindow(start, end)),
            "t_intersects": lambda: self.window(column, TimeWindow(start, end)),
            "t_during": lambda: self.window(column, TimeWindow(start, end)),
            "t_disjoint": lambda: pgsql.SQL("(NOT {})").format(
                self.window(column, TimeWindow(start, end))
            ),
        }[op]()

    def window(self, column: ColumnDefinition, window: TimeWindow) -> pgsql.Composable:
        parts = []
        target = self.column(column.name)
        if window.start is not None:
            parts.append(
                pgsql.SQL("{} >= {}").format(target, self.bind(_typed(column, window.start)))
            )
        if window.end is not None:
            parts.append(
                pgsql.SQL("{} <= {}").format(target, self.bind(_typed(column, window.end)))
            )
        return pgsql.SQL("({})").format(
            pgsql.SQL(" AND ").join(parts) if parts else pgsql.SQL("true")
        )

    def literal(self, node: Any) -> Any:
        if isinstance(node, dict):
            if "timestamp" in node and isinstance(node["timestamp"], str):
                return node["timestamp"]
            if "date" in node and isinstance(node["date"], str):
                return node["date"]
            raise BadRequest(f"filter: expected a value, got {_short(node)}")
        if isinstance(node, list) or node is None:
            raise BadRequest(f"filter: expected a value, got {_short(node)}")
        return node


def compile_query(meta: VectorMetadata, query: FeatureQuery) -> Compiled:
    """The WHERE fragment (no leading AND) and values for a query's filters; `true` when none."""
    compiler = _Compiler(meta)
    parts: list[pgsql.Composable] = []
    if query.window is not None:
        parts.append(compiler.window(compiler.columns[query.time_column], query.window))
    for equality in query.equalities:
        parts.append(
            pgsql.SQL("({} = {})").format(
                compiler.column(equality.column.name), compiler.bind(equality.value)
            )
        )
    if query.cql2 is not None:
        parts.append(compiler.node(query.cql2))
    where = pgsql.SQL(" AND ").join(parts) if parts else pgsql.SQL("true")
    return Compiled(where, compiler.values)


def order_by(query: FeatureQuery) -> pgsql.Composable:
    """The requested order, then the id (a stable page order whatever the keys)."""
    keys = [
        pgsql.SQL("t.{} {}").format(
            pgsql.Identifier(k.column), pgsql.SQL("DESC" if k.descending else "ASC")
        )
        for k in query.sortby
        if k.column != "id"
    ]
    id_descending = any(k.column == "id" and k.descending for k in query.sortby)
    keys.append(pgsql.SQL("t.id DESC" if id_descending else "t.id"))
    return pgsql.SQL(", ").join(keys)


def _typed(column: ColumnDefinition, moment: datetime) -> date | datetime:
    """A bound for a date column is a date (no session time zone in the comparison)."""
    return moment.astimezone(timezone.utc).date() if column.type == "date" else moment


def _instant_or_interval(node: Any) -> tuple[datetime | None, datetime | None]:
    if (
        isinstance(node, dict)
        and isinstance(node.get("interval"), list)
        and len(node["interval"]) == 2
    ):
        start, end = (_moment(v) for v in node["interval"])
        return start, end
    moment = _moment(node)
    if moment is None:
        raise BadRequest("filter: a temporal operator needs a date, a timestamp or an interval")
    return moment, moment


def _moment(node: Any) -> datetime | None:
    if isinstance(node, dict):
        node = node.get("timestamp", node.get("date"))
    if node in ("..", None):
        return None
    if not isinstance(node, str):
        raise BadRequest(f"filter: expected a date or timestamp, got {_short(node)}")
    if len(node) == 10:
        try:
            return datetime.combine(date.fromisoformat(node), time(), timezone.utc)
        except ValueError as exc:
            raise BadRequest(f"filter: {node!r} is not a date (YYYY-MM-DD)") from exc
    return parse_timestamp(node, "filter")


def _wkb(node: dict) -> bytes:
    """A GeoJSON literal checked by shapely (PostGIS would answer a malformed one with an
    internal error), bound as WKB."""
    try:
        geometry = shapely.geometry.shape(node)
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        shapely.errors.ShapelyError,
    ) as exc:
        raise BadRequest(f"filter: not a valid GeoJSON geometry ({exc})") from exc
    if geometry.is_empty or not all(abs(v) <= 360 for v in geometry.bounds if v == v):
        raise BadRequest("filter: the geometry is empty or not in longitude/latitude degrees")
    return shapely.to_wkb(geometry)


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and "property" in node


def _is_geometry_property(node: Any) -> bool:
    return _is_property(node) and node["property"] in GEOMETRY_NAMES


def _one(args: list, op: str) -> Any:
    return _arity(args, 1, op)[0]


def _arity(args: list, count: int, op: str) -> list:
    if len(args) != count:
        raise BadRequest(
            f"filter: {op} takes {count} argument{'s' if count > 1 else ''}, got {len(args)}"
        )
    return args


def _short(node: Any) -> str:
    text = json.dumps(node, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
