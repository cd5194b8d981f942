"""STAC Catalog, Collection and Item validation: the fields the STAC spec requires and
pgSTAC relies on, checked before anything is copied or registered.

The models check shape only; callers keep the original documents (extension fields,
original datetime strings), so nothing is lost or rewritten by validation. Items, which
come by the thousand, go through the compiled schema of `core.stac.item_schema` first;
the models run only for an item it refuses, to say precisely what is wrong.
"""

import json
from datetime import datetime
from datetime import datetime as Timestamp  # a field is named datetime: its type needs another name
from typing import Any, Literal, Mapping

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import InvalidInput
from core.stac.item_schema import COORDINATE_DEPTH, GeometryType, passes_fast


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Link(_Open):
    rel: str = Field(min_length=1)
    href: str = Field(min_length=1)


class Asset(_Open):
    href: str = Field(min_length=1)
    type: str | None = None
    roles: list[str] | None = None


class Geometry(_Open):
    type: GeometryType
    coordinates: list[Any] | None = None
    geometries: list["Geometry"] | None = None

    @model_validator(mode="after")
    def _coordinates_fit_the_type(self) -> "Geometry":
        if self.type == "GeometryCollection":
            if self.geometries is None:
                raise ValueError("a GeometryCollection needs 'geometries'")
            return self
        if self.coordinates is None:
            raise ValueError(f"a {self.type} needs 'coordinates'")
        _check_depth(self.coordinates, COORDINATE_DEPTH[self.type], self.type)
        return self


def _check_depth(value: Any, depth: int, kind: str) -> None:
    if depth == 1:
        if not (
            isinstance(value, list) and 2 <= len(value) <= 3 and all(_is_number(v) for v in value)
        ):
            raise ValueError(
                f"{kind} coordinates must be positions of 2 or 3 numbers, found {value!r:.60}"
            )
        return
    if not isinstance(value, list) or not value:
        raise ValueError(f"{kind} coordinates must be non-empty nested arrays")
    for part in value:
        _check_depth(part, depth - 1, kind)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_bbox(bbox: list[float]) -> list[float]:
    if len(bbox) not in (4, 6):
        raise ValueError(f"a bbox has 4 or 6 numbers, found {len(bbox)}")
    half = len(bbox) // 2
    west, south, north = bbox[0], bbox[1], bbox[half + 1]
    if not (-90 <= south <= north <= 90):
        raise ValueError(f"bbox latitudes must satisfy -90 <= south <= north <= 90, found {bbox}")
    if not (-180 <= west <= 180 and -180 <= bbox[half] <= 180):
        raise ValueError(f"bbox longitudes must lie in [-180, 180], found {bbox}")
    return bbox


class SpatialExtent(_Open):
    bbox: list[list[float]] = Field(min_length=1)

    @field_validator("bbox")
    @classmethod
    def _boxes(cls, boxes: list[list[float]]) -> list[list[float]]:
        return [_check_bbox(box) for box in boxes]


class TemporalExtent(_Open):
    interval: list[list[datetime | None]] = Field(min_length=1)

    @field_validator("interval")
    @classmethod
    def _pairs(cls, intervals: list[list[datetime | None]]) -> list[list[datetime | None]]:
        for pair in intervals:
            if len(pair) != 2:
                raise ValueError(f"each interval is [start, end], found {len(pair)} values")
            if pair[0] is not None and pair[1] is not None and pair[0] > pair[1]:
                raise ValueError("an interval's start is after its end")
        return intervals


class Extent(_Open):
    spatial: SpatialExtent
    temporal: TemporalExtent


class Collection(_Open):
    type: Literal["Collection"]
    stac_version: str = Field(min_length=1)
    id: str = Field(min_length=1, max_length=255)
    description: str
    license: str = Field(min_length=1)
    extent: Extent
    links: list[Link]
    title: str | None = None
    keywords: list[str] | None = None
    assets: dict[str, Asset] | None = None


class Catalog(_Open):
    type: Literal["Catalog"]
    stac_version: str = Field(min_length=1)
    id: str = Field(min_length=1, max_length=255)
    description: str
    links: list[Link]
    title: str | None = None


class ItemProperties(_Open):
    datetime: Timestamp | None
    start_datetime: Timestamp | None = None
    end_datetime: Timestamp | None = None

    @model_validator(mode="after")
    def _has_a_time(self) -> "ItemProperties":
        if self.datetime is None and (self.start_datetime is None or self.end_datetime is None):
            raise ValueError("datetime is null, so start_datetime and end_datetime are required")
        if self.start_datetime and self.end_datetime and self.start_datetime > self.end_datetime:
            raise ValueError("start_datetime is after end_datetime")
        return self


class Item(_Open):
    type: Literal["Feature"]
    stac_version: str = Field(min_length=1)
    id: str = Field(min_length=1, max_length=255)
    geometry: Geometry | None
    bbox: list[float] | None = None
    properties: ItemProperties
    links: list[Link]
    assets: dict[str, Asset]
    collection: str | None = None

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, bbox: list[float] | None) -> list[float] | None:
        return None if bbox is None else _check_bbox(bbox)

    @model_validator(mode="after")
    def _bbox_with_geometry(self) -> "Item":
        if self.geometry is not None and self.bbox is None:
            raise ValueError("an item with a geometry needs a bbox")
        return self


def parse_json(raw: bytes, source: str) -> Any:
    """The document, or a clear error naming the file and where the JSON breaks. orjson
    reads it; the standard parser only explains what orjson refused (in its own words,
    which name the line and column), or reads what only it accepts (NaN, huge integers)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def validate_collection(document: Any, source: str) -> dict[str, Any]:
    _validate(Collection, document, source, "Collection")
    return document


def validate_catalog_or_collection(document: Any, source: str) -> dict[str, Any]:
    """A node of a static catalog: a Catalog, or a Collection (which may have children too)."""
    if not isinstance(document, dict):
        raise InvalidInput(
            f"{source} is not a STAC Catalog or Collection: expected a JSON object, "
            f"found {type(document).__name__}"
        )
    kind = document.get("type")
    if kind == "Catalog":
        _validate(Catalog, document, source, "Catalog")
        return document
    if kind == "Collection":
        return validate_collection(document, source)
    raise InvalidInput(
        f"{source} is not a STAC Catalog or Collection: type is {kind!r}"
        + (", not 'Catalog' or 'Collection'" if kind is not None else " (missing)")
    )


def check_item(document: Any, source: str) -> None:
    """Raises InvalidInput saying what is wrong when `document` is not a valid STAC Item."""
    if isinstance(document, dict) and passes_fast(document):
        return
    _validate(Item, document, source, "Item")


def validate_item(document: Any, source: str, collection_id: str) -> dict[str, Any]:
    """A valid item of `collection_id`; its `collection` field is set when it was missing."""
    check_item(document, source)
    declared = document.get("collection")
    if declared is not None and declared != collection_id:
        raise InvalidInput(
            f"{source}: item {document['id']!r} names collection {declared!r}, not {collection_id!r}"
        )
    document["collection"] = collection_id
    return document


def _validate(model: type[BaseModel], document: Any, source: str, kind: str) -> None:
    if not isinstance(document, dict):
        raise InvalidInput(
            f"{source} is not a STAC {kind}: expected a JSON object, found {type(document).__name__}"
        )
    try:
        model.model_validate(document)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise InvalidInput(
            f"{source} is not a valid STAC {kind}: " + "; ".join(problems),
            errors=[{"field": p.split(":")[0], "message": p} for p in problems],
        ) from exc


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(document)"
    return f"{where}: {error['msg']}"
