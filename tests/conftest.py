"""Session fixtures. Tests that request `settings` (or anything built on it) get a fresh
database created for this test session, with every migration applied, and their own
blob containers; unit tests request none of these and need no services."""

import secrets

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from infrastructure.db import migrations
from tests.support import base_settings, fresh_database
from triggers.composition import Platform
from triggers.http.app import create_app

ADMIN_KEY = "test-admin-" + secrets.token_hex(8)


@pytest.fixture(scope="session")
def settings():
    suffix = secrets.token_hex(3)
    with fresh_database() as dsn:
        migrations.deploy(dsn)
        yield base_settings().model_copy(
            update={
                "database_url": SecretStr(dsn),
                "bronze_container": f"bronze-{suffix}",
                "silver_container": f"silver-{suffix}",
                "admin_api_key": SecretStr(ADMIN_KEY),
                # The suite sends thousands of requests as one admin; the limits have tests of their own.
                "rate_limit_writes": "100000/minute",
                "rate_limit_reads": "100000/minute",
                # No test reaches a real source; a test that starts a fake one lists its host:port.
                "source_allowed_hosts": "data.example.org",
            }
        )


@pytest.fixture(scope="session")
def platform(settings):
    platform = Platform.build(settings)
    platform.blobs.ensure_containers()
    yield platform
    for name in (settings.bronze_container, settings.silver_container):
        platform.blobs.client.delete_container(name)
    platform.close()


ADMIN_HEADERS = {"x-functions-key": ADMIN_KEY}
ANONYMOUS = {"x-functions-key": ""}  # overrides the clients' default key: no key at all


@pytest.fixture()
def client(platform):
    """The API as the bootstrap admin (tests of roles send other keys, or ANONYMOUS)."""
    with TestClient(create_app(platform), headers=ADMIN_HEADERS) as client:
        yield client


@pytest.fixture()
def admin_headers():
    return dict(ADMIN_HEADERS)
