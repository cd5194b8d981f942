"""ingest_collection's parameters and the shapes its stages exchange."""

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from core.blob_paths import CONTAINER_PATTERN, inside_container
from core.engine.definitions import JobParameters

AggregationMethod = Literal["mean", "mode", "sum", "min", "max"]
DEFAULT_ROOT = "collection.json"


class IngestCollectionParams(JobParameters):
    source_container: str | None = Field(
        None,
        pattern=CONTAINER_PATTERN,
        description="container holding the "
        "catalog (default, and the only one for non-admins: BRONZE_CONTAINER)",
    )
    target_container: str | None = Field(
        None,
        pattern=CONTAINER_PATTERN,
        description="container the assets are "
        "copied to (default, and the only one for non-admins: SILVER_CONTAINER)",
    )
    collection_json_path: str | None = Field(
        None,
        min_length=1,
        max_length=1024,
        description="blob path of the STAC Collection (its item links, and child catalogs below it, are read); "
        f"default {DEFAULT_ROOT} unless catalog_json_path is given",
    )
    catalog_json_path: str | None = Field(
        None,
        min_length=1,
        max_length=1024,
        description="blob path of a static catalog's root Catalog (or Collection): its child links are walked "
        "and every Collection found is ingested",
    )
    items_paths: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="blob paths of ItemCollections or NDJSON files (one item per line) holding items of the "
        "collection named by collection_json_path",
    )
    max_depth: int = Field(
        8, ge=0, le=32, description="how many levels of child catalogs are walked below the root"
    )
    batch_size: int = Field(
        100,
        ge=10,
        le=500,
        description="items per inventory / copy / register task (NDJSON: about, by bytes)",
    )
    overwrite: bool = Field(
        False,
        description="admins: replace target blobs whose content differs from the source, "
        "and re-register items even when unchanged",
    )
    copy_external: bool = Field(
        False,
        description="admins: copy assets on other hosts into the target container "
        "(only from hosts in SOURCE_ALLOWED_HOSTS); by default they are "
        "registered as they are, never fetched",
    )
    asset_key: str | None = Field(
        None, max_length=255, description="H3 source asset (default: the first 'data' asset)"
    )
    theme: str | None = Field(
        None, max_length=100, description="H3 source theme (default: the first collection keyword)"
    )
    aggregation_method: AggregationMethod | None = Field(
        None, description="H3 aggregation (default: mode for categorical data, mean otherwise)"
    )
    replace_owned_by_other: bool = Field(
        False, description="admins: replace a collection another owner published"
    )

    @field_validator("source_container", "target_container")
    @classmethod
    def _single_hyphens(cls, name: str | None) -> str | None:
        if name is not None and "--" in name:
            raise ValueError("container names cannot contain '--'")
        return name

    @field_validator("collection_json_path", "catalog_json_path")
    @classmethod
    def _inside_the_container(cls, path: str | None) -> str | None:
        return None if path is None else inside_container(path)

    @field_validator("items_paths")
    @classmethod
    def _items_inside_the_container(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path or len(path) > 1024:
                raise ValueError("each items path is 1 to 1024 characters")
            inside_container(path)
        if len(set(paths)) != len(paths):
            raise ValueError("an items path is listed twice")
        return paths

    @model_validator(mode="after")
    def _one_root(self) -> "IngestCollectionParams":
        if self.catalog_json_path is not None:
            if self.collection_json_path is not None:
                raise ValueError("give collection_json_path or catalog_json_path, not both")
            if self.items_paths:
                raise ValueError(
                    "items_paths belong to a collection: give collection_json_path with them"
                )
        elif self.collection_json_path is None:
            self.collection_json_path = DEFAULT_ROOT
        return self

    @property
    def root_path(self) -> str:
        return self.catalog_json_path or self.collection_json_path


class AssetCopy(BaseModel):
    """An asset to copy: a blob of the source container, or an external URL (copy_external)."""

    key: str
    target_blob: str
    source_blob: str | None = None
    url: str | None = None


class CollectionFound(BaseModel):
    id: str
    blob: str
    document: dict
    original_stac_version: str | None = None
    assets: list[AssetCopy] = []
    external_assets: int = 0


class Discovery(BaseModel):
    """The discover stage's result: the collections (documents included) and how the
    items were split; the parts themselves are rows of app.ingest_parts."""

    collections: list[CollectionFound]
    parts: int
    item_links: int
    ndjson_files: int
    item_collections: int
    documents_walked: int


class PartParams(BaseModel):
    part: int
    source_container: str
    target_container: str
    copy_external: bool
    overwrite: bool


class PartResult(BaseModel):
    """One inventory part (= one batch): what was read, staged, skipped."""

    batch: int
    collection_id: str
    items: int  # read and valid
    staged: int  # changed or new: copied and registered
    unchanged: int  # skipped: registered before with the same content
    assets: int  # copies to make (source blobs, and external URLs with copy_external)
    external_assets: int  # registered as they are
    external_hosts: list[str] = []
    migrated: dict[str, int] = {}  # original STAC version → items migrated from it
    bytes_read: int = 0


class CopyParams(BaseModel):
    batch: int | None = Field(
        None, description="the item batch to copy; None: the collections' own assets"
    )
    source_container: str
    target_container: str
    overwrite: bool


class CopyResult(BaseModel):
    batch: int | None
    copied: int
    skipped: int
    bytes_copied: int
    external_copied: int = 0


class RegisterCollectionResult(BaseModel):
    collection_ids: list[str]
    assets_rewritten: int


class RegisterItemsParams(BaseModel):
    batches: list[int] = Field(min_length=1)
    collection_id: str


class RegisterItemsResult(BaseModel):
    batches: list[int]
    collection_id: str
    items: int


class CollectionOutcome(BaseModel):
    collection_id: str
    items_total: int
    items_registered: int
    items_unchanged: int
    original_stac_version: str | None
    source_catalog_id: str | None
    data_type: str | None


class FinalizeResult(BaseModel):
    """Totals over every collection; `collection_id`, `source_catalog_id` and `data_type`
    are the first collection's (the only one, unless a catalog held several)."""

    collection_id: str
    collections: list[CollectionOutcome]
    items_total: int
    items_registered: int
    items_unchanged: int
    failed_batches: list[int]
    source_catalog_id: str | None
    data_type: str | None
    external_assets: int
    external_copied: int
    external_hosts: list[str]
    migrated: dict[str, int]
