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
        raise ValueError(
            "table_name must be a lowercase identifier: a letter, then letters, digits or _ (at most 63)"
        )
    if value in RESERVED_TABLES:
        raise ValueError(f"table_name {value!r} is reserved")
    return value


class ProcessVectorParams(JobParameters):
    container: str | None = Field(
        None,
        max_length=63,
        description="blob container (default, and the only one "
        "for non-admins: the bronze container)",
    )
    blob_name: str = Field(min_length=1, max_length=1024)
    table_name: str = Field(description="lowercase identifier, at most 63 characters")
    layer: str | None = Field(
        None, max_length=255, description="layer to load when the source has several"
    )
    all_layers: bool = Field(
        False,
        description="load every non-empty geometry layer, each into its own tables "
        "(<table_name>_<layer>, and _points/_lines/_polygons when it mixes "
        "kinds), published together; excludes `layer`",
    )
    merge_layers: bool = Field(
        False,
        description="load every non-empty geometry layer into the same tables (their "
        "columns united, ids continuing), e.g. a source's polygons and "
        "points layers; excludes `layer` and `all_layers`",
    )
    source_crs: str | None = Field(
        None, max_length=10_000, description="overrides the source's CRS, e.g. EPSG:27700"
    )
    ddh: DDHRefs | None = None
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=10_000)
    license: str | None = Field(None, max_length=200, description="SPDX identifier, e.g. CC-BY-4.0")
    keywords: list[str] = Field([], max_length=100)
    replace_owned_by_other: bool = Field(
        False,
        description="admins: replace a table another owner published "
        "(recorded in the job's events)",
    )

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
        if sum([self.layer is not None, self.all_layers, self.merge_layers]) > 1:
            raise ValueError("give at most one of `layer`, `all_layers` and `merge_layers`")
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
    layer: str | None = None  # the layer this chunk reads (its name in InspectResult.layers)
    group: int = 0  # the layer group (tables) it loads into
    id_offset: int = 0  # features of the group's layers before this one
    fid_range: tuple[int, int] | None = (
        None  # [lo, hi) of the layer's feature ids: read by id, not by skipping
    )


class LayerGroup(BaseModel):
    """Layers loaded into the same tables (one per geometry kind): the one layer of a plain
    load, every layer (merge_layers), or one layer each (all_layers)."""

    name: str | None = (
        None  # all_layers: the tables' suffix after table_name (the layer, as an identifier)
    )
    layers: list[str]
    columns: list[ColumnPlan]
    time_candidates: list[dict[str, str]] = []
    temporal_property: str | None = None
    source_crs: str  # as used: "EPSG:n" or WKT
    crs_reason: str
    needs_reprojection: bool
    staging: dict[str, str] = {}  # kind → staging table
    features: int = 0


class InspectResult(BaseModel):
    source: dict[str, Any]  # container, blob_name, etag, format, reason, size_bytes, encoding…
    layer: str | None  # the one layer loaded (None: several)
    layers: list[
        dict[str, Any]
    ]  # every layer: name, geometry_type, features, dataset, source_layer, driver
    datasets: list[
        dict[str, Any]
    ]  # each file GDAL opens: path (below the source's cache dir), format, member, open_options
    groups: list[LayerGroup]
    feature_count: int
    declared_geometry_type: str | None
    chunks: list[ChunkSpec]
    warnings: list[str]

    def layer_entry(self, name: str | None) -> dict[str, Any]:
        wanted = name if name is not None else self.layer
        return next(entry for entry in self.layers if entry["name"] == wanted)

    @property
    def source_crs(self) -> str:
        return self.groups[0].source_crs

    @property
    def crs_reason(self) -> str:
        return self.groups[0].crs_reason


class LoadChunkParams(ChunkSpec):
    pass


class IndexParams(BaseModel):
    kind: str
    staging_table: str
    index: str  # "primary_key" or "spatial"
    group: int = 0


class IndexResult(BaseModel):
    kind: str
    staging_table: str
    index: str
    seconds: float


class PublishResult(BaseModel):
    tables: list[str]
    report_summary: dict[str, Any]
    report: dict[str, Any]
