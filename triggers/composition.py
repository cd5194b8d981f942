"""The composition root: wires settings, database, storage, registries and the engine, once.

Building a Platform does no I/O; connections open on first use, so importing
function_app.py stays cheap and safe.
"""

from dataclasses import dataclass

from config import Settings
from core.pipelines.compiler import JOB_TYPE_PREFIX
from core.pipelines.steps import StepCatalog
from infrastructure.db.pool import Database
from infrastructure.storage.blobs import BlobStore
from jobs.registry import build_job_registry
from jobs.steps import build_step_catalog
from services.access.policy import SubmissionPolicy
from services.engine.engine import Engine
from services.engine.handlers import JobRegistry
from services.engine.ports import Dispatcher, JobNotifier, RowIsTheMessage
from services.pipelines.resolver import PipelineJobTypes
from services.raster.scratch import CogScratchSweeper


@dataclass
class Platform:
    settings: Settings
    db: Database
    blobs: BlobStore
    engine: Engine
    steps: StepCatalog  # what pipelines may use: the registry's handlers as steps
    pipelines: PipelineJobTypes  # pipeline versions compiled for the engine

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        jobs: JobRegistry | None = None,
        dispatcher: Dispatcher | None = None,
        notifier: JobNotifier | None = None,
    ) -> "Platform":
        """`notifier`: who hears that a stage finished (Azure: the job's Durable orchestrator);
        by default nobody, as the local runtime polls."""
        db = Database(
            settings.dsn,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            timeout=settings.db_connect_timeout_seconds,
        )
        jobs = jobs or build_job_registry()
        steps = build_step_catalog(jobs)
        pipelines = PipelineJobTypes(db, steps, settings)
        jobs.add_source(JOB_TYPE_PREFIX, pipelines)
        blobs = BlobStore(settings)
        engine = Engine(
            db,
            jobs,
            SubmissionPolicy(settings),
            dispatcher=dispatcher or default_dispatcher(settings, db),
            notifier=notifier,
            lease_seconds=settings.lease_seconds,
            stale_dispatch_seconds=settings.stale_dispatch_seconds,
            metrics_retention_minutes=settings.metrics_retention_minutes,
            chores={"cog_scratch_blobs_deleted": CogScratchSweeper(db, blobs, settings)},
        )
        return cls(
            settings=settings, db=db, blobs=blobs, engine=engine, steps=steps, pipelines=pipelines
        )

    def close(self) -> None:
        self.db.close()
        self.blobs.close()


def default_dispatcher(settings: Settings, db: Database) -> Dispatcher:
    if settings.queue_backend == "servicebus":
        from infrastructure.queues.servicebus import ServiceBusDispatcher

        return ServiceBusDispatcher(settings)
    return RowIsTheMessage()
