"""Coverage-weighted statistics of one window of the raster over H3 cells, by
exactextract: each pixel counts by the share of it the hexagon covers; nodata and
masked pixels do not count at all.

The cells' hexagons are moved into the raster's CRS (the pixels stay as they are); the
window they span is read once and every exactextract call of the task reads from it.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from pyproj import CRS, Transformer
from rasterio.enums import MaskFlags
from rasterio.windows import Window
from rasterio.windows import bounds as window_bounds

from core.h3 import cells as h3cells
from services.h3.models import Statistic

# statistic -> exactextract operations it needs
OPERATIONS = {
    "count": ["count"],
    "sum": ["sum"],
    "mean": ["mean"],
    "min": ["min"],
    "max": ["max"],
    "stddev": ["stdev"],
    "majority": ["majority"],
    "fractions": ["frac", "unique"],
}
VALUE_COLUMNS = (
    "count",
    "sum",
    "mean",
    "min",
    "max",
    "stddev",
    "majority",
    "fractions",
    "coverage",
)


@dataclass
class CellPolygons:
    """Cells and their hexagons in the raster's CRS, as exactextract features."""

    cells: list[int]
    features: list[dict]
    areas: np.ndarray  # each hexagon's area in the raster CRS' units
    extents: np.ndarray  # each cell's lon/lat (west, south, east, north)
    bounds: tuple[float, float, float, float]

    def chunk(self, start: int, size: int) -> "CellPolygons":
        """Cells start..start+size, numbered from 0 again (exactextract's `i`)."""
        end = start + size
        features = [{**f, "properties": {"i": i}} for i, f in enumerate(self.features[start:end])]
        return CellPolygons(
            self.cells[start:end],
            features,
            self.areas[start:end],
            self.extents[start:end],
            self.bounds,
        )


@dataclass
class Columns:
    values: dict[str, list] = field(
        default_factory=lambda: {
            name: [] for name in ("cell", *VALUE_COLUMNS, "west", "south", "east", "north")
        }
    )

    def __len__(self) -> int:
        return len(self.values["cell"])


def transformer_to(crs_wkt: str) -> Transformer | None:
    crs = CRS.from_wkt(crs_wkt)
    return (
        None if crs.equals(CRS.from_epsg(4326)) else Transformer.from_crs(4326, crs, always_xy=True)
    )


def polygons(
    rings: h3cells.Rings, transformer: Transformer | None, geographic: bool
) -> CellPolygons:
    """All the cells' hexagons moved at once. A projected CRS takes the unwrapped ring
    (PROJ normalises longitudes past 180°); a geographic one also gets the copy shifted
    by -360° of a cell across the antimeridian, so each side finds its pixels."""
    points = rings.coords
    if transformer is not None:
        x, y = transformer.transform(points[:, 0], points[:, 1])
        points = np.column_stack([x, y])
    areas = _shoelace(points, rings.offsets)
    crossing = rings.crossing() if geographic else np.zeros(len(rings), bool)
    features = []
    for index in range(len(rings)):
        ring = points[rings.offsets[index] : rings.offsets[index + 1]]
        parts = [ring.tolist()] + ([(ring - [360.0, 0.0]).tolist()] if crossing[index] else [])
        features.append(_feature(index, parts))
    west, south = points.min(axis=0)
    east, north = points.max(axis=0)
    if crossing.any():  # the shifted copies reach west of -180°
        west = min(
            west,
            float(np.concatenate([rings.ring(i)[:, 0] for i in np.flatnonzero(crossing)]).min())
            - 360.0,
        )
    return CellPolygons(rings.cells, features, areas, rings.extents(), (west, south, east, north))


def _shoelace(points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each closed ring's area; the products spanning two rings are zeroed out."""
    x, y = points[:, 0], points[:, 1]
    cross = np.append(x[:-1] * y[1:] - x[1:] * y[:-1], 0.0)
    cross[offsets[1:] - 1] = 0.0
    return np.abs(np.add.reduceat(cross, offsets[:-1])) / 2


def _feature(index: int, rings: list[list]) -> dict:
    geometry = (
        {"type": "Polygon", "coordinates": [rings[0]]}
        if len(rings) == 1
        else {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}
    )
    return {"type": "Feature", "properties": {"i": index}, "geometry": geometry}


def window_of(dataset, bounds: tuple[float, float, float, float]) -> Window | None:
    """The pixels the bounds touch, within the raster; None when they miss it."""
    inverse = ~dataset.transform
    cols, rows = zip(
        *(inverse @ (x, y) for x in (bounds[0], bounds[2]) for y in (bounds[1], bounds[3])),
        strict=True,
    )
    col0, row0 = max(0, math.floor(min(cols))), max(0, math.floor(min(rows)))
    col1, row1 = min(dataset.width, math.ceil(max(cols))), min(dataset.height, math.ceil(max(rows)))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def raster_window(dataset, band: int, window: Window) -> NumPyRasterSource:
    """The window as exactextract's source. When the mask is only the nodata value (or
    there is none), the plain array and its nodata go in: exactextract skips nodata and
    NaN itself, faster than through a masked array."""
    flags = dataset.mask_flag_enums[band - 1]
    plain = MaskFlags.all_valid in flags or MaskFlags.nodata in flags
    data = dataset.read(band, window=window, masked=not plain)
    west, south, east, north = window_bounds(window, dataset.transform)
    nodata = dataset.nodatavals[band - 1] if plain else None
    if nodata is not None and np.issubdtype(data.dtype, np.integer):
        nodata = int(nodata)  # exactextract compares integer rasters with an integer nodata
    return NumPyRasterSource(data, west, south, east, north, nodata=nodata)


def summarise(
    source: NumPyRasterSource,
    found: CellPolygons,
    statistics: list[Statistic],
    pixel_area: float,
    out: Columns,
) -> None:
    """Appends the cells with valid pixels to `out` (nodata-only cells are left out)."""
    operations = sorted({op for stat in ("count", *statistics) for op in OPERATIONS[stat]})
    # The window is in memory: raster-sequential visits its pixels once for all the
    # hexagons (measured ~12 % faster here than feature by feature).
    rows = exact_extract(
        source,
        found.features,
        operations,
        include_cols=["i"],
        output="geojson",
        strategy="raster-sequential",
    )
    for row in rows:
        values = row["properties"]
        if not values["count"] > 0:
            continue
        index = values["i"]
        _append(
            out,
            found.cells[index],
            values,
            statistics,
            values["count"] * pixel_area / found.areas[index],
            found.extents[index],
        )


def _append(
    out: Columns,
    cell: int,
    values: dict,
    statistics: list[Statistic],
    coverage: float,
    extent: np.ndarray,
) -> None:
    row = out.values
    row["cell"].append(cell)
    row["count"].append(float(values["count"]))
    for stat, op in (
        ("sum", "sum"),
        ("mean", "mean"),
        ("min", "min"),
        ("max", "max"),
        ("stddev", "stdev"),
        ("majority", "majority"),
    ):
        row[stat].append(_number(values.get(op)) if stat in statistics else None)
    row["fractions"].append(_fractions(values) if "fractions" in statistics else None)
    row["coverage"].append(min(coverage, 1.0))
    for key, value in zip(("west", "south", "east", "north"), extent.tolist(), strict=True):
        row[key].append(value)


def _number(value) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _fractions(values: dict) -> dict[str, float]:
    """{class: share of the cell's valid, covered area}; classes as their plain number."""
    return {_class_key(c): float(f) for c, f in zip(values["unique"], values["frac"], strict=True)}


def _class_key(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
