"""H3 cells as geometries, and which cells an area covers (pure; h3 v4, integer ids).

Longitudes are degrees in [-180, 180]. A cell across the antimeridian has vertices on
both sides; read literally its ring would wrap the wrong way round the globe, so it is
*unwrapped* (western longitudes + 360°) and, where a shape in [-180, 180] is needed, kept
as two parts: the unwrapped ring and the same ring shifted back by 360°.
"""

from dataclasses import dataclass
from typing import Iterable

import h3.api.basic_int as h3
import numpy as np
import shapely

WORLD = shapely.box(-180.0, -90.0, 180.0, 90.0)


def ring(cell: int) -> np.ndarray:
    """The cell's boundary as (lon, lat) rows, closed, unwrapped across the antimeridian."""
    coords = np.array([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])
    if crosses_antimeridian(coords[:, 0]):
        coords[:, 0] = np.where(coords[:, 0] < 0, coords[:, 0] + 360.0, coords[:, 0])
    return np.vstack([coords, coords[:1]])


def crosses_antimeridian(longitudes: np.ndarray) -> bool:
    # H3 cells span far less than 180° of longitude except near the poles' base cells;
    # a wider spread means the ring jumps across ±180°.
    return float(longitudes.max() - longitudes.min()) > 180.0


def parts(cell: int) -> list[np.ndarray]:
    """The cell's ring, plus its copy shifted by -360° when it crosses the antimeridian."""
    coords = ring(cell)
    if coords[:, 0].max() > 180.0:
        shifted = coords.copy()
        shifted[:, 0] -= 360.0
        return [coords, shifted]
    return [coords]


def shape(cell: int):
    """A shapely (Multi)Polygon that intersects what the cell covers in [-180, 180]."""
    pieces = [shapely.Polygon(p) for p in parts(cell)]
    return pieces[0] if len(pieces) == 1 else shapely.MultiPolygon(pieces)


def geojson(cell: int) -> dict:
    """The hexagon as RFC 7946 GeoJSON: cut at the antimeridian into a MultiPolygon."""
    pieces = parts(cell)
    if len(pieces) == 1:
        return {"type": "Polygon", "coordinates": [pieces[0].tolist()]}
    cut = [shapely.intersection(shapely.Polygon(p), WORLD) for p in pieces]
    kept = [p for p in cut if not p.is_empty and p.area > 0]
    return shapely.geometry.mapping(shapely.MultiPolygon(kept))


def extent(cell: int) -> tuple[float, float, float, float]:
    """(west, south, east, north); west > east for a cell across the antimeridian."""
    coords = ring(cell)
    west, east = float(coords[:, 0].min()), float(coords[:, 0].max())
    if east > 180.0:
        west, east = west, east - 360.0
    return west, float(coords[:, 1].min()), east, float(coords[:, 1].max())


@dataclass(frozen=True)
class Rings:
    """Many cells' boundaries at once, for vectorised work: lon/lat vertices, each ring
    closed and unwrapped; ring i is coords[offsets[i]:offsets[i + 1]]."""

    cells: list[int]
    coords: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, cells: list[int]) -> "Rings":
        boundaries = [h3.cell_to_boundary(c) for c in cells]
        counts = np.fromiter((len(b) + 1 for b in boundaries), dtype=np.int64, count=len(cells))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        latlng = np.array([point for b in boundaries for point in (*b, b[0])], dtype=float).reshape(
            -1, 2
        )
        coords = latlng[:, ::-1].copy()
        if len(cells):
            starts = offsets[:-1]
            spread = np.maximum.reduceat(coords[:, 0], starts) - np.minimum.reduceat(
                coords[:, 0], starts
            )
            wraps = np.repeat(spread > 180.0, counts) & (coords[:, 0] < 0)
            coords[wraps, 0] += 360.0
        return cls(list(cells), coords, offsets)

    def __len__(self) -> int:
        return len(self.cells)

    def ring(self, index: int) -> np.ndarray:
        return self.coords[self.offsets[index] : self.offsets[index + 1]]

    def _ring_ids(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.cells)), np.diff(self.offsets))

    def polygons(self, shift: float = 0.0) -> np.ndarray:
        return shapely.polygons(
            shapely.linearrings(self.coords + [shift, 0.0], indices=self._ring_ids())
        )

    def crossing(self) -> np.ndarray:
        return (
            np.maximum.reduceat(self.coords[:, 0], self.offsets[:-1]) > 180.0
            if len(self.cells)
            else np.zeros(0, bool)
        )

    def intersecting(self, area) -> np.ndarray:
        """Which rings intersect `area` (lon/lat in [-180, 180]); a ring across the
        antimeridian counts its part on either side."""
        hits = shapely.intersects(self.polygons(), area)
        crossing = self.crossing()
        if crossing.any():
            hits |= crossing & shapely.intersects(self.polygons(-360.0), area)
        return hits

    def subset(self, keep: np.ndarray) -> "Rings":
        kept = np.flatnonzero(keep)
        return Rings.of([self.cells[i] for i in kept]) if len(kept) < len(self.cells) else self

    def extents(self) -> np.ndarray:
        """(west, south, east, north) rows; west > east for a cell across the antimeridian."""
        starts = self.offsets[:-1]
        west = np.minimum.reduceat(self.coords[:, 0], starts)
        east = np.maximum.reduceat(self.coords[:, 0], starts)
        east = np.where(east > 180.0, east - 360.0, east)
        return np.column_stack(
            [
                west,
                np.minimum.reduceat(self.coords[:, 1], starts),
                east,
                np.maximum.reduceat(self.coords[:, 1], starts),
            ]
        )


def children_rings(parent: int, resolution: int, area) -> Rings:
    """The children of `parent` at `resolution` whose hexagon intersects `area` (a
    prepared shapely geometry in lon/lat), in index order, with their rings."""
    rings = Rings.of(sorted(h3.cell_to_children(parent, resolution)))
    return rings.subset(rings.intersecting(area))


def children_in(parent: int, resolution: int, area) -> list[int]:
    return children_rings(parent, resolution, area).cells


def parents_covering(area, resolution: int, parent_resolution: int) -> list[int]:
    """The cells at `parent_resolution` with at least one child at `resolution` that
    intersects `area`, in index order.

    A child can reach slightly outside its parent's hexagon, so a parent whose hexagon
    misses the area may still have a child touching it: the candidates are the parents
    whose hexagon overlaps the area plus their neighbours, and those not wholly inside
    the area are checked child by child."""
    shapely.prepare(area)
    polygon = h3.geo_to_h3shape(shapely.geometry.mapping(area))
    overlapping = set(
        h3.h3shape_to_cells_experimental(polygon, parent_resolution, contain="overlap")
    )
    inside = set(h3.h3shape_to_cells_experimental(polygon, parent_resolution, contain="full"))
    candidates = set(_with_neighbours(overlapping)) - inside
    checked = (
        {p for p in candidates if children_in(p, resolution, area)}
        if resolution > parent_resolution
        else {p for p in candidates if shapely.intersects(shape(p), area)}
    )
    return sorted(inside | checked)


def _with_neighbours(cells: Iterable[int]) -> Iterable[int]:
    for cell in cells:
        yield from h3.grid_disk(cell, 1)
