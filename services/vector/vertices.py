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
    index: np.ndarray   # the geometry each step starts in
    same: np.ndarray    # the step stays inside that geometry

    @classmethod
    def of(cls, coords: np.ndarray, index: np.ndarray) -> "VertexSteps":
        x, y = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
        return cls(x=x, y=y, dx=np.diff(x), dy=np.diff(y), index=index[:-1], same=index[1:] == index[:-1])

    def signed_area2(self, count: int) -> np.ndarray:
        """Shoelace sum per geometry: twice the signed area of a one-ring polygon, positive
        when counter-clockwise (only used for those)."""
        terms = self.x[:-1] * self.dy - self.dx * self.y[:-1]
        return np.bincount(self.index, weights=np.where(self.same, terms, 0.0), minlength=count)


def non_finite_rows(coords: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Geometries with a NaN or infinite coordinate."""
    bad = ~np.isfinite(coords).all(axis=1)
    return np.unique(index[bad]) if bad.any() else np.array([], dtype=np.int64)


def out_of_range(coords: np.ndarray, index: np.ndarray, count: int, lon_limit: float, lat_limit: float) -> np.ndarray:
    """Geometries with a vertex beyond ±lat_limit latitude or ±lon_limit longitude."""
    bad = (np.abs(coords[:, 1]) > lat_limit) | (np.abs(coords[:, 0]) > lon_limit)
    outside = np.zeros(count, dtype=bool)
    outside[index[bad]] = True
    return outside


def snap_to_grid(geoms: np.ndarray, coords: np.ndarray, index: np.ndarray,
                 movable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Puts the `movable` geometries on the served grid (in `geoms`, replacing them), and
    returns the coordinates as they now are and the mask of geometries that moved."""
    take = movable[index]
    if not take.any():
        return coords, np.zeros(len(geoms), dtype=bool)
    snapped = coords.copy()
    snapped[take] = precision.snap(coords[take])
    moved_vertex = (snapped != coords).any(axis=1)
    moved = np.zeros(len(geoms), dtype=bool)
    moved[index[moved_vertex]] = True
    rows = np.flatnonzero(moved)
    if len(rows):
        geoms[rows] = shapely.set_coordinates(geoms[rows].copy(), snapped[moved[index]])
    return snapped, moved
