"""Parameters and results of the process_vector job and its tasks."""

import re
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from core.blob_paths import inside_container
from core.engine.definitions import JobParameters
from core.models.metadata import BaseMetadata, DDHRefs
from services.vector.columns import ColumnPlan

TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Names our own objects use in schema geo (and PostGIS's), never a user's table.
RESERVED_TABLES = {"table_metadata", "spatial_ref_sys", "geometry_columns", "geography_columns"}


def check_table_name(value: str) -> str:
    if not TABLE_NAME.match(value):
        raise ValueError("table_name must be a lowercase identifier: a letter, then letters, digits or _ (at most 63)")
    if value in RESERVED_TABLES:
        raise ValueError(f"table_name {value!r} is reserved")
    return value


class ProcessVectorParams(JobParameters):
    container: str | None = Field(None, max_length=63, description="blob container (default, and the only one "
                                                                   "for non-admins: the bronze container)")
    blob_name: str = Field(min_length=1, max_length=1024)
    table_name: str = Field(description="lowercase identifier, at most 63 characters")
    layer: str | None = Field(None, max_length=255, description="layer to load when the source has several")
    all_layers: bool = Field(False, description="load every non-empty geometry layer together (their columns united), "
                                                "e.g. a source's polygons and points layers; excludes `layer`")
    source_crs: str | None = Field(None, max_length=10_000, description="overrides the source's CRS, e.g. EPSG:27700")
    ddh: DDHRefs | None = None
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=10_000)
    license: str | None = Field(None, max_length=200, description="SPDX identifier, e.g. CC-BY-4.0")
    keywords: list[str] = Field([], max_length=100)
    replace_owned_by_other: bool = Field(False, description="admins: replace a table another owner published "
                                                            "(recorded in the job's events)")

    @field_validator("table_name")
    @classmethod
    def _table_name(cls, value: str) -> str:
        return check_table_name(value)

    @field_validator("blob_name")
    @classmethod
    def _inside_the_container(cls, value: str) -> str:
        return inside_container(value)

    @model_validator(mode="after")
    def _one_layer_or_all(self) -> "ProcessVectorParams":
        if self.all_layers and self.layer is not None:
            raise ValueError("give either `layer` or `all_layers`, not both")
        return self

    @field_validator("source_crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(value)
        except CRSError as exc:
            raise ValueError(f"unknown CRS {value!r}") from exc
        return value

    @field_validator("license")
    @classmethod
    def _spdx(cls, value: str | None) -> str | None:
        return BaseMetadata._spdx(value)


class ChunkSpec(BaseModel):
    index: int
    skip: int
    count: int
    layer: str | None = None     # all_layers loads: the layer this chunk reads
    id_offset: int = 0           # all_layers loads: features in the layers before this one


class InspectResult(BaseModel):
    source: dict[str, Any]          # container, blob_name, etag, format, reason, size_bytes, encoding…
    layer: str | None
    layers: list[dict[str, Any]]    # every layer the source has: name, geometry_type, features
    open_options: dict[str, str]
    feature_count: int
    declared_geometry_type: str | None
    source_crs: str                 # as used: "EPSG:n" or WKT
    crs_reason: str
    needs_reprojection: bool
    columns: list[ColumnPlan]
    time_candidates: list[dict[str, str]]
    temporal_property: str | None
    staging: dict[str, str]         # kind → staging table
    chunks: list[ChunkSpec]
    warnings: list[str]


class LoadChunkParams(BaseModel):
    index: int
    skip: int
    count: int
    layer: str | None = None
    id_offset: int = 0


class IndexParams(BaseModel):
    kind: str
    staging_table: str
    index: str   # "primary_key" or "spatial"


class IndexResult(BaseModel):
    kind: str
    staging_table: str
    index: str
    seconds: float


class PublishResult(BaseModel):
    tables: list[str]
    report_summary: dict[str, Any]
    report: dict[str, Any]
