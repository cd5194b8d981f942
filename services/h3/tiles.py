"""Map tiles of published H3 aggregations: the cells in a WebMercatorQuad tile as a Mapbox
vector tile (one layer, `h3.<collection_id>`), and the TileJSON describing them.

PostGIS has no h3 extension, so the cells in a tile are found by their indexed `extent`
box, their hexagons made here from the ids (core.h3.cells), projected to Web Mercator and
handed to ST_AsMVT as WKB, as the features' own tiles are made by ST_AsMVT too.

Where the aggregation's hexagons would be drawn with edges under MIN_EDGE_PIXELS, the
tile shows their parents instead (h3.cell_to_parent), the statistics combined
(`combine`): a world view then draws a few thousand shapes that can be seen rather than
millions of sub-pixel ones."""

import math
from collections import defaultdict
from typing import Any

import h3.api.basic_int as h3
import numpy as np
import shapely

from core.h3.cells import Rings
from core.tiles import (
    BUFFER,
    EXTENT,
    MAX_LATITUDE,
    TILE_MATRIX_SET,
    TILEJSON_MAX_ZOOM,
    Tile,
    clamp_bbox,
)
from infrastructure.db import zonal_stats
from infrastructure.db.tiles import search_box

NUMERIC = ("count", "sum", "mean", "min", "max", "stddev", "majority", "coverage")
ALWAYS = ("count", "coverage")  # columns every aggregation fills, whatever its statistics
EQUATOR_KM = 40075.016686
TILE_PIXELS = 512  # MapLibre draws a vector tile 512 pixels wide
MIN_EDGE_PIXELS = 2
KM_PER_DEGREE = 111.32
PARENT_MARGIN_EDGES = 4  # a parent spans two edges; cells vary about 2x in size from the mean
MERCATOR_RADIUS = 6378137.0


def layer_name(aggregation: dict[str, Any]) -> str:
    return f"h3.{aggregation['collection_id']}"


def statistics(aggregation: dict[str, Any]) -> list[str]:
    """The numeric statistics a tile carries for this aggregation (and a style may use)."""
    return [s for s in NUMERIC if s in aggregation["statistics"] or s in ALWAYS]


def display_resolution(resolution: int, z: int) -> int:
    """The finest resolution up to the aggregation's whose hexagon edges are drawn at least
    MIN_EDGE_PIXELS long at zoom z (measured at the equator: Mercator only enlarges)."""
    pixel_km = EQUATOR_KM / (TILE_PIXELS * 2**z)
    for r in range(resolution, 0, -1):
        if h3.average_hexagon_edge_length(r, unit="km") >= MIN_EDGE_PIXELS * pixel_km:
            return r
    return 0


def tile(conn, cache, aggregation: dict[str, Any], where: Tile) -> bytes:
    """The tile's MVT bytes, b"" when no cell reaches into it. `cache`: the app's
    services.tiles.cache.TileCache (not imported: services.tiles lists h3 layers). `conn`:
    the connection the request read the aggregation on (one pool checkout per tile)."""
    key = (
        "h3",
        aggregation["collection_id"],
        aggregation["computed_at"].isoformat(),
        where.z,
        where.x,
        where.y,
    )

    def make() -> bytes:
        shown = display_resolution(aggregation["resolution"], where.z)
        rows = zonal_stats.tile_cells(
            conn, aggregation, search_boxes(where, shown, aggregation["resolution"])
        )
        cells = (
            rows
            if shown == aggregation["resolution"]
            else merged(rows, shown, aggregation["resolution"])
        )
        if not cells:
            return b""
        return zonal_stats.tile_mvt(conn, mvt_values(cells, where, layer_name(aggregation)))

    return cache.get_or_make(key, make)


def search_boxes(
    where: Tile, shown: int, resolution: int
) -> list[tuple[float, float, float, float]]:
    """The boxes to look for cells in: the tile and its buffer, widened when parents are
    drawn so that every child of a parent reaching into the tile is found (a parent made
    from only some of its children would differ from tile to tile)."""
    west, south, east, north = search_box(where)
    if shown < resolution:
        margin = (
            PARENT_MARGIN_EDGES * h3.average_hexagon_edge_length(shown, unit="km") / KM_PER_DEGREE
        )
        stretch = max(math.cos(math.radians(min(85.0, max(abs(south), abs(north))))), 0.01)
        west, east = west - margin / stretch, east + margin / stretch
        south, north = max(-90.0, south - margin), min(90.0, north + margin)
    return wrapped(west, south, east, north)


def wrapped(
    west: float, south: float, east: float, north: float
) -> list[tuple[float, float, float, float]]:
    """A box in [-180, 180]: what reaches past the antimeridian is looked for on the other side."""
    if east - west >= 360.0:
        return [(-180.0, south, 180.0, north)]
    boxes = [(max(west, -180.0), south, min(east, 180.0), north)]
    if west < -180.0:
        boxes.append((west + 360.0, south, 180.0, north))
    if east > 180.0:
        boxes.append((-180.0, south, east - 360.0, north))
    return boxes


def merged(rows: list[dict[str, Any]], shown: int, resolution: int) -> list[dict[str, Any]]:
    """The rows' parents at resolution `shown`, each with its children's statistics combined."""
    families: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        families[h3.cell_to_parent(row["cell"], shown)].append(row)
    children = 7 ** (resolution - shown)
    return [combine(parent, family, children) for parent, family in families.items()]


def combine(cell: int, family: list[dict[str, Any]], children: int) -> dict[str, Any]:
    """count and sum add up; mean and stddev are pooled, weighted by count; min and max of
    the children; majority is the class the most counted pixels were the majority of (an
    approximation); coverage the share of the parent's ~`children` children covered."""
    valued = [c for c in family if c["mean"] is not None]
    weight = sum(c["count"] for c in valued)
    mean = sum(c["mean"] * c["count"] for c in valued) / weight if weight else None
    return {
        "cell": cell,
        "count": sum(c["count"] for c in family),
        "sum": _total(family, "sum"),
        "mean": mean,
        "min": _extreme(family, "min", min),
        "max": _extreme(family, "max", max),
        "stddev": _pooled_stddev(valued, mean, weight),
        "majority": _majority(family),
        "coverage": min(1.0, sum(c["coverage"] for c in family) / children),
    }


def _total(family: list[dict[str, Any]], name: str) -> float | None:
    values = [c[name] for c in family if c[name] is not None]
    return sum(values) if values else None


def _extreme(family: list[dict[str, Any]], name: str, pick) -> float | None:
    values = [c[name] for c in family if c[name] is not None]
    return pick(values) if values else None


def _pooled_stddev(valued: list[dict[str, Any]], mean: float | None, weight: float) -> float | None:
    # E[x²] of each child is stddev² + mean²; the parent's variance is E[x²] - mean².
    if mean is None or not weight or any(c["stddev"] is None for c in valued):
        return None
    square = sum((c["stddev"] ** 2 + c["mean"] ** 2) * c["count"] for c in valued) / weight
    return math.sqrt(max(0.0, square - mean**2))


def _majority(family: list[dict[str, Any]]) -> float | None:
    votes: dict[float, float] = defaultdict(float)
    for c in family:
        if c["majority"] is not None:
            votes[c["majority"]] += c["count"]
    return max(votes, key=lambda k: votes[k]) if votes else None


def mvt_values(cells: list[dict[str, Any]], where: Tile, layer: str) -> dict[str, Any]:
    """The parameters of queries/h3/tile_mvt.sql: one array per column."""
    values: dict[str, Any] = {name: [c[name] for c in cells] for name in NUMERIC}
    return values | {
        "wkb": mercator_wkb([c["cell"] for c in cells]),
        "cell": [h3.int_to_str(c["cell"]) for c in cells],
        "z": where.z,
        "x": where.x,
        "y": where.y,
        "extent": EXTENT,
        "buffer": BUFFER,
        "layer": layer,
    }


def mercator_wkb(cells: list[int]) -> list[bytes | None]:
    """The hexagons in Web Mercator: a cell across the antimeridian as two polygons (its
    unwrapped ring and the same shifted by 360°), clipped to ±85.05° where Mercator ends."""
    rings = Rings.of(cells)
    shapes = rings.polygons()
    crossing = rings.crossing()
    if crossing.any():
        shifted = rings.polygons(-360.0)
        pairs = zip(shapes, shifted, crossing, strict=True)
        shapes = np.array(
            [shapely.MultiPolygon([p, q]) if c else p for p, q, c in pairs], dtype=object
        )
    clipped = shapely.clip_by_rect(shapes, -540.0, -MAX_LATITUDE, 540.0, MAX_LATITUDE)
    projected = shapely.transform(clipped, _to_mercator)
    return [None if shapely.is_empty(g) else shapely.to_wkb(g) for g in projected]


def _to_mercator(coords: np.ndarray) -> np.ndarray:
    x = np.radians(coords[:, 0]) * MERCATOR_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(coords[:, 1]) / 2)) * MERCATOR_RADIUS
    return np.column_stack([x, y])


def tiles_url(base: str, aggregation: dict[str, Any]) -> str:
    return (
        f"{base}/api/h3/features/collections/{aggregation['collection_id']}/tiles/{TILE_MATRIX_SET}"
    )


def bbox(aggregation: dict[str, Any]) -> tuple[float, float, float, float]:
    return (
        aggregation["bbox_west"],
        aggregation["bbox_south"],
        aggregation["bbox_east"],
        aggregation["bbox_north"],
    )


def tilejson(aggregation: dict[str, Any], base: str) -> dict[str, Any]:
    """TileJSON 3.0.0 of the aggregation's cells: layer `h3.<collection_id>`, fields the
    cell id (text) and the numeric statistics."""
    bounds = clamp_bbox(bbox(aggregation))
    return {
        "tilejson": "3.0.0",
        "name": aggregation["title"],
        "scheme": "xyz",
        "description": f"H3 cells at resolution {aggregation['resolution']}, merged into parents where smaller "
        f"than {MIN_EDGE_PIXELS} pixels",
        "tiles": [f"{tiles_url(base, aggregation)}/{{z}}/{{y}}/{{x}}"],
        "minzoom": 0,
        "maxzoom": TILEJSON_MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 2],
        "vector_layers": [
            {
                "id": layer_name(aggregation),
                "description": aggregation["title"],
                "minzoom": 0,
                "maxzoom": TILEJSON_MAX_ZOOM,
                "fields": {"cell": "String", **{s: "Number" for s in statistics(aggregation)}},
            }
        ],
        "geometry_type": "Polygon",
        "feature_count": aggregation["cell_count"],
    }
