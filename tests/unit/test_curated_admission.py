"""Registry entries may name only declared source credentials, and point only at allowed
hosts; a stored entry that breaks the rule is refused again when it is used."""

from datetime import datetime, timezone

import pytest
from pydantic import SecretStr

from config import Settings
from config.settings import SOURCE_CREDENTIAL_SETTINGS
from core.errors import InvalidInput
from core.models.curated import CuratedDataset, DatasetFields
from services.curated.admission import check_entry
from services.curated.sources import credentials

SETTINGS = Settings(
    source_allowed_hosts="api.ibat-alliance.org,.example.org",
    admin_api_key=SecretStr("platform-admin-key"),
    ibat_auth_key=SecretStr("k"),
    ibat_auth_token=SecretStr("t"),
)
ENTRY = {"name": "x", "source_type": "api", "target_table": "curated_x"}


def test_every_declared_source_credential_is_a_secret_setting():
    fields = Settings.model_fields
    for name in SOURCE_CREDENTIAL_SETTINGS:
        assert fields[name.lower()].annotation == SecretStr | None, name


@pytest.mark.parametrize(
    "names",
    [
        ["ADMIN_API_KEY"],
        ["STORAGE_CONNECTION_STRING"],
        ["IBAT_AUTH_KEY", "DATABASE_URL"],
        ["SERVICEBUS_CONNECTION"],
    ],
)
def test_platform_secrets_cannot_be_named(names):
    with pytest.raises(InvalidInput) as info:
        check_entry(DatasetFields(**ENTRY, credential_settings=names), SETTINGS)
    assert [e["field"] for e in info.value.errors] == [f"credential_settings.{len(names) - 1}"]
    assert (
        names[-1] not in info.value.detail and "IBAT_AUTH_KEY, IBAT_AUTH_TOKEN" in info.value.detail
    )


def test_declared_credentials_and_allowed_hosts_pass():
    check_entry(
        DatasetFields(
            **ENTRY,
            credential_settings=["IBAT_AUTH_KEY", "IBAT_AUTH_TOKEN"],
            source_url="https://api.ibat-alliance.org/v1",
        ),
        SETTINGS,
    )
    check_entry(
        DatasetFields(
            **ENTRY | {"source_type": "url", "source_url": "https://data.example.org/a.zip"}
        ),
        SETTINGS,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/a.zip",
        "http://127.0.0.1:5439/",
        "file:///etc/passwd",
        "https://api.ibat-alliance.org:8443/v1",
    ],
)
def test_a_source_url_off_the_allow_list_is_refused(url):
    with pytest.raises(InvalidInput) as info:
        check_entry(DatasetFields(**ENTRY | {"source_type": "url", "source_url": url}), SETTINGS)
    assert info.value.status == 422 and [e["field"] for e in info.value.errors] == ["source_url"]


def test_a_stored_entry_naming_a_platform_secret_is_refused_when_used():
    now = datetime.now(timezone.utc)
    stored = CuratedDataset(
        **ENTRY,
        dataset_id="x",
        credential_settings=["IBAT_AUTH_KEY", "ADMIN_API_KEY"],
        created_at=now,
        updated_at=now,
    )
    with pytest.raises(InvalidInput, match="entry 1 is not a declared source credential") as info:
        credentials(stored, SETTINGS)
    assert "platform-admin-key" not in info.value.detail
