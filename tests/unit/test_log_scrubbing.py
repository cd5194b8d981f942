"""Credentials never reach logs or HTTP error messages: secret-looking parameters and the
values of secret settings are masked in every record; httpx's request logging is off."""

import logging

import httpx
import pytest
from pydantic import SecretStr

from config import Settings
from config.logging_setup import configure_logging
from core.errors import DependencyUnavailable
from core.redaction import scrub_secret_parameters, without_queries
from infrastructure.http.retrying import send_with_retries

KEY, PASSWORD = "ibat-key-0123456789", "acled-pa55word"


@pytest.fixture()
def scrubbed_logging(caplog):
    """configure_logging as the hosts call it; the process's logging restored afterwards."""
    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    configure_logging(
        Settings(
            ibat_auth_key=SecretStr(KEY),
            acled_password=SecretStr(PASSWORD),
            admin_api_key=SecretStr("abc"),
        )
    )
    caplog.set_level(logging.DEBUG)
    yield caplog
    logging.setLogRecordFactory(factory)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "GET https://api.test/v1/data-downloads?auth_key=abc&auth_token=def&dataset=wdpa",
            "GET https://api.test/v1/data-downloads?auth_key=***&auth_token=***&dataset=wdpa",
        ),
        (
            "https://acct.blob.core.windows.net/c/b.zip?sv=2024&sig=Zm9vYmFy%3D&se=2030",
            "https://acct.blob.core.windows.net/c/b.zip?sv=2024&sig=***&se=2030",
        ),
        (
            "AccountName=dev;AccountKey=Eby8vdM02x==;BlobEndpoint=x",
            "AccountName=dev;AccountKey=***;BlobEndpoint=x",
        ),
        ("login with password=hunter2 failed", "login with password=*** failed"),
        ("Authorization: Bearer eyJhbGciOi.J9.abc", "Authorization: Bearer ***"),
        ("monkey=banana keyboard=qwerty", "monkey=banana keyboard=qwerty"),
    ],
)
def test_secret_parameters_are_masked(text, expected):
    assert scrub_secret_parameters(text) == expected


def test_query_strings_are_dropped_from_urls_in_text():
    assert (
        without_queries("GET https://h.test/p/q?auth_key=abc failed; see http://x.test/a")
        == "GET https://h.test/p/q?… failed; see http://x.test/a"
    )


def test_records_lose_secret_parameters_and_secret_setting_values(scrubbed_logging):
    log = logging.getLogger("geoetl.test")
    log.warning(
        "fetching %s", "https://api.test/v1/data-downloads?auth_key=abc&auth_token=def&dataset=wdpa"
    )
    log.info("the key is %s and the password %s", KEY, PASSWORD)
    try:
        raise RuntimeError(f"upstream said no to {KEY}")
    except RuntimeError:
        log.exception("failed")
    text = scrubbed_logging.text
    assert "dataset=wdpa" in text and "auth_key=***" in text and "abc" not in text
    assert KEY not in text and PASSWORD not in text and text.count("***") >= 5
    assert "upstream said no to ***" in text


def test_short_secret_values_are_not_masked_everywhere(scrubbed_logging):
    logging.getLogger("geoetl.test").warning("abcdef is an ordinary word here")
    assert "abcdef is an ordinary word here" in scrubbed_logging.text


def test_httpx_does_not_log_request_urls(scrubbed_logging):
    with httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))) as http:
        http.get("https://api.test/v1/data-downloads", params={"auth_key": KEY})
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    assert not [r for r in scrubbed_logging.records if r.name.startswith(("httpx", "httpcore"))]


def test_a_transport_error_message_carries_no_query_string():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as http,
        pytest.raises(DependencyUnavailable) as info,
    ):
        send_with_retries(
            lambda: http.get("https://api.test/v1/data-downloads", params={"auth_key": KEY}),
            what="IBAT data-downloads",
            max_retries=0,
        )
    assert "IBAT data-downloads: ConnectError" in info.value.detail
    assert KEY not in info.value.detail and "auth_key" not in info.value.detail
