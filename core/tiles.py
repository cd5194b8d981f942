"""WebMercatorQuad tiles (OGC API – Tiles' default tile matrix set): which tiles exist, where
they are, and how much a vector tile may be generalized at its zoom. Pure: no I/O.

Vector tiles are encoded on a 4096-unit grid and drawn 512 pixels wide by MapLibre, so one
screen pixel is 8 tile units. Geometry is simplified by a quarter of a pixel and features
smaller than a pixel both ways are left out: neither changes what is seen, and both are what
make a 250,000-polygon table answer at low zooms (docs/maps.md).
"""

import math
from dataclasses import dataclass

from core.errors import NotFound

TILE_MATRIX_SET = "WebMercatorQuad"
TILE_MATRIX_SET_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MAX_ZOOM = 24
EXTENT = 4096  # MVT grid units per tile side
BUFFER = 64  # units drawn beyond the tile edge, so strokes join across tiles
TOLERANCE_UNITS = 2  # simplification: a quarter of a screen pixel
MIN_SIZE_UNITS = 8  # features whose box is smaller than a pixel both ways are left out
MAX_LATITUDE = 85.0511287798066
PYRAMID_MAX_ZOOM = 6  # large tables' unfiltered tiles up to this zoom are made ahead (docs/maps.md)
TILEJSON_MAX_ZOOM = 22  # what maps may ask for; tiles are made at any zoom up to MAX_ZOOM


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> "Tile":
        """The tile, or NotFound when the matrix has no such row or column (OGC API – Tiles: 404)."""
        if not 0 <= z <= MAX_ZOOM:
            raise NotFound(f"tile matrix {z} does not exist in {TILE_MATRIX_SET} (0 to {MAX_ZOOM})")
        side = 1 << z
        if not (0 <= x < side and 0 <= y < side):
            raise NotFound(
                f"tile {z}/{y}/{x} is outside {TILE_MATRIX_SET} (rows and columns 0 to {side - 1} at {z})"
            )
        return cls(z, x, y)

    def bounds(self) -> tuple[float, float, float, float]:
        """west, south, east, north in degrees (WGS 84)."""
        side = 1 << self.z
        west = self.x / side * 360.0 - 180.0
        east = (self.x + 1) / side * 360.0 - 180.0
        return west, _latitude(self.y + 1, side), east, _latitude(self.y, side)

    def degrees_per_unit(self) -> float:
        """Ground size of one tile unit in degrees, the smaller of its two directions: a
        degree of latitude is stretched by Mercator away from the equator."""
        west, south, east, north = self.bounds()
        centre = math.radians((south + north) / 2)
        return (east - west) / EXTENT * math.cos(centre)

    def generalization(self) -> "Generalization":
        unit = self.degrees_per_unit()
        return Generalization(tolerance=unit * TOLERANCE_UNITS, min_size=unit * MIN_SIZE_UNITS)


def tiles_covering(bbox: tuple[float, float, float, float] | None, z: int) -> list["Tile"]:
    """The tiles of zoom `z` a WGS 84 box touches (the whole width when it crosses the antimeridian)."""
    west, south, east, north = clamp_bbox(bbox)
    side = 1 << z
    if west > east:
        west, east = -180.0, 180.0
    first_x, last_x = _column(west, side), _column(east, side)
    first_y, last_y = _row(north, side), _row(south, side)
    return [Tile(z, x, y) for y in range(first_y, last_y + 1) for x in range(first_x, last_x + 1)]


def _column(lon: float, side: int) -> int:
    return min(side - 1, max(0, int((lon + 180.0) / 360.0 * side)))


def _row(lat: float, side: int) -> int:
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return min(side - 1, max(0, int(y * side)))


@dataclass(frozen=True)
class Generalization:
    tolerance: float  # degrees, for ST_Simplify before projecting
    min_size: float  # degrees: a feature whose box is smaller both ways is not drawn


def _latitude(row: int, side: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / side))))


def clamp_bbox(bbox: tuple[float, float, float, float] | None) -> list[float]:
    """A TileJSON `bounds`: the data's extent inside what Web Mercator can show."""
    if bbox is None:
        return [-180.0, -MAX_LATITUDE, 180.0, MAX_LATITUDE]
    west, south, east, north = bbox
    return [west, max(south, -MAX_LATITUDE), east, min(north, MAX_LATITUDE)]
