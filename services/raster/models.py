"""process_raster's parameters and the shapes its stages exchange."""

import base64
import posixpath
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.blob_paths import CONTAINER_PATTERN, inside_container
from core.engine.definitions import JobParameters
from core.ownership import Claim, raster, stac_collection, stac_item
from core.raster.inference import InferredType, RasterClass
from core.raster.profiles import CogProfile
from core.raster.tiling import TilingPlan
from services.raster.tiff_tiles import Level, RawTag, Tile

DEFAULT_COLLECTION = "rasters"  # shared by everyone's rasters (each item owned by its publisher)


class ProcessRasterParams(JobParameters):
    container: str | None = Field(
        None,
        pattern=CONTAINER_PATTERN,
        description="container holding the source "
        "raster (default, and the only one for non-admins: BRONZE_CONTAINER)",
    )
    blob_name: str = Field(
        min_length=1, max_length=1024, description="the source raster's blob path"
    )
    collection_id: str = Field(
        DEFAULT_COLLECTION,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="pgSTAC collection the item goes to (created when missing)",
    )
    raster_type: RasterClass | None = Field(
        None, description="what the raster is; checked against the data"
    )
    force: bool = Field(
        False, description="process as raster_type even when the data says otherwise"
    )
    target_container: str | None = Field(
        None,
        pattern=CONTAINER_PATTERN,
        description="container the COG is "
        "written to (default, and the only one for non-admins: SILVER_CONTAINER)",
    )
    replace_owned_by_other: bool = Field(
        False, description="admins: replace a raster another owner published"
    )

    @field_validator("blob_name")
    @classmethod
    def _inside_the_container(cls, name: str) -> str:
        return inside_container(name)

    def claims(self) -> list[Claim]:
        """The raster (its id, COG and metadata row), its STAC item, and a place in the
        collection (the shared `rasters` one, or the caller's own)."""
        shared = self.collection_id == DEFAULT_COLLECTION
        return [
            raster(self.item_id),
            stac_item(self.collection_id, self.item_id),
            stac_collection(self.collection_id, mode="shared" if shared else "contribute"),
        ]

    @property
    def item_id(self) -> str:
        return item_id_for(self.blob_name)

    @property
    def cog_blob(self) -> str:
        return f"{self.collection_id}/{self.item_id}.tif"


def item_id_for(blob_name: str) -> str:
    """The STAC item id (and API id) of a source blob: its path without extension,
    lower-cased, anything but letters, digits, '_' and '-' turned into '-'."""
    stem, _ = posixpath.splitext(blob_name)
    return re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")[:200] or "raster"


class Header(BaseModel):
    width: int
    height: int
    band_count: int
    dtypes: list[str]
    nodata: float | None
    crs: str | None
    colorinterp: list[str]
    descriptions: list[str | None]
    has_mask: bool = False  # a per-dataset (internal or .msk) mask
    rotated: bool = False  # a geotransform with rotation terms


class InspectResult(BaseModel):
    inferred_type: InferredType
    raster_type: RasterClass
    forced: bool
    profile: CogProfile
    header: Header
    tiling: TilingPlan | None = None  # set when the COG is made by several tasks
    cog_tasks_reason: str = ""

    def public_inferred(self) -> dict[str, Any]:
        return self.inferred_type.public()


class CogPartParams(ProcessRasterParams):
    part: int = Field(ge=0)


class LevelManifest(BaseModel):
    """One level of a part as the assembly needs it: its tags and its tiles' sizes (the
    tiles themselves are already staged as a block of the COG blob)."""

    width: int
    height: int
    tile_height: int
    tile_lengths: list[int]
    tags: list[tuple[int, int, int, str]]  # code, TIFF type, count, value (base64)

    @classmethod
    def of(cls, level: Level) -> "LevelManifest":
        return cls(
            width=level.width,
            height=level.height,
            tile_height=level.tile_height,
            tile_lengths=[tile.length for tile in level.tiles],
            tags=[
                (t.code, t.type, t.count, base64.b64encode(t.value).decode("ascii"))
                for t in level.tags
            ],
        )

    def level(self, source: int) -> Level:
        return Level(
            tags=[
                RawTag(code, kind, count, base64.b64decode(value))
                for code, kind, count, value in self.tags
            ],
            width=self.width,
            height=self.height,
            tile_height=self.tile_height,
            tiles=[Tile(source, 0, length) for length in self.tile_lengths],
        )  # data already staged: only lengths count


class CogPartResult(BaseModel):
    part: int
    levels: list[LevelManifest]  # full resolution, then the part's overview levels
    top_input: str | None  # blob (target container) of its smallest level, when the top needs it
    staged_bytes: int
    seconds: float


class CogResult(BaseModel):
    cog_blob: str  # container/blob
    size_bytes: int
    warnings: list[str]  # a COG that fails validation fails its task: what is left is warnings
    width: int
    height: int
    band_count: int
    dtype: str
    nodata: float | None
    crs: str | None
    resolution: tuple[float, float]
    bbox: tuple[float, float, float, float] | None  # WGS 84
    color_interpretation: list[str]
    band_descriptions: list[str | None]
    compression: str | None
    overview_levels: list[int]
    band_statistics: list[dict[str, float]]
    seconds: float
    parts: int = 1  # tasks that made its tiles


class RasterResult(BaseModel):
    """The job's result."""

    item_id: str
    collection_id: str
    inferred_type: dict[str, Any]  # {class, confidence, reasons}
    raster_type: RasterClass
    forced: bool
    cog_blob: str
    cog_url: str
    cog_profile: str
    cog_parts: int  # tasks that made the COG's tiles (1: made in one task)
    cog_tasks_reason: str
    info_url: str
