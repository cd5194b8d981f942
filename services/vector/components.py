"""Empty rings and empty parts: GEOS calls a polygon with an empty hole, or a MultiPolygon
with an empty member, valid; PostGIS refuses the first during COPY ("Polygon must have
at least four points in each ring", failing the whole chunk) and serves the second as
GeoJSON with an empty coordinate array. They are removed (and counted) before anything else
looks at the coordinates.

Only source WKB holding four zero bytes in a row can describe one (every empty ring or
part has a count of 0), so that byte test picks the few geometries the exact check runs on.
"""

import numpy as np
import shapely

MULTI = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
SHAPELY_POLYGON = 3
ZERO_COUNT = b"\x00\x00\x00\x00"


def may_hold_empty_parts(wkb: np.ndarray) -> np.ndarray:
    """Positions whose WKB could describe an empty ring or part (a superset)."""
    return np.flatnonzero(
        np.fromiter((w is not None and ZERO_COUNT in w for w in wkb), dtype=bool, count=len(wkb))
    )


def with_empty_parts(geoms: np.ndarray) -> np.ndarray:
    """Mask of the geometries that hold an empty part or an empty polygon ring."""
    flagged = np.zeros(len(geoms), dtype=bool)
    if len(geoms) == 0:
        return flagged
    parts, owner = shapely.get_parts(geoms, return_index=True)
    empty = shapely.is_empty(parts)
    flagged[owner[empty]] = True
    polygons = np.flatnonzero((shapely.get_type_id(parts) == SHAPELY_POLYGON) & ~empty)
    rings, ring_part = shapely.get_rings(parts[polygons], return_index=True)
    flagged[owner[polygons[ring_part[shapely.get_num_coordinates(rings) == 0]]]] = True
    return flagged


def without_empty_parts(geometry) -> tuple[object, int]:
    """The geometry without its empty parts and rings (empty if nothing is left), and how
    many it lost."""
    kept, removed = [], 0
    for part in shapely.get_parts(geometry):
        if shapely.is_empty(part):
            removed += 1
        elif shapely.get_type_id(part) == SHAPELY_POLYGON:
            holes = [ring for ring in part.interiors if not ring.is_empty]
            removed += len(part.interiors) - len(holes)
            kept.append(shapely.Polygon(part.exterior, holes))
        else:
            kept.append(part)
    if not kept:
        return shapely.from_wkt("POINT EMPTY"), removed
    single = shapely.get_type_id(geometry) <= SHAPELY_POLYGON
    return (kept[0] if single else MULTI[int(shapely.get_dimensions(geometry))](kept)), removed
