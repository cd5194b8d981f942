"""Which polygons need GEOS to judge their validity, and repairing those that fail.

GEOS's validity check costs about a third of a chunk's work, yet most polygons in real
files (buildings, parcels, lakes, protected areas drawn as blobs) are *star-shaped*: every
vertex seen from one centre in strictly increasing (or decreasing) angle, going round once.
Such a ring cannot cross or touch itself (its edges lie in disjoint wedges around the
centre), so the polygon is valid. `star_shaped` proves that with one vectorized pass over
the coordinates, and with a margin: each angular step must exceed the most the rounding
to the served grid can turn its two vertices, so the polygon as served is valid too
(precision.py). Only what this cannot clear goes to GEOS.
"""

import numpy as np
import shapely

from services.vector.precision import SERVED_SHIFT

ROUNDING = 8 * np.finfo(float).eps  # relative error of a cross product of differences
# arcsin(x) <= (pi/2) x on [0, 1]: the angle a vertex at distance r can turn when moved by d
# is at most (pi/2) d / r, so the proof needs no trigonometry.
ARC_BOUND = np.pi / 2
SHAPELY_POLYGON, SHAPELY_MULTIPOLYGON = 3, 6


def single_ring_polygons(geoms: np.ndarray) -> np.ndarray:
    """Polygons without holes, alone or as the one part of a MultiPolygon."""
    types = shapely.get_type_id(geoms)
    single = types == SHAPELY_POLYGON
    multi = np.flatnonzero(
        (types == SHAPELY_MULTIPOLYGON) & (shapely.get_num_geometries(geoms) == 1)
    )
    single[single] = shapely.get_num_interior_rings(geoms[single]) == 0
    single[multi] = shapely.get_num_interior_rings(shapely.get_geometry(geoms[multi], 0)) == 0
    return single


def star_shaped(
    x: np.ndarray, y: np.ndarray, index: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Per geometry: a candidate (one closed ring) proven simple as stored and as served.
    `x`, `y`, `index`: every coordinate of the chunk and its geometry, in order
    (shapely.get_coordinates(geoms, return_index=True)); the others' results are ignored.

    Seen from the ring's area centroid c, each edge p→q must turn by an angle in
    (m, pi - m) — all the same way — where m covers how far rounding to the served grid
    can turn p and q: cross(p - c, q - c) > (pi/2) d (|p - c| + |q - c|), d the largest
    rounding shift. Then the edges lie in disjoint wedges around c, as stored and as
    served. The ring must also go round exactly once: it crosses c's positive x axis once.
    A zero-length edge (an exact repeated vertex, removed later) is passed over."""
    if len(index) == 0 or not candidates.any():
        return np.zeros(len(candidates), dtype=bool)
    rings = _Rings(index, len(candidates))
    vx, vy = _from_centroid(x, y, rings)
    cross = rings.edges(vx[:-1] * vy[1:])
    cross[:-1] -= vy[:-1] * vx[1:]
    # The margin: (pi/2) d (|p - c| + |q - c|), plus the rounding error of the cross product
    # itself (at most a few ulps of |p - c| |q - c|).
    radius = np.sqrt(vx * vx + vy * vy)
    margin = rings.edges(radius[:-1] + radius[1:])
    margin *= ARC_BOUND * SERVED_SHIFT
    margin[:-1] += ROUNDING * 2 * radius[:-1] * radius[1:]
    del radius
    below = vy < 0
    del vx, vy
    edge = rings.edges((x[:-1] != x[1:]) | (y[:-1] != y[1:]))
    edge &= rings.same
    with np.errstate(invalid="ignore"):
        left = cross > margin
        np.negative(cross, out=cross)
        right = cross > margin
    del cross, margin
    up, down = rings.edges(below[:-1] & ~below[1:]), rings.edges(~below[:-1] & below[1:])
    turns_left = ~rings.any(edge & ~left) & (rings.sum(edge & left & up) == 1)
    turns_right = ~rings.any(edge & ~right) & (rings.sum(edge & right & down) == 1)
    return candidates & (rings.sum(edge) >= 3) & (turns_left | turns_right)


class _Rings:
    """Per-geometry sums over the coordinates, grouped by geometry (contiguous, ascending:
    reduceat over each geometry's run). Edge arrays have one entry per coordinate: edge i
    runs from vertex i to i + 1, and the last coordinate of each geometry starts none
    (`same` is False there)."""

    def __init__(self, index: np.ndarray, count: int):
        self.index, self.count = index, count
        self.same = self.edges(index[1:] == index[:-1])
        self.first = np.flatnonzero(np.r_[True, ~self.same[:-1]])
        self.ids = index[self.first]

    def edges(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(self.index), dtype=values.dtype)
        out[:-1], out[-1] = values, 0
        return out

    def sum(self, values: np.ndarray) -> np.ndarray:
        per_geometry = np.zeros(
            self.count, dtype=np.float64 if values.dtype.kind == "f" else np.int64
        )
        per_geometry[self.ids] = np.add.reduceat(
            values if values.dtype != bool else values.view(np.int8),
            self.first,
            dtype=per_geometry.dtype,
        )
        return per_geometry

    def any(self, values: np.ndarray) -> np.ndarray:
        per_geometry = np.zeros(self.count, dtype=bool)
        per_geometry[self.ids] = np.logical_or.reduceat(values, self.first)
        return per_geometry


def _from_centroid(x: np.ndarray, y: np.ndarray, rings: _Rings) -> tuple[np.ndarray, np.ndarray]:
    """Each vertex relative to its ring's area centroid (the vertex mean where the ring
    encloses no area). Any point serves as the witness; the centroid of a star-shaped
    ring usually lies in its kernel."""
    term = rings.edges(x[:-1] * y[1:] - x[1:] * y[:-1]) * rings.same
    area6 = 3 * rings.sum(term)
    flat = area6 == 0
    vertices = np.maximum(rings.sum(np.ones(len(x), dtype=np.int64)), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = np.where(
            flat, rings.sum(x) / vertices, rings.sum(rings.edges(x[:-1] + x[1:]) * term) / area6
        )
        cy = np.where(
            flat, rings.sum(y) / vertices, rings.sum(rings.edges(y[:-1] + y[1:]) * term) / area6
        )
    return x - cx[rings.index], y - cy[rings.index]


def made_valid(geoms: np.ndarray, dimensions: np.ndarray, builders: dict) -> tuple[np.ndarray, int]:
    """make_valid (structure method) keeping only parts of each geometry's own dimension;
    returns the geometries (empty where nothing is left) and the parts dropped. Only a
    result that came out as a collection, or collapsed to a lower dimension, is taken apart."""
    fixed = shapely.make_valid(geoms, method="structure", keep_collapsed=True)
    dropped = 0
    mixed = (shapely.get_type_id(fixed) == 7) | (shapely.get_dimensions(fixed) != dimensions)
    for i in np.flatnonzero(mixed):
        parts = flatten(fixed[i])
        kept = [p for p in parts if shapely.get_dimensions(p) == dimensions[i] and not p.is_empty]
        dropped += len(parts) - len(kept)
        fixed[i] = builders[int(dimensions[i])](kept) if kept else shapely.from_wkt("POINT EMPTY")
    return fixed, dropped


def flatten(geometry) -> list:
    """The single, non-empty parts of a geometry, collections opened at any depth."""
    parts = []
    for part in shapely.get_parts(geometry):
        if shapely.get_type_id(part) == 7:
            parts.extend(flatten(part))
        elif not part.is_empty:
            parts.extend(shapely.get_parts(part))
    return parts
