"""Where a CSV keeps its geometry: a WKT column, or a pair of longitude/latitude columns,
found by name and confirmed by content (a sample of rows)."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput

SAMPLE_ROWS = 1000
MIN_SHARE = 0.9  # of non-empty sampled values that must fit

LON_NAMES = ("longitude", "lon", "long", "lng", "x", "xcoord", "x_coord", "easting")
LAT_NAMES = ("latitude", "lat", "y", "ycoord", "y_coord", "northing")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "wkt_geom", "geometry_wkt")
WKT_PATTERN = re.compile(
    r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON)|^\s*GEOMETRYCOLLECTION", re.IGNORECASE
)


@dataclass(frozen=True)
class CsvGeometry:
    open_options: dict[str, str]
    reason: str
    geometry_columns: tuple[str, ...]


def detect_csv_geometry(path: Path) -> CsvGeometry:
    header, rows = _sample(path)
    columns = {
        name: [row[i] for row in rows if i < len(row) and row[i].strip()]
        for i, name in enumerate(header)
    }
    wkt = _wkt_column(columns)
    if wkt is not None:
        name, why = wkt
        return CsvGeometry(
            {"GEOM_POSSIBLE_NAMES": name, "KEEP_GEOM_COLUMNS": "NO"},
            f"WKT geometry in column {name!r} ({why})",
            (name,),
        )
    pair = _lon_lat_columns(columns)
    if pair is not None:
        lon, lat = pair
        return CsvGeometry(
            {"X_POSSIBLE_NAMES": lon, "Y_POSSIBLE_NAMES": lat, "KEEP_GEOM_COLUMNS": "NO"},
            f"point geometry from columns {lon!r} (x/longitude) and {lat!r} (y/latitude): "
            "named so and numeric",
            (lon, lat),
        )
    raise InvalidInput(
        "CSV has no geometry: no WKT column (by name or content) and no longitude/latitude "
        f"column pair (names tried: {', '.join(LON_NAMES)} / {', '.join(LAT_NAMES)}) with numeric values"
    )


def _sample(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        head = handle.read(64 * 1024)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(head, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = next(reader, [])
        rows = [row for _, row in zip(range(SAMPLE_ROWS), reader, strict=False)]
    if not header:
        raise InvalidInput("CSV has no header row")
    return header, rows


def _wkt_column(columns: dict[str, list[str]]) -> tuple[str, str] | None:
    by_name = [name for name in columns if name.strip().lower() in WKT_NAMES]
    for name in by_name + [n for n in columns if n not in by_name]:
        values = columns[name]
        if values and _share(values, lambda v: bool(WKT_PATTERN.match(v))) >= MIN_SHARE:
            return (
                name,
                "named like a geometry column and holding WKT"
                if name in by_name
                else "its values are WKT",
            )
    return None


def _lon_lat_columns(columns: dict[str, list[str]]) -> tuple[str, str] | None:
    lowered = {name.strip().lower(): name for name in columns}
    lon = next(
        (lowered[n] for n in LON_NAMES if n in lowered and _numeric(columns[lowered[n]])), None
    )
    lat = next(
        (lowered[n] for n in LAT_NAMES if n in lowered and _numeric(columns[lowered[n]])), None
    )
    return (lon, lat) if lon and lat else None


def _numeric(values: list[str]) -> bool:
    def is_number(value: str) -> bool:
        try:
            float(value)
        except ValueError:
            return False
        return True

    return bool(values) and _share(values, is_number) >= MIN_SHARE


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values)
