"""Unified dataset metadata: the single source of truth for catalog records.

Every pipeline (vector, raster, zarr) describes what it published with one of these
models. The database rows (`geo.table_metadata`, `app.dataset_refs`), the STAC items in
pgSTAC and the OGC API – Features collection documents are all built from them, so a
field added here shows up everywhere at once.

Pure: no I/O. Absolute links are built from a `base_url` the caller passes in.
"""

import re
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STAC_VERSION = "1.0.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
PROJECTION_EXTENSION = "https://stac-extensions.github.io/projection/v1.1.0/schema.json"
RASTER_EXTENSION = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
EO_EXTENSION = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
TABLE_EXTENSION = "https://stac-extensions.github.io/table/v1.2.0/schema.json"
DATACUBE_EXTENSION = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json"

DataType = Literal["vector", "raster", "zarr"]
ProviderRole = Literal["licensor", "producer", "processor", "host"]
BBox = tuple[float, float, float, float]

# SPDX identifiers and expressions ("MIT", "CC-BY-4.0", "Apache-2.0 OR MIT"), plus the
# two STAC keywords for licences SPDX does not list.
_SPDX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+\-]*( (AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+\-]*)*$")
_STAC_LICENSE_KEYWORDS = {"proprietary", "other", "various"}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def bbox_polygon(bbox: BBox) -> dict[str, Any]:
    """GeoJSON polygon of a bbox (exterior counter-clockwise, as RFC 7946 asks)."""
    west, south, east, north = bbox
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


class Provider(BaseModel):
    """An organisation that produced, licensed, processed or hosts the data (STAC provider)."""

    name: str = Field(min_length=1)
    roles: list[ProviderRole] = []
    url: str | None = None
    description: str | None = None


class DDHRefs(BaseModel):
    """Identifiers of the dataset in the Development Data Hub (DDH) catalog."""

    dataset_id: str = Field(min_length=1, max_length=200)
    resource_id: str = Field(min_length=1, max_length=200)
    version_id: str = Field(min_length=1, max_length=200)


class ExternalRefs(BaseModel):
    """Links from one of our datasets to external catalogs (`app.dataset_refs`)."""

    dataset_id: str = Field(min_length=1, description="our id: a table name, an item id")
    data_type: DataType
    ddh: DDHRefs | None = None
    other_refs: dict[str, Any] = {}
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BaseMetadata(BaseModel):
    """Fields every published dataset has, whatever its kind."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=255)
    data_type: DataType
    title: str | None = None
    description: str | None = None
    bbox: BBox | None = Field(None, description="WGS 84 (lon/lat): west, south, east, north")
    temporal_start: datetime | None = None
    temporal_end: datetime | None = None
    license: str | None = Field(
        None, description="SPDX identifier or expression, or proprietary/other"
    )
    providers: list[Provider] = []
    keywords: list[str] = []
    etl_job_id: str | None = None
    stac_collection_id: str | None = None
    created_at: datetime = Field(default_factory=_utcnow)
    updated_at: datetime = Field(default_factory=_utcnow)
    custom_properties: dict[str, Any] = {}

    @field_validator("license")
    @classmethod
    def _spdx(cls, value: str | None) -> str | None:
        if value is None or value in _STAC_LICENSE_KEYWORDS or _SPDX.match(value):
            return value
        raise ValueError(
            "license must be an SPDX identifier or expression (e.g. CC-BY-4.0), or 'proprietary'/'other'"
        )

    @field_validator("bbox")
    @classmethod
    def _ordered_bbox(cls, value: BBox | None) -> BBox | None:
        if value is None:
            return value
        west, south, east, north = value
        # west > east is allowed: a bbox that crosses the antimeridian (RFC 7946 §5.2).
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise ValueError("bbox must be WGS 84 west, south, east, north with south <= north")
        return value

    @model_validator(mode="after")
    def _ordered_interval(self) -> "BaseMetadata":
        if self.temporal_start and self.temporal_end and self.temporal_start > self.temporal_end:
            raise ValueError("temporal_start is after temporal_end")
        return self

    # ---- STAC -----------------------------------------------------------------------

    def stac_properties(self) -> dict[str, Any]:
        """Item properties shared by every data type (STAC common metadata)."""
        props: dict[str, Any] = {
            "title": self.title or self.id,
            "description": self.description,
            "created": _iso(self.created_at),
            "updated": _iso(self.updated_at),
            "license": self.license,
            "providers": [p.model_dump(exclude_none=True) for p in self.providers] or None,
            "keywords": self.keywords or None,
            "geoetl:data_type": self.data_type,
            "geoetl:etl_job_id": self.etl_job_id,
        }
        if self.temporal_start or self.temporal_end:
            # A range: STAC wants datetime null with start/end set.
            props["datetime"] = None
            props["start_datetime"] = _iso(self.temporal_start or self.temporal_end)
            props["end_datetime"] = _iso(self.temporal_end or self.temporal_start)
        else:
            # No observed time: the item's datetime is when it was published.
            props["datetime"] = _iso(self.created_at)
        props.update(self.custom_properties)
        return {k: v for k, v in props.items() if v is not None or k == "datetime"}

    def stac_extensions(self) -> list[str]:
        return []

    def stac_assets(self, base_url: str) -> dict[str, Any]:
        return {}

    def stac_links(self, base_url: str) -> list[dict[str, Any]]:
        return []

    def to_stac_item(self, base_url: str = "") -> dict[str, Any]:
        """A STAC 1.0 item. Catalog links (self, parent, collection, root) are added by the
        STAC API when it serves the item, so the stored item stays host-independent."""
        if self.stac_collection_id is None:
            raise ValueError(f"{self.id}: a STAC item needs stac_collection_id")
        base_url = base_url.rstrip("/")
        return {
            "type": "Feature",
            "stac_version": STAC_VERSION,
            "stac_extensions": self.stac_extensions(),
            "id": self.id,
            "collection": self.stac_collection_id,
            "geometry": bbox_polygon(self.bbox) if self.bbox else None,
            "bbox": list(self.bbox) if self.bbox else None,
            "properties": self.stac_properties(),
            "links": self.stac_links(base_url),
            "assets": self.stac_assets(base_url),
        }


class ColumnDefinition(BaseModel):
    """One attribute column of a published table."""

    name: str
    type: str = Field(
        description="PostgreSQL type, e.g. text, bigint, double precision, timestamptz"
    )
    source_name: str | None = Field(
        None, description="the column's name in the source file, before sanitizing"
    )
    description: str | None = None


# PostgreSQL column type → JSON Schema type, for the OGC queryables/schema and STAC table:columns.
_JSON_TYPES = {
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "double precision": "number",
    "real": "number",
    "numeric": "number",
    "boolean": "boolean",
}


class VectorMetadata(BaseMetadata):
    """A PostGIS table in schema `geo` (one geometry column `geom`, primary key `id`)."""

    data_type: Literal["vector"] = "vector"
    schema_name: str = "geo"
    feature_count: int = Field(0, ge=0)
    geometry_type: str = Field("Geometry", description="e.g. MultiPolygon")
    source_crs: str | None = Field(
        None, description="the source's CRS as found (or assumed), e.g. EPSG:27700"
    )
    temporal_property: str | None = Field(
        None, description="the column the temporal extent was taken from"
    )
    columns: list[ColumnDefinition] = []

    def features_url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/api/features/collections/{self.id}"

    def stac_extensions(self) -> list[str]:
        return [TABLE_EXTENSION]

    def stac_properties(self) -> dict[str, Any]:
        props = super().stac_properties()
        props["table:row_count"] = self.feature_count
        props["table:primary_geometry"] = "geom"
        props["table:columns"] = [
            {"name": "id", "type": "bigint"},
            {"name": "geom", "type": f"geometry({self.geometry_type}, 4326)"},
            *(
                {
                    "name": c.name,
                    "type": c.type,
                    **({"description": c.description} if c.description else {}),
                }
                for c in self.columns
            ),
        ]
        props["geoetl:geometry_type"] = self.geometry_type
        props["geoetl:source_crs"] = self.source_crs
        props["geoetl:temporal_property"] = self.temporal_property
        return {k: v for k, v in props.items() if v is not None or k == "datetime"}

    def stac_assets(self, base_url: str) -> dict[str, Any]:
        collection = self.features_url(base_url)
        return {
            "features": {
                "href": f"{collection}/items",
                "type": "application/geo+json",
                "title": "OGC API – Features items (GeoJSON)",
                "roles": ["data"],
            },
            "ogc-collection": {
                "href": collection,
                "type": "application/json",
                "title": "OGC API – Features collection",
                "roles": ["metadata"],
            },
        }

    def to_ogc_collection(self, base_url: str) -> dict[str, Any]:
        """The OGC API – Features Part 1 collection document."""
        url = self.features_url(base_url)
        interval = [[_iso(self.temporal_start), _iso(self.temporal_end)]]
        extent: dict[str, Any] = {}
        if self.bbox:
            extent["spatial"] = {"bbox": [list(self.bbox)], "crs": CRS84}
        if self.temporal_start or self.temporal_end:
            extent["temporal"] = {
                "interval": interval,
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        return {
            "id": self.id,
            "title": self.title or self.id,
            "description": self.description,
            "itemType": "feature",
            "crs": [CRS84],
            "storageCrs": CRS84,
            "extent": extent,
            "keywords": self.keywords,
            "license": self.license,
            "links": [
                {
                    "href": url,
                    "rel": "self",
                    "type": "application/json",
                    "title": "this collection",
                },
                {
                    "href": f"{url}/items",
                    "rel": "items",
                    "type": "application/geo+json",
                    "title": "items as GeoJSON",
                },
                {
                    "href": f"{url}/queryables",
                    "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                    "type": "application/schema+json",
                    "title": "queryable properties",
                },
                {
                    "href": f"{url}/tiles",
                    "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                    "type": "application/json",
                    "title": "vector tiles (OGC API – Tiles)",
                },
                {
                    "href": f"{url}/tilejson.json",
                    "rel": "describedby",
                    "type": "application/json",
                    "title": "TileJSON of the vector tiles",
                },
                {
                    "href": f"{base_url.rstrip('/')}/api/interface/map?layer=vector:{self.id}",
                    "rel": "alternate",
                    "type": "text/html",
                    "title": "on the map",
                },
            ],
            "geometryType": self.geometry_type,
            "featureCount": self.feature_count,
        }

    def queryables(self, base_url: str) -> dict[str, Any]:
        """JSON Schema of the collection's properties (OGC API – Features Part 3 queryables)."""
        properties = {
            c.name: {"type": _JSON_TYPES.get(c.type, "string"), "title": c.source_name or c.name}
            for c in self.columns
        }
        properties["geometry"] = {"$ref": "https://geojson.org/schema/Geometry.json"}
        return {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": f"{self.features_url(base_url)}/queryables",
            "type": "object",
            "title": self.title or self.id,
            "properties": properties,
        }


class RasterMetadata(BaseMetadata):
    """A raster (normally a Cloud-Optimized GeoTIFF) in blob storage."""

    data_type: Literal["raster"] = "raster"
    blob_path: str | None = Field(None, description="container/blob of the published file")
    band_count: int = Field(1, ge=1)
    dtype: str = Field("uint8", description="numpy/GDAL data type name, e.g. uint8, float32")
    nodata: float | None = None
    crs: str | None = Field(None, description="e.g. EPSG:32633")
    resolution: tuple[float, float] | None = Field(
        None, description="pixel size (x, y) in CRS units"
    )
    width: int | None = Field(None, ge=1)
    height: int | None = Field(None, ge=1)
    band_descriptions: list[str | None] = []
    color_interpretation: list[str] = Field(
        [], description="per band: red, green, blue, alpha, gray, palette, …"
    )
    cog_profile: str | None = Field(None, description="e.g. deflate, lzw, jpeg, webp")
    compression: str | None = None
    source_blob: str | None = Field(None, description="container/blob the COG was made from")
    size_bytes: int | None = Field(None, ge=0)
    overview_levels: list[int] = Field(
        [], description="decimation factor of each overview, e.g. [2, 4, 8]"
    )
    raster_type: str | None = Field(
        None,
        description="the class processed as: rgb, rgba, multispectral, dem, "
        "categorical, continuous or unknown",
    )
    inferred_type: str | None = Field(None, description="the class inferred from the data")
    type_confidence: float | None = Field(None, ge=0, le=1)
    type_reasons: list[str] = []
    band_statistics: list[dict[str, float]] = Field(
        [], description="per band: minimum, maximum, mean, stddev"
    )

    def eo_bands(self) -> list[dict[str, Any]]:
        """EO band entries when bands carry a colour (red, green, blue); none otherwise."""
        colours = {"red", "green", "blue"}
        if not colours & set(self.color_interpretation):
            return []
        names = [
            d or f"b{i + 1}"
            for i, d in enumerate(self.band_descriptions or [None] * self.band_count)
        ]
        return [
            {
                "name": names[i] if i < len(names) else f"b{i + 1}",
                **(
                    {"common_name": self.color_interpretation[i]}
                    if i < len(self.color_interpretation)
                    and self.color_interpretation[i] in colours
                    else {}
                ),
            }
            for i in range(self.band_count)
        ]

    def stac_extensions(self) -> list[str]:
        return [PROJECTION_EXTENSION, RASTER_EXTENSION] + (
            [EO_EXTENSION] if self.eo_bands() else []
        )

    def stac_properties(self) -> dict[str, Any]:
        props = super().stac_properties()
        epsg = _epsg_code(self.crs)
        props["proj:epsg"] = epsg
        if epsg is None and self.crs:
            props["proj:wkt2"] = self.crs
        if self.width and self.height:
            props["proj:shape"] = [self.height, self.width]
        if self.raster_type:
            props["geoetl:raster_type"] = self.raster_type
        return props

    def asset_href(self, base_url: str) -> str | None:
        if self.blob_path is None:
            return None
        return f"{base_url}/{self.blob_path}" if base_url else self.blob_path

    def stac_assets(self, base_url: str) -> dict[str, Any]:
        href = self.asset_href(base_url)
        if href is None:
            return {}
        bands = []
        for index in range(self.band_count):
            band: dict[str, Any] = {"data_type": self.dtype}
            if self.nodata is not None:
                band["nodata"] = self.nodata
            if self.resolution:
                band["spatial_resolution"] = abs(self.resolution[0])
            if index < len(self.band_descriptions) and self.band_descriptions[index]:
                band["name"] = self.band_descriptions[index]
            if index < len(self.band_statistics) and self.band_statistics[index]:
                band["statistics"] = self.band_statistics[index]
            bands.append(band)
        asset = {
            "href": href,
            "type": "image/tiff; application=geotiff; profile=cloud-optimized",
            "title": self.title or self.id,
            "roles": ["data"],
            "raster:bands": bands,
        }
        if self.eo_bands():
            asset["eo:bands"] = self.eo_bands()
        return {"data": asset}


class ZarrMetadata(BaseMetadata):
    """A Zarr store (multidimensional arrays, e.g. climate model output)."""

    data_type: Literal["zarr"] = "zarr"
    store_path: str | None = Field(None, description="container/path of the store")
    variables: list[str] = []
    dimensions: dict[str, int] = Field({}, description="dimension name → size")
    chunks: dict[str, int] = Field({}, description="dimension name → chunk size")
    crs: str | None = None
    zarr_format: int = Field(2, ge=2, le=3)
    consolidated: bool = True

    def stac_extensions(self) -> list[str]:
        return [DATACUBE_EXTENSION]

    def stac_properties(self) -> dict[str, Any]:
        props = super().stac_properties()
        props["cube:dimensions"] = {
            name: {
                "type": "spatial" if name in {"x", "y", "lon", "lat"} else "other",
                "extent": [0, size - 1],
            }
            for name, size in self.dimensions.items()
        }
        props["cube:variables"] = {
            name: {"type": "data", "dimensions": list(self.dimensions)} for name in self.variables
        }
        return props

    def stac_assets(self, base_url: str) -> dict[str, Any]:
        if self.store_path is None:
            return {}
        href = f"{base_url}/{self.store_path}" if base_url else self.store_path
        return {
            "zarr": {
                "href": href,
                "type": "application/vnd+zarr",
                "title": self.title or self.id,
                "roles": ["data"],
            }
        }


def _epsg_code(crs: str | None) -> int | None:
    if crs is None:
        return None
    match = re.fullmatch(r"(?i)epsg:(\d+)", crs.strip())
    return int(match.group(1)) if match else None
