"""The coordinate grid of what is served, and geometries settled on it.

The features endpoint writes coordinates with SERVED_DECIMALS decimals
(`ST_AsGeoJSON(t.geom, 9)`, infrastructure/db/queries/features/items.sql). A geometry valid
in PostGIS can turn invalid once rounded so (a sliver component collapses, two edges
touch), so a repaired geometry is stored *on* that grid and validated there: rounding it
again changes nothing, and what the API writes is what was validated. The grid (1e-9°,
about 0.1 mm) is also at least 5x finer than a vector tile's pixel up to zoom 24
(4096-unit tiles: 360° / 2^24 / 4096 = 5.4e-9°), so tiles at z14+ lose nothing to it.

Coordinates are snapped as k / 10^9 (k an integer): that double prints as exactly k·10⁻⁹
with 9 decimals and reads back as itself.
"""

import numpy as np
import shapely

SERVED_DECIMALS = 9
SCALE = 10.0**SERVED_DECIMALS
GRID = 1 / SCALE
# The furthest a served vertex lies from a stored one that is not on the grid: half a
# grid step in x and in y (plus float noise in degrees, well under 1e-12).
SERVED_SHIFT = GRID / 2 * np.sqrt(2) + 1e-12


def snap(coords: np.ndarray) -> np.ndarray:
    return np.round(coords * SCALE) / SCALE


def snap_geometries(geoms: np.ndarray) -> np.ndarray:
    """New geometries with every coordinate on the grid (structure unchanged)."""
    return shapely.transform(geoms, snap) if len(geoms) else geoms


def settle(geoms: np.ndarray) -> tuple[np.ndarray, int, int]:
    """`geoms` (each valid already) on the grid and valid there; how many snapping broke;
    how many are still invalid (GEOS's contract says none). The broken are snap-rounded
    by GEOS (valid output, collapsed parts removed) and put on exact grid doubles, unless
    that last sub-ulp move would break one again: then GEOS's own result (at most an ulp
    off the grid) is kept. Every result is validated here, so none needs checking after."""
    snapped = snap_geometries(geoms)
    broken = np.flatnonzero(~shapely.is_valid(snapped))
    if len(broken) == 0:
        return snapped, 0, 0
    rounded = shapely.set_precision(geoms[broken], GRID)
    exact = snap_geometries(rounded)
    exact_valid = shapely.is_valid(exact)
    snapped[broken] = np.where(exact_valid, exact, rounded)
    still = int((~shapely.is_valid(rounded[~exact_valid])).sum()) if (~exact_valid).any() else 0
    return snapped, len(broken), still
