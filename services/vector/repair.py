"""Geometry validation and repair for one chunk, vectorized with shapely 2.

Each step works on whole arrays and touches only the geometries that need it; whatever
it changes is counted (with sample source ids) in the RepairLog. Geometries no step
changed keep their source WKB, so the common case costs a validity check and no encode.

Order matters: parse (closing rings) → drop null/empty → split collections by kind →
force 2D → reproject → drop out-of-range → unwrap antimeridian crossings → remove
duplicate vertices → make valid (keeping the declared dimension) → cut at ±180° →
orient polygons → Multi* EWKB with SRID 4326.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely

from services.vector import antimeridian
from services.vector.ewkb import is_plain_2d, multi_ewkb
from services.vector.report import RepairLog

SRID = 4326
KIND_OF_DIMENSION = {0: "points", 1: "lines", 2: "polygons"}
TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
              6: "MultiPolygon", 7: "GeometryCollection"}
POLYGON, MULTIPOLYGON, COLLECTION = 3, 6, 7
MULTI_BUILDERS = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
LAT_LIMIT, LON_LIMIT = 90.0, 360.0


@dataclass
class RepairedGeometries:
    rows: np.ndarray          # position of each output geometry in the chunk's source rows
    kinds: np.ndarray         # "points" / "lines" / "polygons" per output geometry
    wkb: np.ndarray           # plain 2D WKB (the source's own bytes where nothing changed)
    bounds: np.ndarray        # (n, 4) per output geometry
    checked: int              # geometries checked for validity
    invalid_before: int
    invalid_after: int
    input_types: dict[str, int]

    @property
    def ewkb(self) -> list[bytes]:
        """Multi* EWKB with SRID 4326, row by row (copy_encoder does this column-wise)."""
        return [multi_ewkb(w, SRID) for w in self.wkb]


class _Batch:
    """The geometries in flight: parallel arrays, filtered as features drop out."""

    def __init__(self, geoms: np.ndarray, rows: np.ndarray, wkb: np.ndarray, fids: np.ndarray):
        self.geoms, self.rows, self.wkb, self.fids = geoms, rows, wkb, fids
        self.modified = np.zeros(len(geoms), dtype=bool)   # WKB must be re-encoded
        self.recheck = np.zeros(len(geoms), dtype=bool)    # repaired: validity checked again at the end
        # Twice the signed area of each geometry's coordinate sequence, taken once from the
        # shared coordinate pass; NaN where the shape changed since (then shapely decides).
        self.area2 = np.full(len(geoms), np.nan)

    def keep(self, mask: np.ndarray) -> None:
        self.geoms, self.rows, self.wkb = self.geoms[mask], self.rows[mask], self.wkb[mask]
        self.fids, self.modified, self.recheck = self.fids[mask], self.modified[mask], self.recheck[mask]
        self.area2 = self.area2[mask]

    def append(self, geoms: list, source: np.ndarray) -> None:
        """Extra geometries for rows already in the batch (positions `source`)."""
        self.geoms = np.concatenate([self.geoms, np.array(geoms, dtype=object)])
        self.rows, self.wkb, self.fids = (np.concatenate([a, a[source]]) for a in (self.rows, self.wkb, self.fids))
        self.modified = np.concatenate([self.modified, np.ones(len(source), dtype=bool)])
        self.recheck = np.concatenate([self.recheck, self.recheck[source]])
        self.area2 = np.concatenate([self.area2, np.full(len(source), np.nan)])

    def replace(self, mask: np.ndarray, geoms: np.ndarray) -> None:
        self.geoms[mask] = geoms
        self.modified[mask] = True
        self.area2[mask] = np.nan


def repair(wkb: np.ndarray, fids: np.ndarray, log: RepairLog, *,
           transform: Callable[[np.ndarray], np.ndarray] | None, tolerance: float) -> RepairedGeometries:
    geoms, closed = _parse(wkb, fids, log)
    batch = _Batch(geoms, np.arange(len(wkb)), wkb, fids)
    batch.modified |= closed
    _drop_missing(batch, wkb, log)
    input_types = _input_types(batch)
    _split_collections(batch, log)
    _force_2d(batch, log)
    _reproject(batch, transform, log)
    _drop_out_of_range(batch, log)
    steps = VertexSteps.of(batch.geoms)
    batch.area2 = steps.signed_area2(len(batch.geoms))
    _unwrap_antimeridian(batch, steps)
    _remove_duplicate_vertices(batch, steps, tolerance, log)
    checked, invalid_before = _make_valid(batch, log)
    _cut_antimeridian(batch, log)
    _orient(batch, log)
    invalid_after = int((~shapely.is_valid(batch.geoms[batch.recheck])).sum())
    return _finish(batch, log, checked, invalid_before, invalid_after, input_types)


def _parse(wkb: np.ndarray, fids: np.ndarray, log: RepairLog) -> tuple[np.ndarray, np.ndarray]:
    """Geometries, and the mask of those whose rings had to be closed to parse at all."""
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    closed = np.zeros(len(wkb), dtype=bool)
    unparsed = np.flatnonzero((geoms == None) & (wkb != None))  # noqa: E711 (elementwise)
    if len(unparsed):
        fixed = shapely.from_wkb(wkb[unparsed], on_invalid="fix")
        parsed = fixed != None  # noqa: E711
        geoms[unparsed[parsed]] = fixed[parsed]
        closed[unparsed[parsed]] = True
        log.repair("rings_closed", fids[unparsed[parsed]])
    return geoms, closed


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
    return {TYPE_NAMES.get(int(i), str(i)): int(c) for i, c in zip(ids, counts)}


def _split_collections(batch: _Batch, log: RepairLog) -> None:
    """A collection becomes one geometry per dimension it holds (same source row)."""
    collections = np.flatnonzero(shapely.get_type_id(batch.geoms) == COLLECTION)
    if len(collections) == 0:
        return
    extra_geoms, extra_rows = [], []
    for position in collections:
        by_dimension: dict[int, list] = {}
        for part in _flatten(batch.geoms[position]):
            by_dimension.setdefault(int(shapely.get_dimensions(part)), []).append(part)
        pieces = [MULTI_BUILDERS[dim](parts) for dim, parts in sorted(by_dimension.items())]
        batch.geoms[position] = pieces[0] if pieces else shapely.from_wkt("POINT EMPTY")
        extra_geoms.extend(pieces[1:])
        extra_rows.extend([position] * (len(pieces) - 1))
    batch.modified[collections] = True
    log.repair("collections_split", batch.fids[collections])
    if extra_rows:
        batch.append(extra_geoms, np.array(extra_rows))
    non_empty = ~shapely.is_empty(batch.geoms)
    batch.keep(non_empty)


def _flatten(geometry) -> list:
    parts = []
    for part in shapely.get_parts(geometry):
        if shapely.get_type_id(part) == COLLECTION:
            parts.extend(_flatten(part))
        elif not part.is_empty:
            parts.extend(shapely.get_parts(part))
    return parts


def _force_2d(batch: _Batch, log: RepairLog) -> None:
    extra = shapely.has_z(batch.geoms) | shapely.has_m(batch.geoms)
    if extra.any():
        batch.replace(extra, shapely.force_2d(batch.geoms[extra]))
        log.repair("forced_2d", batch.fids[extra])


def _reproject(batch: _Batch, transform, log: RepairLog) -> None:
    if transform is None:
        return
    batch.geoms = shapely.transform(batch.geoms, transform)
    batch.modified[:] = True
    log.repair("reprojected", batch.fids)


def _drop_out_of_range(batch: _Batch, log: RepairLog) -> None:
    bounds = shapely.bounds(batch.geoms)
    bad = (~np.isfinite(bounds).all(axis=1) | (bounds[:, 1] < -LAT_LIMIT) | (bounds[:, 3] > LAT_LIMIT)
           | (bounds[:, 0] < -LON_LIMIT) | (bounds[:, 2] > LON_LIMIT))
    log.drop("out_of_bounds", batch.fids[bad])
    batch.keep(~bad)


@dataclass
class VertexSteps:
    """The step from each vertex to the next, for every geometry at once: one coordinate pass
    shared by the orientation, antimeridian and duplicate-vertex checks."""

    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    index: np.ndarray   # the geometry each step starts in
    same: np.ndarray    # the step stays inside that geometry

    @classmethod
    def of(cls, geoms: np.ndarray) -> "VertexSteps":
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        x, y = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
        return cls(x=x, y=y, dx=np.diff(x), dy=np.diff(y), index=index[:-1], same=index[1:] == index[:-1])

    def signed_area2(self, count: int) -> np.ndarray:
        """Shoelace sum per geometry: twice the signed area of a one-ring polygon, positive
        when counter-clockwise (only used for those)."""
        terms = self.x[:-1] * self.dy - self.dx * self.y[:-1]
        return np.bincount(self.index, weights=np.where(self.same, terms, 0.0), minlength=count)


def _unwrap_antimeridian(batch: _Batch, steps: VertexSteps) -> None:
    """Crossing shapes are made continuous (and cut back at ±180° once valid)."""
    candidates = np.flatnonzero(antimeridian.jump_candidates(steps.x, steps.dx, steps.same, steps.index,
                                                             len(batch.geoms)))
    for position in candidates:
        if antimeridian.has_jump(batch.geoms[position]):
            batch.geoms[position] = antimeridian.unwrap(batch.geoms[position])
            batch.modified[position] = True
            batch.area2[position] = np.nan


def _remove_duplicate_vertices(batch: _Batch, steps: VertexSteps, tolerance: float, log: RepairLog) -> None:
    """The steps may predate unwrapping: a 360° shift neither makes nor hides a duplicate."""
    close = (np.abs(steps.dx) <= tolerance) & (np.abs(steps.dy) <= tolerance) & steps.same
    flagged = np.unique(steps.index[close])
    flagged = flagged[shapely.get_dimensions(batch.geoms[flagged]) > 0]  # points: nothing to remove
    if len(flagged) == 0:
        return
    before = shapely.get_num_coordinates(batch.geoms[flagged])
    cleaned = shapely.remove_repeated_points(batch.geoms[flagged], tolerance=tolerance)
    removed = before - shapely.get_num_coordinates(cleaned)
    changed = flagged[removed > 0]
    batch.geoms[changed] = cleaned[removed > 0]
    batch.modified[changed] = True
    log.repair("features_with_duplicate_vertices", batch.fids[changed])
    log.repair("duplicate_vertices_removed", batch.fids[changed], amount=int(removed.sum()))


def _make_valid(batch: _Batch, log: RepairLog) -> tuple[int, int]:
    """Repairs invalid geometries; parts that collapse to a lower dimension are dropped
    (counted), and a geometry that collapses entirely is dropped as 'collapsed'."""
    checked = len(batch.geoms)
    invalid = np.flatnonzero(~shapely.is_valid(batch.geoms))
    if len(invalid) == 0:
        return checked, 0
    dimensions = shapely.get_dimensions(batch.geoms[invalid])
    fixed = shapely.make_valid(batch.geoms[invalid], method="structure", keep_collapsed=True)
    collapsed_parts = 0
    for i, (geometry, dimension) in enumerate(zip(fixed, dimensions)):
        parts = _flatten(geometry)
        kept = [p for p in parts if shapely.get_dimensions(p) == dimension and not p.is_empty]
        collapsed_parts += len(parts) - len(kept)
        if len(kept) != len(parts) or shapely.get_type_id(geometry) == COLLECTION:
            fixed[i] = MULTI_BUILDERS[int(dimension)](kept) if kept else shapely.from_wkt("POINT EMPTY")
    batch.replace(invalid, fixed)
    batch.recheck[invalid] = True
    log.repair("made_valid", batch.fids[invalid])
    if collapsed_parts:
        log.repair("collapsed_parts_dropped", np.array([], dtype=np.int64), amount=collapsed_parts)
    gone = shapely.is_empty(batch.geoms)
    log.drop("collapsed", batch.fids[gone])
    batch.keep(~gone)
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
        batch.geoms[position] = geometry
        batch.modified[position] = batch.recheck[position] = True
        batch.area2[position] = np.nan
        (split if windows > 1 else wrapped).append(position)
    log.repair("antimeridian_split", batch.fids[np.array(split, dtype=np.int64)])
    log.repair("longitudes_wrapped", batch.fids[np.array(wrapped, dtype=np.int64)])
    log.drop("collapsed", batch.fids[~keep])
    batch.keep(keep)


def _orient(batch: _Batch, log: RepairLog) -> None:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946), where they are not.
    One-ring polygons are judged by the shoelace sums already computed; multi-part, holed
    or reshaped ones by shapely (orienting, then comparing)."""
    types = shapely.get_type_id(batch.geoms)
    polygonal = (types == POLYGON) | (types == MULTIPOLYGON) | (types == COLLECTION)
    if not polygonal.any():
        return
    simple = (types == POLYGON) & np.isfinite(batch.area2)
    simple[simple] = shapely.get_num_interior_rings(batch.geoms[simple]) == 0
    known_wrong = np.flatnonzero(simple & (batch.area2 < 0))
    others = np.flatnonzero(polygonal & ~simple)
    oriented = shapely.orient_polygons(batch.geoms[others], exterior_cw=False)
    changed = others[~shapely.equals_identical(oriented, batch.geoms[others])]
    batch.geoms[others] = oriented
    batch.replace(known_wrong, shapely.orient_polygons(batch.geoms[known_wrong], exterior_cw=False))
    batch.modified[changed] = True
    flipped = np.union1d(known_wrong, changed)
    log.repair("reoriented", batch.fids[flipped])


def _finish(batch: _Batch, log: RepairLog, checked: int, invalid_before: int, invalid_after: int,
            input_types: dict[str, int]) -> RepairedGeometries:
    geoms = batch.geoms
    dimensions = shapely.get_dimensions(geoms)
    kinds = np.array([KIND_OF_DIMENSION[int(d)] for d in dimensions], dtype=object)
    types = shapely.get_type_id(geoms)
    _collections_to_multi(geoms, types, dimensions)
    singles = np.isin(shapely.get_type_id(geoms), (0, 1, 2, 3))
    log.repair("promoted_to_multi", batch.fids[singles])
    reuse = ~batch.modified & np.array([w is not None and is_plain_2d(w) for w in batch.wkb], dtype=bool)
    encoded = np.empty(len(geoms), dtype=object)
    encoded[reuse] = batch.wkb[reuse]
    if (~reuse).any():
        encoded[~reuse] = shapely.to_wkb(geoms[~reuse], output_dimension=2, byte_order=1, flavor="iso", include_srid=False)
    return RepairedGeometries(rows=batch.rows, kinds=kinds, wkb=encoded, bounds=shapely.bounds(geoms), checked=checked,
                              invalid_before=invalid_before, invalid_after=invalid_after, input_types=input_types)


def _collections_to_multi(geoms: np.ndarray, types: np.ndarray, dimensions: np.ndarray) -> None:
    """Collections left by repairs (all parts of one dimension by now) become Multi*."""
    for position in np.flatnonzero(types == COLLECTION):
        parts = shapely.get_parts(geoms[position])
        geoms[position] = MULTI_BUILDERS[int(dimensions[position])](parts)
