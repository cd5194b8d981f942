"""ingest_collection's parameters and the shapes its stages exchange."""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from core.blob_paths import CONTAINER_PATTERN, inside_container
from core.engine.definitions import JobParameters

AggregationMethod = Literal["mean", "mode", "sum", "min", "max"]


class IngestCollectionParams(JobParameters):
    source_container: str | None = Field(None, pattern=CONTAINER_PATTERN, description="container holding the "
                                         "collection (default, and the only one for non-admins: BRONZE_CONTAINER)")
    target_container: str | None = Field(None, pattern=CONTAINER_PATTERN, description="container the assets are "
                                         "copied to (default, and the only one for non-admins: SILVER_CONTAINER)")
    collection_json_path: str = Field("collection.json", min_length=1, max_length=1024,
                                      description="blob path of the STAC collection document in the source container")
    batch_size: int = Field(100, ge=10, le=500, description="items per copy / register task")
    overwrite: bool = Field(False, description="admins: replace target blobs whose content differs from the source")
    asset_key: str | None = Field(None, max_length=255, description="H3 source asset (default: the first 'data' asset)")
    theme: str | None = Field(None, max_length=100, description="H3 source theme (default: the first collection keyword)")
    aggregation_method: AggregationMethod | None = Field(
        None, description="H3 aggregation (default: mode for categorical data, mean otherwise)")
    replace_owned_by_other: bool = Field(False, description="admins: replace a collection another owner published")

    @field_validator("source_container", "target_container")
    @classmethod
    def _single_hyphens(cls, name: str | None) -> str | None:
        if name is not None and "--" in name:
            raise ValueError("container names cannot contain '--'")
        return name

    @field_validator("collection_json_path")
    @classmethod
    def _inside_the_container(cls, path: str) -> str:
        return inside_container(path)


class AssetCopy(BaseModel):
    key: str
    source_blob: str
    target_blob: str


class BatchSummary(BaseModel):
    batch: int
    items: int
    assets: int


class Inventory(BaseModel):
    """The inventory's result: everything later stages need, except the items themselves
    (staged in app.ingest_items)."""

    collection_id: str
    collection: dict
    collection_blob: str
    items: int
    batches: list[BatchSummary]
    collection_assets: list[AssetCopy]
    asset_keys: list[str]


class CopyParams(BaseModel):
    batch: int | None = Field(None, description="the item batch to copy; None: the collection's own assets")
    source_container: str
    target_container: str
    overwrite: bool


class CopyResult(BaseModel):
    batch: int | None
    copied: int
    skipped: int
    bytes_copied: int


class RegisterCollectionResult(BaseModel):
    collection_id: str
    assets_rewritten: int


class RegisterItemsParams(BaseModel):
    batch: int
    target_container: str


class RegisterItemsResult(BaseModel):
    batch: int
    items: int


class FinalizeResult(BaseModel):
    collection_id: str
    items_total: int
    items_registered: int
    failed_batches: list[int]
    source_catalog_id: str | None
    data_type: str | None
