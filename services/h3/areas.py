"""The area an aggregation covers, as one shapely geometry in lon/lat within [-180, 180]:
a bbox, a GeoJSON geometry, or the rows of a published polygon table; always clipped to
the raster's footprint (cells beyond it could only be empty)."""

import shapely
from shapely.errors import GEOSException

from core.errors import InvalidInput
from core.models.metadata import VectorMetadata
from infrastructure.db import catalog, zonal_stats
from services.engine.context import TaskContext
from services.h3.models import H3AggregateParams

POLYGONAL = {"Polygon", "MultiPolygon"}


def box(west: float, south: float, east: float, north: float):
    """A lon/lat box; two boxes when it crosses the antimeridian (west > east)."""
    if west <= east:
        return shapely.box(west, south, east, north)
    return shapely.MultiPolygon(
        [shapely.box(west, south, 180.0, north), shapely.box(-180.0, south, east, north)]
    )


def resolve_area(
    params: H3AggregateParams, footprint: tuple[float, float, float, float], ctx: TaskContext
):
    raster = box(*footprint)
    if params.bbox is not None:
        asked = box(*params.bbox)
    elif params.geometry is not None:
        asked = _geojson(params.geometry)
    elif params.table is not None:
        asked = _table_area(params.table, params.filter, ctx)
    else:
        return raster
    area = shapely.intersection(asked, raster)
    if area.is_empty or area.area == 0:
        raise InvalidInput(
            f"the area does not overlap the raster (raster footprint {_rounded(footprint)})"
        )
    return area


def _geojson(geometry: dict):
    try:
        shape = shapely.geometry.shape(geometry)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidInput(f"geometry is not valid GeoJSON: {exc}") from exc
    if shape.geom_type not in POLYGONAL:
        raise InvalidInput(f"geometry must be a Polygon or MultiPolygon, not {shape.geom_type}")
    west, south, east, north = shape.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise InvalidInput(
            "geometry must be in WGS 84 degrees: longitudes in [-180, 180], latitudes in [-90, 90] "
            "(cut a shape that crosses the antimeridian into two)"
        )
    return shapely.make_valid(shape)


def _table_area(table: str, condition: dict | None, ctx: TaskContext):
    column, value = next(iter(condition.items())) if condition else (None, None)
    with ctx.adapters.db.connection() as conn:
        meta = catalog.get_vector_metadata(conn, table)
        _check_table(meta, table, column)
        wkb, matched = zonal_stats.table_area_wkb(conn, meta, column, value)
    if not matched or wkb is None:
        raise InvalidInput(
            f"no row of geo.{table} has {column} = {value!r}"
            if column
            else f"geo.{table} has no rows"
        )
    return shapely.make_valid(shapely.from_wkb(wkb))


def _check_table(meta: VectorMetadata | None, table: str, column: str | None) -> None:
    if meta is None:
        raise InvalidInput(f"no published table geo.{table}")
    if meta.geometry_type not in POLYGONAL:
        raise InvalidInput(
            f"geo.{table} holds {meta.geometry_type} geometries: an area needs polygons"
        )
    names = [c.name for c in meta.columns]
    if column is not None and column not in names:
        raise InvalidInput(
            f"geo.{table} has no column {column!r}; its columns: {', '.join(names) or '(none)'}"
        )


def bbox_of(area) -> tuple[float, float, float, float]:
    """The area's bounds; west > east when its parts reach both sides of the antimeridian
    (then the box runs from the westmost part east of 0 to the eastmost part west of 0)."""
    west, south, east, north = area.bounds
    if west > -180.0 or east < 180.0:
        return west, south, east, north
    parts = shapely.get_parts(area)
    eastern = [p.bounds[0] for p in parts if p.bounds[2] >= 180.0]
    western = [p.bounds[2] for p in parts if p.bounds[0] <= -180.0]
    return min(eastern), south, max(western), north


def _rounded(bbox) -> list[float]:
    return [round(v, 4) for v in bbox]
