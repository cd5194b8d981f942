"""The local host (API, workers, loops) with the test jobs registered too:
python -m tests.serve_with_test_jobs (settings from the environment)."""

from config import Settings
from config.logging_setup import configure_logging
from tests.engine_jobs import registry_with_test_jobs
from triggers.composition import Platform
from triggers.local_host import serve

if __name__ == "__main__":
    settings = Settings()
    configure_logging(settings)
    serve(Platform.build(settings, jobs=registry_with_test_jobs()))
