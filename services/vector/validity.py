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

ANGLE_NOISE = 1e-12          # radians: atan2 and the subtractions are exact to ~1e-15
FULL_TURN = 2 * np.pi
SHAPELY_POLYGON, SHAPELY_MULTIPOLYGON = 3, 6


def single_ring_polygons(geoms: np.ndarray) -> np.ndarray:
    """Polygons without holes, alone or as the one part of a MultiPolygon."""
    types = shapely.get_type_id(geoms)
    single = types == SHAPELY_POLYGON
    multi = np.flatnonzero((types == SHAPELY_MULTIPOLYGON) & (shapely.get_num_geometries(geoms) == 1))
    single[single] = shapely.get_num_interior_rings(geoms[single]) == 0
    single[multi] = shapely.get_num_interior_rings(shapely.get_geometry(geoms[multi], 0)) == 0
    return single


def star_shaped(coords: np.ndarray, index: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per geometry: a candidate (one closed ring) proven simple as stored and as served.
    `coords`/`index` are shapely.get_coordinates(geoms, return_index=True)."""
    proven = np.zeros(len(candidates), dtype=bool)
    take = candidates[index]
    if not take.any():
        return proven
    owner, xy = index[take], coords[take]
    theta, slack = _angles(xy, owner, len(candidates))
    same = owner[1:] == owner[:-1]
    step = (np.diff(theta) + np.pi) % FULL_TURN - np.pi        # each step in [-pi, pi)
    margin = slack[:-1] + slack[1:]
    with np.errstate(invalid="ignore"):
        forward = same & (step > margin) & (step + margin < np.pi)
        backward = same & (-step > margin) & (margin - step < np.pi)
    start = owner[:-1]
    steps = np.bincount(start, weights=same, minlength=len(candidates))
    turn = np.bincount(start, weights=np.where(same, step, 0.0), minlength=len(candidates))
    agreeing = np.maximum(np.bincount(start, weights=forward, minlength=len(candidates)),
                          np.bincount(start, weights=backward, minlength=len(candidates)))
    proven[:] = candidates & (steps >= 3) & (agreeing == steps) & (np.abs(np.abs(turn) - FULL_TURN) < 1e-6)
    return proven


def _angles(xy: np.ndarray, owner: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Each vertex's angle around its ring's centre (the mean of its vertices, the closing
    repeat left out), and the most served rounding can turn it (inf when too close)."""
    closing = np.r_[owner[1:] != owner[:-1], True]
    weights = (~closing).astype(float)
    vertices = np.maximum(np.bincount(owner, weights=weights, minlength=count), 1)
    cx = np.bincount(owner, weights=xy[:, 0] * weights, minlength=count) / vertices
    cy = np.bincount(owner, weights=xy[:, 1] * weights, minlength=count) / vertices
    dx, dy = xy[:, 0] - cx[owner], xy[:, 1] - cy[owner]
    radius = np.hypot(dx, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = SERVED_SHIFT / radius
        slack = np.where(ratio < 1, np.arcsin(np.minimum(ratio, 1)), np.inf) + ANGLE_NOISE
    return np.arctan2(dy, dx), slack


def made_valid(geoms: np.ndarray, dimensions: np.ndarray, builders: dict) -> tuple[np.ndarray, int]:
    """make_valid (structure method) keeping only parts of each geometry's own dimension;
    returns the geometries (empty where nothing is left) and the parts dropped."""
    fixed = shapely.make_valid(geoms, method="structure", keep_collapsed=True)
    dropped = 0
    for i, (geometry, dimension) in enumerate(zip(fixed, dimensions)):
        parts = flatten(geometry)
        kept = [p for p in parts if shapely.get_dimensions(p) == dimension and not p.is_empty]
        dropped += len(parts) - len(kept)
        if len(kept) != len(parts) or shapely.get_type_id(geometry) == 7:
            fixed[i] = builders[int(dimension)](kept) if kept else shapely.from_wkt("POINT EMPTY")
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
