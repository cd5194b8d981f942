"""Uploads into the bronze container, checked first: a file that can never load (empty,
unknown format, hostile or broken archive, invalid XML) is refused before it is stored."""

import re
import tempfile
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel

from core.errors import InvalidInput, PayloadTooLarge
from services.vector.sources import archive_limits, inspect_local_file

COPY_BLOCK = 4 * 1024 * 1024


class UploadResult(BaseModel):
    container: str
    blob_name: str
    size_bytes: int
    format: str
    format_reason: str


def safe_filename(filename: str | None) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return name[:200] or "upload"


def store_upload(
    platform, stream: BinaryIO, filename: str | None, prefix: str = "uploads"
) -> UploadResult:
    """Spools, checks, then stores the file as bronze `<prefix>/<random>/<safe filename>`."""
    settings = platform.settings
    with tempfile.TemporaryDirectory(prefix="geoetl-upload-") as workdir:
        path = Path(workdir) / "upload"
        size = spool(stream, path, settings.upload_max_bytes)
        detection = inspect_local_file(path, filename, archive_limits(settings))
        blob_name = f"{prefix}/{uuid.uuid4().hex}/{safe_filename(filename)}"
        with path.open("rb") as data:
            platform.blobs.write(
                settings.bronze_container, blob_name, data, length=size, overwrite=False
            )
    return UploadResult(
        container=settings.bronze_container,
        blob_name=blob_name,
        size_bytes=size,
        format=detection.format,
        format_reason=detection.reason,
    )


def spool(stream: BinaryIO, path: Path, limit: int) -> int:
    size = 0
    with path.open("wb") as out:
        while block := stream.read(COPY_BLOCK):
            size += len(block)
            if size > limit:
                raise PayloadTooLarge(f"the file is larger than the {limit:,}-byte upload limit")
            out.write(block)
    if size == 0:
        raise InvalidInput("the file is empty")
    return size
