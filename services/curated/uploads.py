"""A manual dataset's file (e.g. Natural Earth Admin 0): checked like any upload, stored in
bronze under curated/<dataset>/uploads/, and recorded in the registry entry's
source_config (blob_name, uploaded_version = the file's sha256), where the next update
finds it. An identical re-upload has the same version, so the update skips it unless forced."""

import hashlib
from datetime import datetime, timezone
from typing import BinaryIO

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from core.errors import Conflict
from infrastructure.db.queries import sql
from services.curated import registry
from services.vector.uploads import store_upload


class DatasetUpload(BaseModel):
    dataset_id: str
    container: str
    blob_name: str
    size_bytes: int
    format: str
    format_reason: str
    uploaded_version: str


class _HashingReader:
    """The request body as it is read: the sha256 comes for free, no second pass."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self._stream.read(size)
        self._digest.update(block)
        return block

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def store_dataset_file(
    platform, dataset_id: str, stream: BinaryIO, filename: str | None
) -> DatasetUpload:
    dataset = registry.get_dataset(platform.db, dataset_id)
    if dataset.source_type != "manual":
        raise Conflict(
            f"dataset {dataset_id} comes from its {dataset.source_type} source; uploads are for manual datasets"
        )
    reader = _HashingReader(stream)
    stored = store_upload(platform, reader, filename, prefix=f"curated/{dataset_id}/uploads")
    upload = {
        "blob_name": stored.blob_name,
        "uploaded_version": reader.hexdigest(),
        "uploaded_filename": filename,
        "uploaded_bytes": stored.size_bytes,
        "uploaded_at": datetime.now(timezone.utc).isoformat(),
    }
    with platform.db.connection() as conn:
        if (
            conn.execute(
                sql("curated/record_upload"), {"dataset_id": dataset_id, "upload": Jsonb(upload)}
            ).fetchone()
            is None
        ):
            raise Conflict(
                f"dataset {dataset_id} was changed or removed during the upload; upload again"
            )
    return DatasetUpload(
        dataset_id=dataset_id,
        container=stored.container,
        blob_name=stored.blob_name,
        size_bytes=stored.size_bytes,
        format=stored.format,
        format_reason=stored.format_reason,
        uploaded_version=upload["uploaded_version"],
    )
