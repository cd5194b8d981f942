"""The explicit registries: every job type and every handler the platform runs.
Built once at start-up; a stage whose task type has no handler stops the start."""

from jobs.hello_world import HELLO_WORLD
from jobs.ingest_collection import INGEST_COLLECTION
from services.engine.handlers import HandlerRegistry, JobRegistry
from services.hello.handlers import HANDLERS as HELLO_HANDLERS
from services.ingest import HANDLERS as INGEST_HANDLERS

JOB_DEFINITIONS = [HELLO_WORLD, INGEST_COLLECTION]
HANDLERS = [*HELLO_HANDLERS, *INGEST_HANDLERS]


def build_job_registry() -> JobRegistry:
    return JobRegistry(JOB_DEFINITIONS, HandlerRegistry(HANDLERS))
