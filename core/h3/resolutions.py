"""Which H3 resolutions suit a raster source, from its pixel size and extent."""

import math

# Average hexagon edge length per H3 resolution, in metres (H3's published table).
EDGE_METRES = (
    1_281_256.011,
    483_056.8391,
    182_512.9565,
    68_979.22179,
    26_071.75968,
    9_854.090990,
    3_724.532667,
    1_406.475763,
    531.414010,
    200.786148,
    75.863783,
    28.663897,
    10.830188,
    4.092010,
    1.546100,
    0.584169,
)
METRES_PER_DEGREE = 111_320.0


def finest_resolution(pixel_metres: float) -> int:
    """The finest resolution whose cells are no smaller than a pixel (edge >= pixel size):
    finer cells would only repeat pixel values."""
    fitting = [r for r, edge in enumerate(EDGE_METRES) if edge >= pixel_metres]
    return fitting[-1] if fitting else 0


def coarsest_resolution(extent_metres: float, finest: int) -> int:
    """The coarsest resolution at which the extent still spans a cell or more; coarser
    cells would each summarise mostly area outside the data."""
    spanning = [r for r, edge in enumerate(EDGE_METRES) if edge <= extent_metres]
    return min(spanning[0], finest) if spanning else finest


def bbox_extent_metres(west: float, south: float, east: float, north: float) -> float:
    """The longer side of a lon/lat box, in metres (east-west measured at mid-latitude)."""
    mid = math.radians((south + north) / 2)
    width = abs(east - west) * METRES_PER_DEGREE * max(math.cos(mid), 0.01)
    height = abs(north - south) * METRES_PER_DEGREE
    return max(width, height)


def degrees_to_metres(degrees: float, latitude: float) -> float:
    """A pixel size in degrees as metres (the smaller of its two sides at `latitude`)."""
    return degrees * METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)


def resolution_range(pixel_metres: float, bbox: list[float]) -> tuple[int, int]:
    corners = bbox if len(bbox) == 4 else _flat(bbox)
    finest = finest_resolution(pixel_metres)
    return coarsest_resolution(bbox_extent_metres(*corners), finest), finest


def _flat(bbox: list[float]) -> tuple[float, float, float, float]:
    """A 3D bbox (west, south, low, east, north, high) as its 2D corners."""
    return bbox[0], bbox[1], bbox[3], bbox[4]


# The default resolution gives each cell about this many pixels or more: enough for a
# mean or a class share to summarise the cell rather than echo one or two pixels.
MIN_PIXELS_PER_CELL = 49
HEXAGON_AREA_PER_EDGE_SQUARED = 3 * math.sqrt(3) / 2


def default_resolution(pixel_metres: float) -> int:
    """The finest resolution whose average cell holds MIN_PIXELS_PER_CELL pixels or more."""
    edge = pixel_metres * math.sqrt(MIN_PIXELS_PER_CELL / HEXAGON_AREA_PER_EDGE_SQUARED)
    return finest_resolution(edge)


def cell_area_m2(resolution: int) -> float:
    return HEXAGON_AREA_PER_EDGE_SQUARED * EDGE_METRES[resolution] ** 2


def parent_resolution(
    resolution: int, pixel_metres: float, task_pixels: int, max_levels: int
) -> int:
    """The resolution whose cells are the tasks of an aggregation at `resolution`: the
    coarsest (at most `max_levels` above) whose ~7^k children hold no more than about
    `task_pixels` pixels, so each task reads one bounded window of the raster."""
    pixels_per_cell = cell_area_m2(resolution) / max(pixel_metres, 1e-9) ** 2
    levels = 0
    while (
        levels < min(max_levels, resolution) and 7 ** (levels + 1) * pixels_per_cell <= task_pixels
    ):
        levels += 1
    return resolution - levels
