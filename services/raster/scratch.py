"""Scratch hygiene for tiled COGs, run by the reconciler after each sweep.

A failed or cancelled process_raster job leaves its parts' staged tiles and top inputs
under `<target>/_geoetl/cog-parts/<job_id>/`: kept for RASTER_SCRATCH_RETENTION_HOURS so
a retry can still use them, then deleted. Each attempt swept is recorded as a
`scratch_deleted` job event, so it is listed once; a resubmitted attempt that fails is
swept in its turn.
"""

import logging
from dataclasses import dataclass

from config import Settings
from core.storage import BlobStorage
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from services.engine.progression import record_event
from services.raster.blocks import delete_scratch

log = logging.getLogger(__name__)
JOBS_PER_SWEEP = 20  # a backlog drains over a few sweeps instead of holding one up


@dataclass
class CogScratchSweeper:
    db: Database
    blobs: BlobStorage
    settings: Settings
    limit: int = JOBS_PER_SWEEP

    def __call__(self) -> int:
        """Deletes the scratch of the jobs due; returns how many blobs went."""
        deleted = 0
        for job in self._due():
            count = delete_scratch(self.blobs, job["container"], job["job_id"])
            with self.db.connection() as conn:
                record_event(
                    conn,
                    job["job_id"],
                    job["attempt"],
                    "scratch_deleted",
                    blobs=count,
                    container=job["container"],
                )
            log.info(
                "deleted %d scratch blobs of failed tiled-COG job %s", count, job["job_id"][:12]
            )
            deleted += count
        return deleted

    def _due(self) -> list[dict]:
        with self.db.connection() as conn:
            return conn.execute(
                sql("raster/stale_cog_scratch"),
                {
                    "default_container": self.settings.silver_container,
                    "retention_hours": self.settings.raster_scratch_retention_hours,
                    "limit": self.limit,
                },
            ).fetchall()
