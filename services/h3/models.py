"""h3_aggregate's parameters and the shapes its stages exchange."""

import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from core.blob_paths import inside_container
from core.engine.definitions import JobParameters

Statistic = Literal["count", "sum", "mean", "min", "max", "stddev", "majority", "fractions"]
CONTINUOUS_DEFAULT: tuple[Statistic, ...] = ("count", "sum", "mean", "min", "max", "stddev")
CATEGORICAL_DEFAULT: tuple[Statistic, ...] = ("count", "majority", "fractions")
IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"
FilterValue = str | int | float | bool


class H3AggregateParams(JobParameters):
    """Exactly one source; at most one area (none: the raster's whole extent)."""

    raster_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="a raster published by process_raster (raster.cog_metadata id)",
    )
    blob: str | None = Field(
        None, min_length=1, max_length=1024, description="a raster blob in the silver container"
    )
    catalog_id: str | None = Field(
        None,
        min_length=1,
        max_length=300,
        description="an h3.source_catalog entry: its collection's items, mosaicked",
    )
    band: int = Field(1, ge=1, le=1000, description="the band to summarise")
    resolution: int | None = Field(
        None,
        ge=0,
        le=15,
        description="H3 resolution (default: from the pixel size, about 49+ pixels a cell)",
    )
    bbox: list[float] | None = Field(
        None,
        min_length=4,
        max_length=4,
        description="west,south,east,north in degrees (west > east: across the antimeridian)",
    )
    geometry: dict[str, Any] | None = Field(
        None, description="a GeoJSON Polygon or MultiPolygon in WGS 84"
    )
    table: str | None = Field(
        None, pattern=IDENTIFIER, description="a published polygon table in the geo schema"
    )
    filter: dict[str, FilterValue] | None = Field(
        None, description="{column: value}: the rows of `table` to use"
    )
    statistics: list[Statistic] | None = Field(
        None,
        min_length=1,
        description="default: count,sum,mean,min,max,stddev; categorical: count,majority,fractions",
    )
    categorical: bool | None = Field(
        None, description="treat values as classes (default: from the raster's type)"
    )
    replace_owned_by_other: bool = Field(
        False, description="admins: replace an aggregation another owner published"
    )

    @field_validator("blob")
    @classmethod
    def _inside_the_container(cls, name: str | None) -> str | None:
        return None if name is None else inside_container(name)

    @field_validator("bbox")
    @classmethod
    def _a_box_on_the_globe(cls, box: list[float] | None) -> list[float] | None:
        if box is None:
            return None
        west, south, east, north = box
        if (
            not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90)
            or west == east
        ):
            raise ValueError(
                "bbox must be west,south,east,north in degrees, south < north, west != east"
            )
        return box

    @field_validator("filter")
    @classmethod
    def _one_column(cls, condition: dict[str, FilterValue] | None) -> dict[str, FilterValue] | None:
        if condition is None:
            return None
        if len(condition) != 1 or not re.match(IDENTIFIER, next(iter(condition))):
            raise ValueError(
                "filter must be one {column: value} pair with a lower-case column name"
            )
        return condition

    @model_validator(mode="after")
    def _one_source_one_area(self) -> "H3AggregateParams":
        sources = [
            name for name in ("raster_id", "blob", "catalog_id") if getattr(self, name) is not None
        ]
        if len(sources) != 1:
            raise ValueError("give exactly one source: raster_id, blob or catalog_id")
        areas = [name for name in ("bbox", "geometry", "table") if getattr(self, name) is not None]
        if len(areas) > 1:
            raise ValueError(f"give at most one area, not {' and '.join(areas)}")
        if self.filter is not None and self.table is None:
            raise ValueError("filter applies to a table: give table too")
        return self

    def area_description(self) -> dict[str, Any]:
        if self.bbox is not None:
            return {"kind": "bbox", "bbox": self.bbox}
        if self.geometry is not None:
            return {"kind": "geometry"}
        if self.table is not None:
            return {"kind": "table", "table": self.table, "filter": self.filter}
        return {"kind": "raster_extent"}


class RasterSource(BaseModel):
    """A resolved source: where GDAL reads it and what it is."""

    source_id: str
    kind: Literal["raster", "blob", "catalog"]
    path: str  # a /vsiaz/ path (a VRT for a mosaic)
    title: str
    raster_type: str
    categorical: bool
    band: int
    crs: str
    pixel_metres: float
    nodata: float | None
    footprint: tuple[float, float, float, float]  # lon/lat; west > east across the antimeridian


class Plan(BaseModel):
    """The prepare stage's result: everything the cell tasks and the publish stage need."""

    source: RasterSource
    resolution: int
    parent_resolution: int
    parents: list[int]
    statistics: list[Statistic]
    area_wkb: str  # hex WKB of the area (lon/lat), clipped to the raster's footprint
    area: dict[str, Any]
    collection_id: str


class ParentParams(BaseModel):
    parent: int = Field(ge=0)


class CellsResult(BaseModel):
    parent: int
    cells: int  # cells of the parent in the area
    with_data: int  # of which had valid pixels (written)
    seconds: float


class PublishResult(BaseModel):
    collection_id: str
    source_id: str
    resolution: int
    cells: int
    statistics: list[Statistic]
    features_url: str
    stac_item_url: str


def collection_id_for(source_id: str, resolution: int) -> str:
    """The OGC collection and STAC item id of an aggregation: URL-safe and readable, with
    a digest of the source id so two ids that read alike never share a collection."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", source_id.lower()).strip("-")[:160] or "source"
    return f"h3-r{resolution}-{slug}-{hashlib.sha256(source_id.encode()).hexdigest()[:8]}"
