"""The composition root: wires settings, database, storage and drivers, once.

Building a Platform does no I/O; connections open on first use, so importing
function_app.py stays cheap and safe.
"""

from dataclasses import dataclass

from config import Settings
from infrastructure.db.pool import Database
from infrastructure.storage.blobs import BlobStore


@dataclass
class Platform:
    settings: Settings
    db: Database
    blobs: BlobStore

    @classmethod
    def build(cls, settings: Settings) -> "Platform":
        db = Database(
            settings.dsn,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            timeout=settings.db_connect_timeout_seconds,
        )
        return cls(settings=settings, db=db, blobs=BlobStore(settings))

    def close(self) -> None:
        self.db.close()
        self.blobs.close()
