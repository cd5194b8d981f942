"""The explicit registries: every job type and every handler the platform runs.
Built once at start-up; a stage whose task type has no handler stops the start."""

from jobs.curated_update import CURATED_UPDATE
from jobs.h3_aggregate import H3_AGGREGATE
from jobs.hello_world import HELLO_WORLD
from jobs.ingest_collection import INGEST_COLLECTION
from jobs.process_raster import PROCESS_RASTER
from jobs.process_vector import PROCESS_VECTOR
from services.curated.tasks import HANDLERS as CURATED_HANDLERS
from services.engine.handlers import HandlerRegistry, JobRegistry
from services.h3.tasks import HANDLERS as H3_HANDLERS
from services.hello.handlers import HANDLERS as HELLO_HANDLERS
from services.ingest.tasks import HANDLERS as INGEST_HANDLERS
from services.raster.tasks import HANDLERS as RASTER_HANDLERS
from services.utility import HANDLERS as UTILITY_HANDLERS
from services.vector.handlers import HANDLERS as VECTOR_HANDLERS

JOB_DEFINITIONS = [
    CURATED_UPDATE,
    H3_AGGREGATE,
    HELLO_WORLD,
    INGEST_COLLECTION,
    PROCESS_RASTER,
    PROCESS_VECTOR,
]
HANDLERS = [
    *CURATED_HANDLERS,
    *H3_HANDLERS,
    *HELLO_HANDLERS,
    *INGEST_HANDLERS,
    *RASTER_HANDLERS,
    *UTILITY_HANDLERS,
    *VECTOR_HANDLERS,
]


def build_job_registry() -> JobRegistry:
    return JobRegistry(JOB_DEFINITIONS, HandlerRegistry(HANDLERS))
