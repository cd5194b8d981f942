"""ACLED without services: the client against the contract's answers, the version rule,
the fan-out plan, the text handed to COPY, the token session, the style."""

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from config import Settings
from core.errors import ContractViolation, InvalidInput, SourceRejected
from core.models.curated import DatasetFields
from infrastructure.http.acled import (
    AcledClient,
    CredentialsRejected,
    RefreshRejected,
    Token,
    TokenRejected,
)
from services.curated.acled.checking import months
from services.curated.acled.fetching import filters, page_numbers
from services.curated.acled.fields import FIELD_NAMES
from services.curated.acled.models import EventsPlan, FetchItem
from services.curated.acled.session import AcledSession, account
from services.curated.acled.staging import EVENTS, as_copy_text
from services.curated.acled.version import Held, Scope
from services.curated.admission import check_entry
from services.curated.styles import style_for
from tests.acled_samples import events

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
BASE = "https://acled.test"


def client_answering(*answers: httpx.Response, seen: list | None = None) -> AcledClient:
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return queue.pop(0)

    http = httpx.Client(transport=httpx.MockTransport(handle))
    return AcledClient(BASE, http, max_retries=2, base_delay=0, clock=lambda: NOW)


def page(data: list, **envelope) -> httpx.Response:
    return httpx.Response(
        200, json={"status": 200, "success": True, "count": len(data), "data": data} | envelope
    )


# -- the client ------------------------------------------------------------------------------


def test_the_password_grant_sends_the_contracts_form_and_keeps_the_expiry():
    seen = []
    token = client_answering(
        httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "access_token": "A1",
                "refresh_token": "R1",
                "expires_in": 86400,
            },
        ),
        seen=seen,
    ).password_grant("me@x.org", "pw")
    assert (token.access_token, token.refresh_token, token.expires_at) == (
        "A1",
        "R1",
        NOW + timedelta(days=1),
    )
    form = parse_qs(seen[0].content.decode())
    assert seen[0].method == "POST" and seen[0].url.path == "/oauth/token"
    assert form == {
        "username": ["me@x.org"],
        "password": ["pw"],
        "grant_type": ["password"],
        "client_id": ["acled"],
        "scope": ["authenticated"],
    }
    assert "A1" not in repr(token) and "R1" not in repr(token)


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_password_grant_is_final_and_says_the_credentials_were_rejected(status):
    client = client_answering(
        httpx.Response(status, json={"error": "invalid_grant"}), httpx.Response(200, json={})
    )
    with pytest.raises(CredentialsRejected, match="ACLED rejected the credentials") as raised:
        client.password_grant("me@x.org", "pw")
    assert not raised.value.retryable and "pw" not in raised.value.detail


def test_the_token_endpoint_is_retried_on_5xx_and_a_refused_refresh_token_is_its_own_error():
    client = client_answering(httpx.Response(503), httpx.Response(200, json={"access_token": "A2"}))
    assert client.password_grant("me@x.org", "pw").expires_at == NOW + timedelta(
        hours=24
    )  # expires_in absent: 24 h
    with pytest.raises(RefreshRejected):
        client_answering(httpx.Response(400, json={"error": "invalid_grant"})).refresh_grant("R1")


def test_a_read_sends_the_bearer_token_paging_and_filters_and_returns_the_data():
    seen = []
    data = client_answering(page([{"event_id_cnty": "NIG1"}]), seen=seen).read(
        "events", "A1", {"timestamp": "17", "timestamp_where": ">"}, page=3, limit=500
    )
    assert data == [{"event_id_cnty": "NIG1"}]
    request = seen[0]
    assert request.url.path == "/api/acled/read" and request.headers["authorization"] == "Bearer A1"
    assert dict(request.url.params) == {
        "_format": "json",
        "timestamp": "17",
        "timestamp_where": ">",
        "limit": "500",
        "page": "3",
    }


def test_a_failed_page_carries_the_sources_message_and_a_401_means_the_token_expired():
    failed = page([], success=False, error=[{"status": 400, "message": "Invalid filter"}])
    with pytest.raises(
        ContractViolation, match="ACLED events page 1: ACLED reported a failure: Invalid filter"
    ):
        client_answering(failed).read("events", "A1", {}, page=1)
    with pytest.raises(ContractViolation, match="not JSON"):
        client_answering(httpx.Response(200, text="<html>maintenance</html>")).read(
            "deleted", "A1", {}, page=1
        )
    with pytest.raises(ContractViolation, match="no data list"):
        client_answering(httpx.Response(200, json={"success": True})).read(
            "events", "A1", {}, page=1
        )
    with pytest.raises(TokenRejected):
        client_answering(httpx.Response(401)).read("events", "A1", {}, page=1)
    assert (
        client_answering(httpx.Response(503), httpx.Response(429), page([])).read(
            "events", "A1", {}, page=1
        )
        == []
    )


# -- credentials -------------------------------------------------------------------------------


def test_only_the_retired_api_key_fails_saying_so_and_the_account_comes_from_the_named_settings():
    names = ["ACLED_EMAIL", "ACLED_PASSWORD"]
    with pytest.raises(SourceRejected, match="retired its key \\+ email API") as raised:
        account(
            Settings(acled_api_key=SecretStr("old-key-123"), acled_email=None, acled_password=None),
            names,
        )
    assert "old-key" not in raised.value.detail
    with pytest.raises(SourceRejected, match="ACLED_PASSWORD is not set"):
        account(Settings(acled_email=SecretStr("me@x.org"), acled_password=None), names)
    with pytest.raises(InvalidInput, match="names ACLED_EMAIL and ACLED_PASSWORD"):
        account(Settings(), ["IBAT_AUTH_KEY", "ACLED_PASSWORD"])
    both = Settings(acled_email=SecretStr("me@x.org"), acled_password=SecretStr("pw"))
    assert account(both, list(reversed(names))) == ("me@x.org", "pw")


def test_an_acled_entry_that_could_not_work_is_refused_when_saved():
    entry = {
        "name": "ACLED",
        "source_type": "api",
        "target_table": "curated_acled_x",
        "update_strategy": "upsert",
        "key_columns": ["event_id_cnty"],
        "credential_settings": ["ACLED_EMAIL", "ACLED_PASSWORD"],
        "source_config": {"handler": "acled", "start_date": "2020-01-01", "countries": ["Sudan"]},
    }
    settings = Settings(source_allowed_hosts="acleddata.com")
    check_entry(DatasetFields(**entry), settings)
    broken = entry | {
        "update_strategy": "full_replace",
        "key_columns": [],
        "credential_settings": ["ACLED_EMAIL"],
        "source_config": {"handler": "acled", "start_date": "last year", "page_size": 10_000},
    }
    with pytest.raises(InvalidInput) as refused:
        check_entry(DatasetFields(**broken), settings)
    assert {e["field"] for e in refused.value.errors} == {
        "key_columns",
        "credential_settings",
        "source_config",
    }
    with pytest.raises(InvalidInput, match="page_size must be 1..5000"):
        check_entry(
            DatasetFields(
                **entry
                | {
                    "source_config": {
                        "handler": "acled",
                        "start_date": "2020-01-01",
                        "page_size": 0,
                    }
                }
            ),
            settings,
        )


# -- the version rule and the plan ----------------------------------------------------------


def test_the_version_holds_both_stamps_and_the_scope():
    held = Held(1767225600, 1767000000, "0123456789ab")
    assert str(held) == "timestamp=1767225600;deleted_timestamp=1767000000;scope=0123456789ab"
    assert Held.parse(str(held)) == held
    assert Held.parse("2026-12-01") is None and Held.parse(None) is None


def test_the_scope_is_checked_and_its_fingerprint_ignores_the_order_of_countries():
    one = Scope.of("acled", {"start_date": "2020-01-01", "countries": ["Sudan", "Nigeria"]})
    assert (
        one.fingerprint
        == Scope.of(
            "acled", {"start_date": "2020-01-01", "countries": ["Nigeria", "Sudan"]}
        ).fingerprint
    )
    assert one.fingerprint != Scope.of("acled", {"start_date": "2020-01-01"}).fingerprint
    for bad in (
        {"start_date": "01/02/2020"},
        {"start_date": "2020-01-01", "countries": "Sudan"},
        {"start_date": "2020-01-01", "countries": ["Sudan|Chad"]},
    ):
        with pytest.raises(InvalidInput):
            Scope.of("acled", bad)


def test_a_full_load_is_planned_by_month_and_an_increment_by_page():
    planned = months(date(2024, 1, 15), date(2024, 3, 2))
    assert [(m.first, m.last) for m in planned] == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 31)),
    ]
    plan = EventsPlan(
        mode="increment",
        reason="r",
        base_url=BASE,
        credential_settings=[],
        start_date=date(2024, 1, 1),
        countries=["Nigeria", "Sudan"],
        scope="s",
        staging_events="e",
        staging_deleted="d",
        events_since=100,
        deleted_since=50,
        checked_at=0,
    )
    assert filters(planned[1], plan) == {
        "event_date": "2024-02-01|2024-02-29",
        "event_date_where": "BETWEEN",
        "country": "Nigeria|Sudan",
    }
    pages = FetchItem(kind="pages", offset=1, stride=4)
    assert filters(pages, plan) == {
        "timestamp": "100",
        "timestamp_where": ">",
    }  # no country: see revisions leave
    assert filters(FetchItem(kind="deletions"), plan) == {
        "deleted_timestamp": "50",
        "deleted_timestamp_where": ">",
    }
    numbers = page_numbers(pages)
    assert [next(numbers) for _ in range(3)] == [2, 6, 10]
    firsts = page_numbers(planned[0])
    assert [next(firsts) for _ in range(3)] == [1, 2, 3]


# -- the COPY text a page becomes --------------------------------------------------------------


def copied(text: str) -> list[list[str]]:
    """COPY text format read back as PostgreSQL reads it (escapes undone; '' stays '')."""
    unescape = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    rows = []
    for line in text.split("\n")[:-1]:
        rows.append(
            [re.sub(r"\\(.)", lambda m: unescape[m[1]], value) for value in line.split("\t")]
        )
    return rows


def test_pages_become_copy_text_in_field_order_with_separators_escaped():
    sample = events(3)
    sample[2]["notes"] = 'A "quoted", multi-line\r\nnote\twith a tab, a \\ backslash and a lone \r'
    text = as_copy_text(EVENTS, sample)
    assert text.count("\n") == 3 and all(line.count("\t") == 30 for line in text.split("\n")[:-1])
    assert copied(text) == [[e[name] for name in FIELD_NAMES] for e in sample]


def test_odd_values_are_written_value_by_value_and_a_missing_field_is_named():
    odd = events(2)
    odd[0]["fatalities"], odd[0]["tags"], odd[1]["notes"] = 3, None, "a \x1f stand-in\x1e inside"
    assert copied(as_copy_text(EVENTS, odd)) == [
        [str(e[name]) if e[name] is not None else "" for name in FIELD_NAMES] for e in odd
    ]
    assert as_copy_text(EVENTS, []) == ""
    with pytest.raises(ContractViolation, match="lacks the field 'fatalities'"):
        as_copy_text(EVENTS, [{k: v for k, v in odd[1].items() if k != "fatalities"}])
    with pytest.raises(ContractViolation, match="something other than records"):
        as_copy_text(EVENTS, [["NIG1", "2024-01-01"]])


# -- the token session --------------------------------------------------------------------------


class MemoryStore:
    """TokenStore's contract without a database (one task)."""

    def __init__(self, token: Token | None = None):
        self.token = token

    def current(self):
        return self.token

    def first(self, token):
        self.token = self.token or token
        return self.token

    def renew(self, stale, obtain):
        if self.token is not None and self.token.access_token != stale.access_token:
            return self.token, False
        self.token = obtain()
        return self.token, True


def test_a_401_renews_the_token_with_the_refresh_grant_and_a_refused_refresh_signs_in_again():
    seen = []
    tokens = {"access_token": "A2", "refresh_token": "R2", "expires_in": 86400}
    client = client_answering(
        httpx.Response(401),
        httpx.Response(200, json=tokens),
        page([{"n": 1}]),
        httpx.Response(401),
        httpx.Response(400, json={"error": "invalid_grant"}),
        httpx.Response(200, json=tokens | {"access_token": "A3"}),
        page([{"n": 2}]),
        seen=seen,
    )
    store = MemoryStore(Token("A1", "R1", NOW + timedelta(hours=5)))
    signed_in = []
    session = AcledSession(
        client, store, lambda: signed_in.append(1) or ("me@x.org", "pw"), clock=lambda: NOW
    )
    assert session.read("events", {}, page=1) == [{"n": 1}]
    assert (
        parse_qs(seen[1].content.decode())["grant_type"] == ["refresh_token"]
        and store.token.access_token == "A2"
    )
    assert session.read("events", {}, page=2) == [{"n": 2}]
    grants = [parse_qs(r.content.decode())["grant_type"] for r in seen if r.method == "POST"]
    assert (
        grants == [["refresh_token"], ["refresh_token"], ["password"]]
        and store.token.access_token == "A3"
    )
    assert signed_in == [1] and seen[-1].headers["authorization"] == "Bearer A3"


def test_a_token_about_to_expire_is_renewed_before_the_read_and_a_second_401_is_final():
    tokens = {"access_token": "A2", "refresh_token": "R2", "expires_in": 86400}
    client = client_answering(
        httpx.Response(200, json=tokens),
        httpx.Response(401),
        httpx.Response(200, json=tokens | {"access_token": "A3"}),
        httpx.Response(401),
    )
    store = MemoryStore(Token("A1", "R1", NOW + timedelta(seconds=30)))
    session = AcledSession(client, store, lambda: ("me@x.org", "pw"), clock=lambda: NOW)
    with pytest.raises(TokenRejected):
        session.read("events", {}, page=1)
    assert store.token.access_token == "A3"


def test_a_token_another_task_stored_that_ran_out_too_is_renewed_again_not_final():
    """Tasks share the job's token: the one another task stored may itself be spent by the
    time this task reads with it. That 401 renews again; only a fresh token's 401 is final."""
    tokens = {"access_token": "A3", "refresh_token": "R3", "expires_in": 86400}
    client = client_answering(
        httpx.Response(401), httpx.Response(401), httpx.Response(200, json=tokens), page([{"n": 7}])
    )

    class SharedStore(MemoryStore):
        handed = False

        def renew(self, stale, obtain):
            if not self.handed:  # the first renewal finds another task's token, already spent
                self.handed, self.token = True, Token("A2", "R2", NOW + timedelta(hours=5))
                return self.token, False
            return super().renew(stale, obtain)

    store = SharedStore(Token("A1", "R1", NOW + timedelta(hours=5)))
    session = AcledSession(client, store, lambda: ("me@x.org", "pw"), clock=lambda: NOW)
    assert session.read("events", {}, page=1) == [{"n": 7}]
    assert store.token.access_token == "A3"


# -- the style -------------------------------------------------------------------------------------


def test_events_are_circles_coloured_by_type_and_sized_by_fatalities():
    class Entry:
        dataset_id, target_schema, target_table = "acled", "geo", "curated_acled_events"
        name = "ACLED events"
        source_config = {"style": "acled_event_types"}

    style = style_for(Entry(), "https://maps.example.org")
    meta = style["metadata"]
    assert meta["geoetl:property"] == "event_type" and meta["geoetl:size_property"] == "fatalities"
    legend = meta["geoetl:legend"]
    assert len(legend) == 6 and len({entry["color"] for entry in legend}) == 6
    assert style["sources"]["acled"]["url"].endswith(
        "/api/features/collections/curated_acled_events/tilejson.json"
    )
    (_background, layer) = style["layers"]
    assert layer["type"] == "circle" and layer["paint"]["circle-color"][-1] == "#bdc3c7"
    assert layer["source-layer"] == "geo.curated_acled_events"
    radius = layer["paint"]["circle-radius"]
    stops = list(zip(radius[3::2], radius[4::2], strict=False))
    assert stops == [(s["fatalities"], s["radius"]) for s in meta["geoetl:size_legend"]]
    assert [r for _f, r in stops] == sorted(r for _f, r in stops)
