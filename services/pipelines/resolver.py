"""Pipeline job types for the engine's registry: `pipeline:NAME@VERSION` (what a run's job
records) and `pipeline:NAME` (the latest active version, when submitting).

Versions are immutable, so a compiled version is cached for the life of the process;
"latest" is looked up each time."""

import logging
import re
import threading

from config import Settings
from core.engine.definitions import JobDefinition
from core.errors import Conflict, GeoETLError
from core.pipelines.compiler import JOB_TYPE_PREFIX, compile_pipeline
from core.pipelines.definition import PipelineDefinition
from core.pipelines.steps import StepCatalog
from core.pipelines.validation import require_valid
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql

log = logging.getLogger(__name__)
JOB_TYPE = re.compile(r"^pipeline:([a-z][a-z0-9_]{0,62})(?:@([1-9][0-9]{0,9}))?$")


class PipelineJobTypes:
    def __init__(self, db: Database, catalog: StepCatalog, settings: Settings):
        self.db = db
        self.catalog = catalog
        self.settings = settings
        self._compiled: dict[tuple[str, int], JobDefinition] = {}
        self._lock = threading.Lock()

    def __call__(self, job_type: str, submitting: bool) -> JobDefinition | None:
        """The registry's source. Submitting, an archived pipeline or a version that no
        longer fits this host's steps is refused with the reason; otherwise None (the
        engine fails a running job of a type it cannot find, with that reason)."""
        match = JOB_TYPE.match(job_type)
        if match is None:
            return None
        name, version = match[1], int(match[2]) if match[2] else None
        if version is not None and not submitting:
            with self._lock:  # workers ask for the same version at every completion: no query then
                cached = self._compiled.get((name, version))
            if cached is not None:
                return cached
        row = self._row(name, version)
        if row is None:
            return None
        if submitting:
            return self.runnable(row)
        try:
            return self.compiled(row)
        except GeoETLError as exc:
            log.warning("pipeline job type %s cannot be compiled: %s", job_type, exc.detail)
            return None

    def _row(self, name: str, version: int | None) -> dict | None:
        query, key = (
            ("pipelines/get_version", {"name": name, "version": version})
            if version is not None
            else ("pipelines/latest", {"name": name})
        )
        with self.db.connection() as conn:
            return conn.execute(sql(query), key).fetchone()

    def compiled(self, row: dict) -> JobDefinition:
        """Raises InvalidInput when the stored definition no longer fits this host's steps."""
        key = (row["name"], row["version"])
        with self._lock:
            found = self._compiled.get(key)
        if found is None:
            definition = PipelineDefinition.model_validate(row["definition"])
            require_valid(definition, self.catalog)
            found = compile_pipeline(
                row["name"],
                row["version"],
                definition,
                self.catalog,
                lambda setting: getattr(self.settings, setting),
            )
            with self._lock:
                self._compiled[key] = found
        return found

    def runnable(self, row: dict) -> JobDefinition:
        if row["archived_at"] is not None:
            raise Conflict(
                f"pipeline {row['name']!r} is archived: save a new version to run it again"
            )
        return self.compiled(row)


__all__ = ["JOB_TYPE_PREFIX", "PipelineJobTypes"]
