"""WKB that GEOS refuses or cannot represent, read leniently into linear geometries.

What comes here, and what becomes of it:

- curves (SQL/MM CircularString, CompoundCurve, CurvePolygon, MultiCurve, MultiSurface):
  stroked into lines and rings (curves.py gives the tolerance);
- polyhedral surfaces, TINs and triangles: their faces as polygons;
- OGR's bare LinearRing (type 101: a ring outside any polygon, e.g. in a KML
  MultiGeometry): a polygon when it encloses an area, else a line;
- collections with broken members, and truncated data: the members read before the
  break are kept, the rest counted as dropped;
- rings with too few points, lines with fewer than two, non-finite vertices: left out
  (a polygon whose exterior goes is left out whole), so what is built is what PostGIS
  accepts.

Z and M are read past and dropped (the repair stores 2D). Only the few values the bulk
parser rejects come here, so this is plain Python, one value at a time.
"""

import struct
from dataclasses import dataclass

import numpy as np
import shapely

from services.vector.curves import stroke_circular_string

POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, COLLECTION = range(1, 8)
CIRCULARSTRING, COMPOUNDCURVE, CURVEPOLYGON, MULTICURVE, MULTISURFACE = range(8, 13)
POLYHEDRALSURFACE, TIN, TRIANGLE = 15, 16, 17
LINEARRING = 101  # OGR's code for a ring on its own
LINEAR_TYPES = frozenset(range(1, 8))
CURVED_TYPES = frozenset({CIRCULARSTRING, COMPOUNDCURVE, CURVEPOLYGON, MULTICURVE, MULTISURFACE})
MULTI_OF_DIMENSION = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
SHAPELY_POLYGON = 3  # shapely's type ids: 0-3 single geometries, 4-7 multi and collections
MAX_DEPTH = 32  # nesting of collections, against hostile input
EWKB_Z, EWKB_M, EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


class Truncated(ValueError):
    """The data ended (or a count claimed more than is left) inside a geometry."""


@dataclass
class Salvage:
    """What reading one value leniently did (counted in the report)."""

    curved: bool = False
    members_dropped: int = 0  # collection members, rings or vertices that could not be built
    bare_rings: int = 0  # rings outside any polygon, built as polygons or lines


def base_type(wkb: bytes | None) -> int | None:
    """The type code without Z/M/SRID flags (ISO or EWKB), from the header alone."""
    if wkb is None or len(wkb) < 5 or wkb[0] not in (0, 1):
        return None
    raw = int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big") & 0x0FFFFFFF
    return raw if raw == LINEARRING else raw % 1000


def salvage(wkb: bytes) -> tuple[object | None, Salvage]:
    """The linear geometry to be had from `wkb` (None when nothing), and what it took."""
    notes = Salvage()
    try:
        return _Reader(wkb, notes).geometry(0), notes
    except (ValueError, struct.error, IndexError):
        return None, notes


class _Reader:
    def __init__(self, data: bytes, notes: Salvage):
        self.data, self.pos, self.notes = bytes(data), 0, notes

    # -- primitives ---------------------------------------------------------------------------------

    def _take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise Truncated("the geometry ends early")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def _uint32(self, order: str) -> int:
        return struct.unpack(order + "I", self._take(4))[0]

    def _header(self) -> tuple[str, int, int]:
        """(struct byte order, base type, coordinate dimensions)."""
        flag = self._take(1)[0]
        if flag not in (0, 1):
            raise ValueError(f"bad byte order {flag}")
        order = "<" if flag == 1 else ">"
        raw = self._uint32(order)
        if raw & EWKB_SRID:
            self._uint32(order)
        z, m, code = bool(raw & EWKB_Z), bool(raw & EWKB_M), raw & 0x0FFFFFFF
        if code != LINEARRING:
            z, m, code = z or code // 1000 in (1, 3), m or code // 1000 in (2, 3), code % 1000
        return order, code, 2 + z + m

    def _points(self, order: str, dims: int) -> np.ndarray:
        """A counted point sequence, 2D, without non-finite vertices (counted when dropped)."""
        count = self._uint32(order)
        if (
            count * dims * 8 > len(self.data) - self.pos
        ):  # never allocate what a header merely claims
            raise Truncated("a point count exceeds the data")
        values = np.frombuffer(self._take(count * dims * 8), dtype=order + "f8").reshape(
            count, dims
        )[:, :2]
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            self.notes.members_dropped += int((~finite).sum())
        return np.ascontiguousarray(values[finite])

    # -- geometries ---------------------------------------------------------------------------------

    def geometry(self, depth: int):
        if depth > MAX_DEPTH:
            raise ValueError("collections nested too deep")
        order, code, dims = self._header()
        if code == POINT:
            xy = np.frombuffer(self._take(dims * 8), dtype=order + "f8")[:2]
            return shapely.points(xy) if np.isfinite(xy).all() else None
        if code in (LINESTRING, CIRCULARSTRING, LINEARRING):
            return self._curve(code, self._points(order, dims))
        if code == COMPOUNDCURVE:
            self.notes.curved = True
            return _line(
                _joined(
                    [
                        shapely.get_coordinates(g)
                        for g in self._members(order, depth)
                        if g is not None
                    ]
                )
            )
        if code in (POLYGON, TRIANGLE):
            return self._polygon([self._points(order, dims) for _ in range(self._uint32(order))])
        if code == CURVEPOLYGON:
            self.notes.curved = True
            return self._polygon(
                [shapely.get_coordinates(g) for g in self._members(order, depth, rings=True)]
            )
        if code in (MULTICURVE, MULTISURFACE):
            self.notes.curved = True
        if code in (
            MULTIPOINT,
            MULTILINESTRING,
            MULTIPOLYGON,
            COLLECTION,
            MULTICURVE,
            MULTISURFACE,
            POLYHEDRALSURFACE,
            TIN,
        ):
            return _collect([g for g in self._members(order, depth) if g is not None])
        raise ValueError(f"unsupported geometry type {code}")

    def _curve(self, code: int, points: np.ndarray):
        if code == CIRCULARSTRING:
            self.notes.curved = True
            return _line(stroke_circular_string(points))
        if code == LINEARRING:
            self.notes.bare_rings += 1
            return _bare_ring(points)
        return _line(points)

    def _members(self, order: str, depth: int, rings: bool = False) -> list:
        """Each member in turn; after a broken one the rest cannot be found, so they are
        dropped (counted) and the ones before kept. `rings`: a CurvePolygon's rings, whose
        bad ones are _polygon's to judge."""
        count, members = self._uint32(order), []
        for index in range(count):
            try:
                member = self.geometry(depth + 1)
            except (ValueError, struct.error, IndexError):
                self.notes.members_dropped += count - index
                break
            if member is None and not rings:
                self.notes.members_dropped += 1
            members.append(member if member is not None or not rings else np.empty((0, 2)))
        return members

    def _polygon(self, rings: list):
        closed = [_closed(r) for r in rings]
        kept = [r for r in closed if len(r) >= 4]
        self.notes.members_dropped += len(closed) - len(kept)
        if not closed or len(closed[0]) < 4:
            return None
        return shapely.polygons(kept[0], holes=kept[1:] or None)


def _closed(ring) -> np.ndarray:
    ring = np.asarray(ring, dtype=float).reshape(-1, 2)
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring


def _line(points: np.ndarray):
    return shapely.linestrings(points) if len(points) >= 2 else None


def _bare_ring(points: np.ndarray):
    """A ring that encloses an area is the polygon it bounds; a flat one is a line."""
    ring = _closed(points)
    if len(ring) >= 4:
        polygon = shapely.polygons(ring)
        if shapely.area(polygon) > 0:
            return polygon
    return _line(points)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The pieces of a CompoundCurve as one vertex sequence (shared end points once)."""
    joined: list[np.ndarray] = []
    for part in parts:
        if joined and len(part) and np.array_equal(joined[-1][-1], part[0]):
            part = part[1:]
        if len(part):
            joined.append(part)
    return np.concatenate(joined) if joined else np.empty((0, 2))


def _collect(members: list):
    """Members of one dimension as their Multi type; mixed ones as a collection (split
    by kind later). Nested collections are flattened."""
    parts = [p for m in members for p in _flat(m) if not shapely.is_empty(p)]
    if not parts:
        return None
    dimensions = {int(shapely.get_dimensions(p)) for p in parts}
    if len(dimensions) == 1:
        return MULTI_OF_DIMENSION[dimensions.pop()](parts)
    return shapely.geometrycollections(parts)


def _flat(geometry) -> list:
    if shapely.get_type_id(geometry) <= SHAPELY_POLYGON:  # point, line, ring, polygon
        return [geometry]
    return [leaf for part in shapely.get_parts(geometry) for leaf in _flat(part)]
