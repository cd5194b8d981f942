"""Geometries that cross the antimeridian, in EPSG:4326.

A polygon drawn across the 180° meridian usually jumps from +179° to -179° between two
vertices; read literally it wraps the wrong way round the globe. Such geometries are
first *unwrapped* (longitudes shifted east by 360° so the shape is continuous), then,
once valid, *cut* at ±180° and each piece shifted back into [-180, 180].
"""

import numpy as np
import shapely

WORLD_WINDOWS = (-1, 0, 1)  # [-540,-180], [-180,180], [180,540]


def jump_candidates(
    x: np.ndarray, dx: np.ndarray, same: np.ndarray, index: np.ndarray, count: int
) -> np.ndarray:
    """Features with a consecutive longitude step wider than 180° (vectorized over the shared
    vertex steps; a step between two rings of one feature can flag it too, `has_jump` decides)."""
    flags = np.zeros(count, dtype=bool)
    wide = np.flatnonzero(np.abs(dx) > 180)  # rare: the rest of the test runs on these only
    wide = wide[same[wide]]
    on_line = (np.abs(x[wide]) == 180) | (
        np.abs(x[wide + 1]) == 180
    )  # already cut at the antimeridian
    flags[index[wide[~on_line]]] = True
    return flags


def has_jump(geometry) -> bool:
    for line in _lines(geometry):
        x = shapely.get_coordinates(line)[:, 0]
        step = np.abs(np.diff(x)) > 180
        on_line = (np.abs(x[1:]) == 180) | (np.abs(x[:-1]) == 180)
        if np.any(step & ~on_line):
            return True
    return False


def _lines(geometry):
    for part in shapely.get_parts(geometry):
        if shapely.get_type_id(part) == 3:  # polygon: its rings
            yield shapely.get_exterior_ring(part)
            yield from (
                shapely.get_interior_ring(part, i)
                for i in range(shapely.get_num_interior_rings(part))
            )
        elif shapely.get_type_id(part) in (1, 2):
            yield part


def unwrap(geometry):
    """Shift western longitudes east by 360° so the shape is continuous across 180°."""
    return shapely.transform(
        geometry, lambda c: c + np.where(c[:, :1] < 0, [360.0, 0.0], [0.0, 0.0])
    )


def cut(geometry, dimension: int):
    """Pieces inside [-180, 180] (points wrapped); None when nothing of `dimension` remains.
    Returns (geometry, pieces) where pieces counts the windows the shape touched."""
    if dimension == 0:
        return shapely.transform(
            geometry, lambda c: np.column_stack([(c[:, 0] + 180) % 360 - 180, c[:, 1]])
        ), 1
    parts = []
    windows = 0
    for k in WORLD_WINDOWS:
        window = shapely.box(-180 + 360 * k, -90, 180 + 360 * k, 90)
        piece = shapely.intersection(geometry, window)
        kept = [
            p
            for p in shapely.get_parts(piece)
            if shapely.get_dimensions(p) == dimension and not p.is_empty
        ]
        if kept:
            windows += 1
            parts.extend(shapely.transform(p, lambda c, k=k: c - [360.0 * k, 0.0]) for p in kept)
    if not parts:
        return None, 0
    if len(parts) == 1:
        return parts[0], windows
    # Pieces shifted back from different windows can meet or overlap (a shape wider than
    # 360°): polygons are united so the Multi* the table stores is valid.
    return (
        shapely.union_all(parts) if dimension == 2 else shapely.multilinestrings(parts)
    ), windows
