"""A worker process running the platform's and the test jobs' handlers:
python -m tests.engine_worker --threads N (settings from the environment)."""

import argparse

from config import Settings
from config.logging_setup import configure_logging
from tests.engine_jobs import registry_with_test_jobs
from triggers.composition import Platform
from triggers.local_host import run_workers

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = Settings()
    configure_logging(settings)
    run_workers(Platform.build(settings, jobs=registry_with_test_jobs()), args.threads)
