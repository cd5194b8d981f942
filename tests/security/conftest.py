"""A platform of the test's own (settings overridden), with in-process workers and an API
client: for regression tests that must run a job end to end under particular settings."""

import secrets
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from services.access import keys
from services.engine.worker import WorkerPool
from tests.conftest import ADMIN_HEADERS
from triggers.composition import Platform
from triggers.http.app import create_app


@pytest.fixture()
def platform_with(settings, platform):  # `platform` creates the test's blob containers
    """Call with setting overrides; returns a TestClient whose app runs on those settings."""
    with ExitStack() as stack:

        def build(**overrides) -> TestClient:
            built = Platform.build(settings.model_copy(update=overrides))
            stack.callback(built.close)
            pool = WorkerPool(
                built.engine,
                built.engine.jobs.handlers,
                built,
                threads=2,
                heartbeat_seconds=0.3,
                batch_size=10,
                poll_seconds=0.05,
            )
            pool.start()
            stack.callback(pool.stop)
            return stack.enter_context(TestClient(create_app(built), headers=ADMIN_HEADERS))

        yield build


@pytest.fixture()
def key_for(platform):
    """Creates a key of `role` (a fresh name each time); returns headers carrying it."""

    def make(role: str, name: str | None = None) -> dict[str, str]:
        created = keys.create_key(
            platform.db,
            keys.KeyCreate(name=name or f"{role}-{secrets.token_hex(4)}", role=role),
            created_by="test",
        )
        return {"x-functions-key": created.key}

    return make


@pytest.fixture()
def engine_client(settings, platform):
    """An API client (admin by default) over a platform with NO workers: jobs stay where
    the submit put them, so a test can change the world before they run."""
    built = Platform.build(settings)
    with TestClient(create_app(built), headers=ADMIN_HEADERS) as client:
        yield client, built
    built.close()
