"""One pass over every coordinate of a chunk, shared by the checks that need vertices:
the star-shaped validity proof, the snap to the served grid, the antimeridian test, the
duplicate-vertex test and the orientation of one-ring polygons."""

from dataclasses import dataclass

import numpy as np
import shapely

from services.vector import precision


@dataclass
class VertexSteps:
    """The step from each vertex to the next, for every geometry at once."""

    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    index: np.ndarray  # the geometry each step starts in
    same: np.ndarray  # the step stays inside that geometry

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, index: np.ndarray) -> "VertexSteps":
        return cls(
            x=x, y=y, dx=np.diff(x), dy=np.diff(y), index=index[:-1], same=index[1:] == index[:-1]
        )

    def signed_area2(self, count: int) -> np.ndarray:
        """Shoelace sum per geometry: twice the signed area of a one-ring polygon, positive
        when counter-clockwise (only used for those)."""
        terms = self.x[:-1] * self.dy - self.dx * self.y[:-1]
        return np.bincount(self.index, weights=np.where(self.same, terms, 0.0), minlength=count)


def non_finite_rows(coords: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Geometries with a NaN or infinite coordinate."""
    bad = ~np.isfinite(coords).all(axis=1)
    return np.unique(index[bad]) if bad.any() else np.array([], dtype=np.int64)


def out_of_range(
    coords: np.ndarray, index: np.ndarray, count: int, lon_limit: float, lat_limit: float
) -> np.ndarray:
    """Geometries with a vertex beyond ±lat_limit latitude or ±lon_limit longitude."""
    bad = (np.abs(coords[:, 1]) > lat_limit) | (np.abs(coords[:, 0]) > lon_limit)
    outside = np.zeros(count, dtype=bool)
    outside[index[bad]] = True
    return outside


def snap_to_grid(
    geoms: np.ndarray, x: np.ndarray, y: np.ndarray, index: np.ndarray, movable: np.ndarray
) -> np.ndarray:
    """Puts the `movable` geometries on the served grid: their coordinates in `x`/`y` (in
    place) and the geometries in `geoms` (replaced). Returns the mask of those that moved."""
    moved = np.zeros(len(geoms), dtype=bool)
    take = np.flatnonzero(movable[index])
    if len(take) == 0:
        return moved
    for axis in (x, y):
        snapped = precision.snap(axis[take])
        moved[index[take[snapped != axis[take]]]] = True
        axis[take] = snapped
    rows = np.flatnonzero(moved)
    if len(rows):
        at = moved[index]
        geoms[rows] = shapely.set_coordinates(geoms[rows].copy(), np.column_stack([x[at], y[at]]))
    return moved
