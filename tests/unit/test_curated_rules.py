"""Curated datasets without services: schedules, registry payloads, styles, HTTP retries, IBAT listing."""

from datetime import datetime, timezone

import httpx
import pytest
from pydantic import ValidationError

from core.errors import ContractViolation, DependencyUnavailable, NotFound, SourceRejected
from core.models.curated import CuratedDataset, DatasetCreate
from infrastructure.http.ibat import IbatClient
from infrastructure.http.retrying import send_with_retries
from services.curated.schedule import due_fire_time
from services.curated.styles import style_for

UTC = timezone.utc


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "baseline,now,expected",
    [
        (at(20, 3), at(21, 1), None),  # before tonight's 02:00
        (at(20, 3), at(21, 2, 30), at(21, 2)),  # tonight's fire time passed
        (at(21, 2), at(21, 2, 30), None),  # already checked at that fire time
        (at(17, 3), at(21, 2, 30), at(21, 2)),  # three missed nights: one job, for the latest
    ],
)
def test_a_dataset_is_due_once_for_the_latest_missed_fire_time(baseline, now, expected):
    assert due_fire_time("0 2 * * *", baseline, now) == expected


def payload(**overrides) -> dict:
    return {
        "dataset_id": "acled",
        "name": "ACLED events",
        "source_type": "url",
        "source_url": "https://example.org/acled.zip",
        "update_strategy": "upsert",
        "key_columns": ["event_id"],
        "update_schedule": "0 6 * * 1,4",
        "target_table": "curated_acled_events",
    } | overrides


def test_a_valid_registry_entry():
    entry = DatasetCreate(**payload())
    assert entry.target_schema == "geo" and entry.job_type == "curated_update"


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"update_schedule": "every night"}, "not a valid cron expression"),
        ({"target_table": "acled"}, "starting with 'curated_'"),
        ({"target_table": "curated_x; DROP TABLE app.jobs"}, "starting with 'curated_'"),
        ({"dataset_id": "ACLED"}, "lowercase identifier"),
        ({"key_columns": []}, "needs key_columns"),
        ({"credential_settings": ["s3cr3t-value"]}, "setting NAMES"),
        ({"source_url": None}, "needs source_url"),
    ],
)
def test_invalid_registry_entries_are_refused_with_the_reason(overrides, message):
    with pytest.raises(ValidationError, match=message):
        DatasetCreate(**payload(**overrides))


def dataset(style: str | None) -> CuratedDataset:
    now = datetime.now(UTC)
    return CuratedDataset(
        **payload(source_config={"style": style} if style else {}), created_at=now, updated_at=now
    )


def test_styles_colour_by_iucn_category_and_have_a_legend():
    style = style_for(dataset("iucn_categories"), "https://maps.example.org/")
    legend = style["metadata"]["geoetl:legend"]
    assert [entry["value"] for entry in legend][:3] == ["Ia", "Ib", "II"] and len(legend) == 10
    fill = next(layer for layer in style["layers"] if layer["type"] == "fill")
    assert fill["paint"]["fill-color"][:4] == ["match", ["get", "iucn_cat"], "Ia", "#004d1a"]
    assert {layer["type"] for layer in style["layers"]} == {"background", "fill", "line", "circle"}
    # a complete MapLibre style: only the keys the style specification knows at its root
    assert (
        set(style) <= {"version", "name", "metadata", "sources", "layers"} and style["version"] == 8
    )
    source = style["sources"][fill["source"]]
    assert source["type"] == "vector" and source["url"].startswith(
        "https://maps.example.org/api/features/collections/"
    )
    with pytest.raises(NotFound, match="has no style"):
        style_for(dataset(None), "")


def transport(*answers: httpx.Response) -> httpx.Client:
    queue = list(answers)
    return httpx.Client(transport=httpx.MockTransport(lambda request: queue.pop(0)))


def test_429_and_5xx_are_retried_with_backoff_then_answered():
    client, slept = (
        transport(
            httpx.Response(429, headers={"retry-after": "3"}),
            httpx.Response(503),
            httpx.Response(200, json={}),
        ),
        [],
    )
    response = send_with_retries(
        lambda: client.get("https://ibat.test/x"), what="IBAT", max_retries=4, sleep=slept.append
    )
    assert response.status_code == 200
    assert slept[0] == 3 and len(slept) == 2


def test_401_is_final_and_persistent_5xx_gives_up():
    with pytest.raises(SourceRejected, match="401 Unauthorized — check the credentials"):
        send_with_retries(
            lambda: transport(httpx.Response(401)).get("https://ibat.test/x"),
            what="IBAT",
            max_retries=4,
        )
    client = transport(*[httpx.Response(502)] * 3)
    with pytest.raises(DependencyUnavailable, match="still 502 after 2 retries"):
        send_with_retries(
            lambda: client.get("https://ibat.test/x"),
            what="IBAT",
            max_retries=2,
            sleep=lambda _: None,
        )


def test_ibat_listing_gives_the_release_of_a_dataset():
    body = {
        "data": [
            {
                "dataset": "WDPA",
                "update_date": "2026-11-01",
                "download_url": "https://dl.test/wdpa.zip",
            },
            {
                "dataset": "kba",
                "update_date": "2026-09-15",
                "download_url": "https://dl.test/kba.zip",
            },
        ]
    }
    client = IbatClient("https://ibat.test/v1", "k", "t", transport(httpx.Response(200, json=body)))
    release = client.latest_release("wdpa")
    assert (release.version, release.download_url) == ("2026-11-01", "https://dl.test/wdpa.zip")
    with pytest.raises(NotFound, match="available: WDPA, kba"):
        IbatClient(
            "https://ibat.test/v1", "k", "t", transport(httpx.Response(200, json=body))
        ).latest_release("acled")
    with pytest.raises(ContractViolation, match="did not answer JSON"):
        IbatClient(
            "https://ibat.test/v1", "k", "t", transport(httpx.Response(200, text="<html>"))
        ).latest_release("wdpa")
