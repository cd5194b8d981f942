"""Geometry validation and repair for one chunk, vectorized with shapely 2.

Each step works on whole arrays and touches only the geometries that need it; whatever
it changes is counted (with sample source ids) in the RepairLog. Geometries no step
changed keep their source WKB, so the common case costs a coordinate pass and no encode.

Order matters: parse (closing rings; salvaging curves, bare rings and broken collections)
→ drop null/empty → split collections by kind → force 2D → reproject → remove empty rings
and parts → one coordinate pass: drop what lies out of range, prove star-shaped polygons valid,
snap the rest to the served grid, unwrap antimeridian crossings, remove duplicate vertices
→ GEOS validity of what was not proven, make valid (keeping the declared dimension) → cut
at ±180° → settle what changed since the snap back on the grid, valid there → orient
polygons → Multi* EWKB with SRID 4326.

What comes out is what PostGIS accepts: proven polygons have one closed ring of three or
more distinct vertices; everything else is GEOS-valid (rings of four or more points, lines
of two distinct ones) with no empty ring or part and only finite coordinates.
"""

import contextlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely

from services.vector import antimeridian, components, precision, validity, wkb_headers, wkb_salvage
from services.vector.ewkb import multi_ewkb
from services.vector.report import RepairLog
from services.vector.vertices import VertexSteps, non_finite_rows, out_of_range, snap_to_grid

SRID = 4326
KIND_OF_DIMENSION = {0: "points", 1: "lines", 2: "polygons"}
TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
POLYGON, MULTIPOLYGON, COLLECTION = 3, 6, 7
MULTI_BUILDERS = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
LAT_LIMIT, LON_LIMIT = 90.0, 360.0
EMPTY = shapely.from_wkt("POINT EMPTY")


@dataclass
class RepairedGeometries:
    rows: np.ndarray  # position of each output geometry in the chunk's source rows
    kinds: np.ndarray  # "points" / "lines" / "polygons" per output geometry
    wkb: np.ndarray  # plain 2D WKB (the source's own bytes where nothing changed)
    bounds: np.ndarray  # (n, 4) per output geometry
    checked: int  # geometries checked for validity
    invalid_before: int
    invalid_after: int
    input_types: dict[str, int]
    proven: int = 0  # polygons proven valid (as stored and as served) without GEOS
    settled: int = 0  # repaired geometries that snapping to the grid broke, snap-rounded

    @property
    def ewkb(self) -> list[bytes]:
        """Multi* EWKB with SRID 4326, row by row."""
        return [multi_ewkb(w, SRID) for w in self.wkb]


class _Batch:
    """The geometries in flight: parallel arrays, filtered as features drop out."""

    def __init__(self, geoms: np.ndarray, rows: np.ndarray, wkb: np.ndarray, fids: np.ndarray):
        self.geoms, self.rows, self.wkb, self.fids = geoms, rows, wkb, fids
        self.modified = np.zeros(len(geoms), dtype=bool)  # WKB must be re-encoded
        self.unsettled = np.zeros(
            len(geoms), dtype=bool
        )  # changed after the snap: settle on the grid
        self.proven = np.zeros(
            len(geoms), dtype=bool
        )  # valid as stored and served (validity.star_shaped)
        self.plain = np.zeros(
            len(geoms), dtype=bool
        )  # source WKB is plain 2D (wkb_headers.plain_2d)
        # Twice the signed area of each geometry's coordinate sequence, from the shared
        # coordinate pass; NaN where the shape changed since (then shapely decides).
        self.area2 = np.full(len(geoms), np.nan)

    def _arrays(self) -> tuple[str, ...]:
        return ("geoms", "rows", "wkb", "fids", "modified", "unsettled", "proven", "plain", "area2")

    def keep(self, mask: np.ndarray) -> None:
        for name in self._arrays():
            setattr(self, name, getattr(self, name)[mask])

    def append(self, geoms: list, source: np.ndarray) -> None:
        """Extra geometries for rows already in the batch (positions `source`)."""
        extra = {
            "geoms": np.array(geoms + [None], dtype=object)[:-1],
            "modified": np.ones(len(source), dtype=bool),
            "plain": np.zeros(len(source), dtype=bool),
            "proven": np.zeros(len(source), dtype=bool),
            "area2": np.full(len(source), np.nan),
        }
        for name in self._arrays():
            current = getattr(self, name)
            setattr(
                self,
                name,
                np.concatenate([current, extra[name] if name in extra else current[source]]),
            )

    def discard(self, mask: np.ndarray, reason: str, log: RepairLog) -> None:
        """Removes the geometries at `mask`. A feature is dropped (as `reason`) only when
        none of its geometries is left: a piece of a split collection whose other pieces
        stay is a part dropped (counted apart), so every feature is accounted for once."""
        if not mask.any():
            return
        left = np.isin(self.rows, self.rows[~mask])
        whole = np.unique(self.rows[mask & ~left], return_index=True)[1]
        log.drop(reason, self.fids[mask & ~left][whole])
        log.repair("collection_parts_dropped", self.fids[mask & left])
        self.keep(~mask)

    def replace(self, mask, geoms: np.ndarray) -> None:
        """New shapes (not on the grid, not proven) for the geometries at `mask`."""
        self.geoms[mask] = geoms
        self.modified[mask] = self.unsettled[mask] = True
        self.proven[mask] = False
        self.area2[mask] = np.nan


def repair(
    wkb: np.ndarray,
    fids: np.ndarray,
    log: RepairLog,
    *,
    transform: Callable[[np.ndarray], np.ndarray] | None,
    tolerance: float,
    codes: np.ndarray | None = None,
) -> RepairedGeometries:
    """`codes`: the values' raw WKB type codes (wkb_headers.type_codes), when at hand."""
    codes = codes if codes is not None else _type_codes(wkb)
    geoms, rebuilt = _parse(wkb, wkb_headers.base_types(codes), fids, log)
    batch = _Batch(geoms, np.arange(len(wkb)), wkb, fids)
    batch.plain = wkb_headers.plain_2d(codes)
    batch.modified |= rebuilt
    _drop_missing(batch, wkb, log)
    input_types = _input_types(batch)
    _split_collections(batch, log)
    _force_2d(batch, log)
    _reproject(batch, transform, log)
    _remove_empty_parts(batch, log)
    _coordinate_pass(batch, tolerance, log)
    checked, invalid_before = _make_valid(batch, log)
    _cut_antimeridian(batch, log)
    settled, invalid_after = _settle(batch, log)
    _orient(batch, log)
    result = _finish(batch, log, checked, invalid_before, invalid_after, input_types)
    result.proven, result.settled = int(batch.proven.sum()), settled
    return result


# -- parsing ----------------------------------------------------------------------------------------


def _type_codes(wkb: np.ndarray) -> np.ndarray:
    return np.array(
        [
            -1
            if w is None or len(w) < 5 or w[0] not in (0, 1)
            else int.from_bytes(w[1:5], "little" if w[0] == 1 else "big")
            for w in wkb
        ],
        dtype=np.int64,
    )


def _parse(
    wkb: np.ndarray, types: np.ndarray, fids: np.ndarray, log: RepairLog
) -> tuple[np.ndarray, np.ndarray]:
    """Geometries, and the mask of those that had to be rebuilt to parse at all: unclosed
    rings closed by GEOS, or read by the lenient reader (curves, bare rings, broken members)."""
    linear = (types >= 1) & (types <= 7)
    geoms = np.full(len(wkb), None, dtype=object)
    geoms[linear] = _from_wkb(wkb[linear], "ignore")
    rebuilt = np.zeros(len(wkb), dtype=bool)
    unclosed = np.flatnonzero((geoms == None) & linear)  # noqa: E711 (elementwise)
    if len(unclosed):
        fixed = _from_wkb(wkb[unclosed], "fix")
        parsed = unclosed[fixed != None]  # noqa: E711
        geoms[parsed], rebuilt[parsed] = fixed[fixed != None], True  # noqa: E711
    curved = _curved_collections(geoms, types)
    geoms[curved], rebuilt[curved] = None, False
    log.repair("rings_closed", fids[rebuilt])
    lenient = np.flatnonzero((geoms == None) & (wkb != None))  # noqa: E711
    for position in lenient:
        geoms[position] = _salvaged(wkb[position], fids[position], log)
        rebuilt[position] = geoms[position] is not None
    return geoms, rebuilt


def _from_wkb(wkb: np.ndarray, on_invalid: str) -> np.ndarray:
    """shapely.from_wkb, one value at a time where a collection holds a curve (which
    shapely refuses for the whole array): those are left None for the lenient reader."""
    try:
        return shapely.from_wkb(wkb, on_invalid=on_invalid)
    except NotImplementedError:
        out = np.full(len(wkb), None, dtype=object)
        for i, value in enumerate(wkb):
            with contextlib.suppress(NotImplementedError):
                out[i] = shapely.from_wkb(value, on_invalid=on_invalid)
        return out


def _curved_collections(geoms: np.ndarray, types: np.ndarray) -> np.ndarray:
    """GEOS parses a collection holding a curve, but shapely refuses to take it apart:
    such collections go to the lenient reader too."""
    curved = np.zeros(len(geoms), dtype=bool)
    for position in np.flatnonzero((types == wkb_salvage.COLLECTION) & (geoms != None)):  # noqa: E711
        try:
            validity.flatten(geoms[position])
        except NotImplementedError:
            curved[position] = True
    return curved


def _salvaged(value: bytes, fid, log: RepairLog):
    geometry, notes = wkb_salvage.salvage(value)
    if geometry is None:
        return None
    one = np.array([fid])
    log.repair("curves_linearized", one if notes.curved else one[:0])
    log.repair("bare_rings_salvaged", one if notes.bare_rings else one[:0])
    if notes.members_dropped:
        log.repair("partly_salvaged", one)
        log.repair("unbuildable_parts_dropped", one, amount=notes.members_dropped)
    return geometry


def _drop_missing(batch: _Batch, wkb: np.ndarray, log: RepairLog) -> None:
    missing = batch.geoms == None  # noqa: E711
    log.drop("null_geometry", batch.fids[missing & (wkb == None)])  # noqa: E711
    log.drop("unreadable_geometry", batch.fids[missing & (wkb != None)])  # noqa: E711
    batch.keep(~missing)
    empty = shapely.is_empty(batch.geoms)
    log.drop("empty_geometry", batch.fids[empty])
    batch.keep(~empty)


def _input_types(batch: _Batch) -> dict[str, int]:
    ids, counts = np.unique(shapely.get_type_id(batch.geoms), return_counts=True)
    return {TYPE_NAMES.get(int(i), str(i)): int(c) for i, c in zip(ids, counts, strict=True)}


# -- structure --------------------------------------------------------------------------------------


def _split_collections(batch: _Batch, log: RepairLog) -> None:
    """A collection becomes one geometry per dimension it holds (same source row)."""
    collections = np.flatnonzero(shapely.get_type_id(batch.geoms) == COLLECTION)
    if len(collections) == 0:
        return
    extra_geoms, extra_rows = [], []
    for position in collections:
        by_dimension: dict[int, list] = {}
        for part in validity.flatten(batch.geoms[position]):
            by_dimension.setdefault(int(shapely.get_dimensions(part)), []).append(part)
        pieces = [MULTI_BUILDERS[dim](parts) for dim, parts in sorted(by_dimension.items())]
        batch.geoms[position] = pieces[0] if pieces else EMPTY
        extra_geoms.extend(pieces[1:])
        extra_rows.extend([position] * (len(pieces) - 1))
    batch.modified[collections] = True
    log.repair("collections_split", batch.fids[collections])
    if extra_rows:
        batch.append(extra_geoms, np.array(extra_rows))
    batch.keep(~shapely.is_empty(batch.geoms))


def _force_2d(batch: _Batch, log: RepairLog) -> None:
    extra = shapely.has_z(batch.geoms) | shapely.has_m(batch.geoms)
    if extra.any():
        batch.geoms[extra] = shapely.force_2d(batch.geoms[extra])
        batch.modified[extra] = True
        log.repair("forced_2d", batch.fids[extra])


def _reproject(batch: _Batch, transform, log: RepairLog) -> None:
    if transform is None:
        return
    batch.geoms = shapely.transform(batch.geoms, transform)
    batch.modified[:] = True
    log.repair("reprojected", batch.fids)


def _remove_empty_parts(batch: _Batch, log: RepairLog) -> None:
    """Empty rings and parts (components.py): removed; a geometry left with nothing dropped.
    Only multi-part and holed geometries can hold one (a non-empty single geometry's one
    ring or point sequence is not empty), and of those only WKB with a zero count."""
    types = shapely.get_type_id(batch.geoms)
    multi = (types >= 4) | ((types == POLYGON) & (shapely.get_num_interior_rings(batch.geoms) > 0))
    multi[multi] &= ~validity.single_ring_polygons(batch.geoms[multi])
    screened = np.flatnonzero(multi)
    candidates = screened[components.may_hold_empty_parts(batch.wkb[screened])]
    flagged = candidates[components.with_empty_parts(batch.geoms[candidates])]
    if len(flagged) == 0:
        return
    removed = 0
    for position in flagged:
        batch.geoms[position], lost = components.without_empty_parts(batch.geoms[position])
        removed += lost
    batch.modified[flagged] = True
    log.repair("empty_parts_removed", batch.fids[flagged], amount=removed)
    batch.discard(shapely.is_empty(batch.geoms), "empty_geometry", log)


# -- the coordinate pass ----------------------------------------------------------------------------------


def _coordinate_pass(batch: _Batch, tolerance: float, log: RepairLog) -> None:
    coords, index = _checked_coordinates(batch, log)
    x, y = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
    del coords
    batch.proven = validity.star_shaped(x, y, index, validity.single_ring_polygons(batch.geoms))
    movable = ~batch.proven & (shapely.get_dimensions(batch.geoms) > 0)  # a point is valid anywhere
    batch.modified |= snap_to_grid(batch.geoms, x, y, index, movable)
    steps = VertexSteps.of(x, y, index)
    batch.area2 = steps.signed_area2(len(batch.geoms))
    _unwrap_antimeridian(batch, steps)
    _remove_duplicate_vertices(batch, steps, tolerance, log)


def _checked_coordinates(batch: _Batch, log: RepairLog) -> tuple[np.ndarray, np.ndarray]:
    """Every coordinate, once the geometries holding NaN or infinite ones are rebuilt without
    those vertices (lenient reader) and those reaching outside the valid range dropped —
    judged on every vertex: an envelope skips a hole that lies outside its shell."""
    coords, index = shapely.get_coordinates(batch.geoms, return_index=True)
    # One comparison per axis flags both non-finite and out-of-range vertices (NaN is never
    # within a limit); the few flagged are then told apart.
    flagged = ~(np.abs(coords[:, 1]) <= LAT_LIMIT) | ~(np.abs(coords[:, 0]) <= LON_LIMIT)
    if not flagged.any():
        return coords, index
    bad = non_finite_rows(coords, index)
    if len(bad):
        rebuilt = [wkb_salvage.salvage(shapely.to_wkb(g))[0] for g in batch.geoms[bad]]
        batch.geoms[bad] = np.array(rebuilt + [None], dtype=object)[:-1]
        batch.modified[bad] = True
        log.repair("non_finite_vertices_removed", batch.fids[bad[[g is not None for g in rebuilt]]])
        batch.discard((batch.geoms == None) | shapely.is_empty(batch.geoms), "out_of_bounds", log)  # noqa: E711
        coords, index = shapely.get_coordinates(batch.geoms, return_index=True)
    outside = out_of_range(coords, index, len(batch.geoms), LON_LIMIT, LAT_LIMIT)
    if outside.any():
        batch.discard(outside, "out_of_bounds", log)
        coords, index = shapely.get_coordinates(batch.geoms, return_index=True)
    return coords, index


def _unwrap_antimeridian(batch: _Batch, steps: VertexSteps) -> None:
    """Crossing shapes are made continuous (and cut back at ±180° once valid)."""
    candidates = np.flatnonzero(
        antimeridian.jump_candidates(steps.x, steps.dx, steps.same, steps.index, len(batch.geoms))
    )
    for position in candidates:
        if antimeridian.has_jump(batch.geoms[position]):
            batch.replace(position, antimeridian.unwrap(batch.geoms[position]))


def _remove_duplicate_vertices(
    batch: _Batch, steps: VertexSteps, tolerance: float, log: RepairLog
) -> None:
    """The steps may predate unwrapping: a 360° shift neither makes nor hides a duplicate."""
    close = (np.abs(steps.dx) <= tolerance) & (np.abs(steps.dy) <= tolerance) & steps.same
    flagged = np.unique(steps.index[close])
    flagged = flagged[shapely.get_dimensions(batch.geoms[flagged]) > 0]  # points: nothing to remove
    if len(flagged) == 0:
        return
    before = shapely.get_num_coordinates(batch.geoms[flagged])
    cleaned = _without_repeated_points(batch.geoms[flagged], tolerance)
    removed = before - shapely.get_num_coordinates(cleaned)
    changed = flagged[removed > 0]
    batch.geoms[changed] = cleaned[removed > 0]
    batch.modified[changed] = True
    # A proven ring has no vertices closer than the margin, so only its exact repeats went
    # (its shape and signed area are unchanged): it stays proven. Others are judged anew.
    batch.area2[changed[~batch.proven[changed]]] = np.nan
    log.repair("features_with_duplicate_vertices", batch.fids[changed])
    log.repair("duplicate_vertices_removed", batch.fids[changed], amount=int(removed.sum()))


def _without_repeated_points(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """shapely.remove_repeated_points, except that a ring it would shrink below four points
    (GEOS refuses those) is left as it is: the validity step then collapses it."""
    try:
        return shapely.remove_repeated_points(geoms, tolerance=tolerance)
    except shapely.errors.GEOSException:
        out = geoms.copy()
        for i, geometry in enumerate(geoms):
            with contextlib.suppress(shapely.errors.GEOSException):
                out[i] = shapely.remove_repeated_points(geometry, tolerance=tolerance)
        return out


# -- validity ---------------------------------------------------------------------------------------


def _make_valid(batch: _Batch, log: RepairLog) -> tuple[int, int]:
    """GEOS judges what the coordinate pass could not prove (on the grid, as it will be
    served); invalid geometries are repaired, parts that collapse to a lower dimension
    dropped (counted), and a geometry that collapses entirely dropped as 'collapsed'."""
    checked = len(batch.geoms)
    judged = np.flatnonzero(~batch.proven & (shapely.get_dimensions(batch.geoms) > 0))
    invalid = judged[~shapely.is_valid(batch.geoms[judged])]
    if len(invalid) == 0:
        return checked, 0
    fixed, collapsed_parts = validity.made_valid(
        batch.geoms[invalid], shapely.get_dimensions(batch.geoms[invalid]), MULTI_BUILDERS
    )
    batch.replace(invalid, fixed)
    log.repair("made_valid", batch.fids[invalid])
    if collapsed_parts:
        log.repair("collapsed_parts_dropped", np.array([], dtype=np.int64), amount=collapsed_parts)
    batch.discard(shapely.is_empty(batch.geoms), "collapsed", log)
    return checked, len(invalid)


def _cut_antimeridian(batch: _Batch, log: RepairLog) -> None:
    bounds = shapely.bounds(batch.geoms)
    outside = np.flatnonzero((bounds[:, 0] < -180) | (bounds[:, 2] > 180))
    if len(outside) == 0:
        return
    split, wrapped, keep = [], [], np.ones(len(batch.geoms), dtype=bool)
    for position in outside:
        dimension = int(shapely.get_dimensions(batch.geoms[position]))
        geometry, windows = antimeridian.cut(batch.geoms[position], dimension)
        if geometry is None:
            keep[position] = False
            continue
        batch.replace(position, geometry)
        (split if windows > 1 else wrapped).append(position)
    log.repair("antimeridian_split", batch.fids[np.array(split, dtype=np.int64)])
    log.repair("longitudes_wrapped", batch.fids[np.array(wrapped, dtype=np.int64)])
    batch.discard(~keep, "collapsed", log)


def _settle(batch: _Batch, log: RepairLog) -> tuple[int, int]:
    """Geometries reshaped after the snap (made valid, unwrapped, cut) go back on the grid,
    valid there (precision.settle, which validates each result: the repaired geometries'
    final check); those snap-rounding empties are dropped as collapsed. Returns (how many
    snapping broke, how many are left invalid)."""
    moved = np.flatnonzero(batch.unsettled & (shapely.get_dimensions(batch.geoms) > 0))
    if len(moved) == 0:
        return 0, 0
    settled, broken, still_invalid = precision.settle(batch.geoms[moved])
    batch.geoms[moved] = settled
    if broken:
        log.repair("snap_rounded", np.array([], dtype=np.int64), amount=broken)
    batch.discard(shapely.is_empty(batch.geoms), "collapsed", log)
    return broken, still_invalid


def _orient(batch: _Batch, log: RepairLog) -> None:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946), where they are not.
    One-ring polygons are judged by the shoelace sums already computed, and those still in
    their source bytes are turned by reversing their coordinates in those bytes (no
    parse, no encode); multi-part, holed or reshaped ones by shapely (orient, compare)."""
    types = shapely.get_type_id(batch.geoms)
    polygonal = (types == POLYGON) | (types == MULTIPOLYGON) | (types == COLLECTION)
    if not polygonal.any():
        return
    simple = polygonal & np.isfinite(batch.area2)
    simple[simple] = validity.single_ring_polygons(batch.geoms[simple])
    known_wrong = np.flatnonzero(simple & (batch.area2 < 0))
    in_bytes = known_wrong[~batch.modified[known_wrong] & batch.plain[known_wrong]]
    for position in in_bytes:
        batch.wkb[position] = reversed_ring(batch.wkb[position])
    rebuild = np.setdiff1d(known_wrong, in_bytes)
    others = np.flatnonzero(polygonal & ~simple)
    oriented = shapely.orient_polygons(batch.geoms[others], exterior_cw=False)
    changed = others[~shapely.equals_identical(oriented, batch.geoms[others])]
    batch.geoms[others] = oriented
    batch.geoms[rebuild] = shapely.orient_polygons(batch.geoms[rebuild], exterior_cw=False)
    batch.modified[changed] = batch.modified[rebuild] = True
    log.repair("reoriented", batch.fids[np.union1d(known_wrong, changed)])


def reversed_ring(wkb: bytes) -> bytes:
    """Plain 2D WKB of a one-ring Polygon (or a one-part MultiPolygon of one) with its ring's
    vertices in reverse order: the 16-byte coordinate records after the headers, reversed."""
    start = 13 if wkb_headers.plain_2d_type(wkb) == wkb_salvage.POLYGON else 22
    return wkb[:start] + np.frombuffer(wkb, dtype="V16", offset=start)[::-1].tobytes()


# -- output -----------------------------------------------------------------------------------------


def _finish(
    batch: _Batch,
    log: RepairLog,
    checked: int,
    invalid_before: int,
    invalid_after: int,
    input_types: dict[str, int],
) -> RepairedGeometries:
    geoms = batch.geoms
    dimensions = shapely.get_dimensions(geoms)
    kinds = np.array([KIND_OF_DIMENSION[int(d)] for d in dimensions], dtype=object)
    types = shapely.get_type_id(geoms)
    _collections_to_multi(geoms, types, dimensions)
    singles = np.isin(shapely.get_type_id(geoms), (0, 1, 2, 3))
    log.repair("promoted_to_multi", batch.fids[singles])
    reuse = ~batch.modified & batch.plain
    encoded = np.empty(len(geoms), dtype=object)
    encoded[reuse] = batch.wkb[reuse]
    if (~reuse).any():
        encoded[~reuse] = shapely.to_wkb(
            geoms[~reuse], output_dimension=2, byte_order=1, flavor="iso", include_srid=False
        )
    return RepairedGeometries(
        rows=batch.rows,
        kinds=kinds,
        wkb=encoded,
        bounds=shapely.bounds(geoms),
        checked=checked,
        invalid_before=invalid_before,
        invalid_after=invalid_after,
        input_types=input_types,
    )


def _collections_to_multi(geoms: np.ndarray, types: np.ndarray, dimensions: np.ndarray) -> None:
    """Collections left by repairs (all parts of one dimension by now) become Multi*."""
    for position in np.flatnonzero(types == COLLECTION):
        parts = shapely.get_parts(geoms[position])
        geoms[position] = MULTI_BUILDERS[int(dimensions[position])](parts)
