"""ACLED conflict events through `curated_update` end to end: a local server following
ACLED's contract (tests/fakes/acled.py), real PostGIS/pgSTAC and Azurite, in-process workers."""

import json
from datetime import datetime, timezone
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.engine.worker import WorkerPool
from services.curated.acled.fields import FIELD_NAMES
from tests.acled_samples import events
from tests.conftest import ADMIN_HEADERS, ANONYMOUS
from tests.engine_jobs import registry_with_test_jobs
from tests.fakes.acled import EMAIL, PASSWORD, running_fake_acled
from tests.support import wait_for_status
from triggers.composition import Platform
from triggers.http.app import create_app
from triggers.scheduling import run_scheduled_work

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
COLUMN_TYPES = {
    "id": "bigint",
    "geom": "geometry(Point,4326)",
    "event_id_cnty": "text",
    "event_date": "date",
    "year": "integer",
    "time_precision": "integer",
    "inter1": "integer",
    "inter2": "integer",
    "interaction": "integer",
    "geo_precision": "integer",
    "fatalities": "integer",
    "latitude": "numeric",
    "longitude": "numeric",
    "timestamp": "bigint",
    "timestamp_utc": "timestamp with time zone",
    "notes": "text",
    "iso": "text",
    "disorder_type": "text",
}


@pytest.fixture(scope="module")
def acled():
    with running_fake_acled() as fake:
        yield fake


def acled_settings(engine_settings, fake, **overrides):
    return engine_settings.model_copy(
        update={
            "acled_base_url": fake.base_url,
            "acled_email": SecretStr(EMAIL),
            "acled_password": SecretStr(PASSWORD),
            "http_max_retries": 2,
            "source_allowed_hosts": urlsplit(fake.base_url).netloc,
        }
        | overrides
    )


@pytest.fixture(scope="module")
def acled_platform(engine_settings, platform, acled):  # `platform` creates the test containers
    built = Platform.build(acled_settings(engine_settings, acled), jobs=registry_with_test_jobs())
    yield built
    built.close()


@pytest.fixture()
def api(acled_platform, acled):
    acled.reset()
    pool = WorkerPool(
        acled_platform.engine,
        acled_platform.engine.jobs.handlers,
        acled_platform,
        threads=3,
        heartbeat_seconds=0.3,
        batch_size=50,
        poll_seconds=0.05,
    )
    pool.start()
    with TestClient(create_app(acled_platform), headers=ADMIN_HEADERS) as client:
        yield client
    pool.stop()


def register(api, acled, dataset: str, **config) -> str:
    """An ACLED dataset registered through the API, with its own source_url and table."""
    body = {
        "dataset_id": dataset,
        "name": f"ACLED {dataset}",
        "source_type": "api",
        "source_url": acled.base_url,
        "source_config": {
            "handler": "acled",
            "start_date": "2024-01-01",
            "page_size": 500,
            "style": "acled_event_types",
        }
        | config,
        "update_strategy": "upsert",
        "key_columns": ["event_id_cnty"],
        "credential_settings": ["ACLED_EMAIL", "ACLED_PASSWORD"],
        "target_table": f"curated_{dataset}",
    }
    response = api.post("/api/curated/datasets", json=body)
    assert response.status_code == 201, response.text
    return f"curated_{dataset}"


def update(api, dataset: str, **options) -> dict:
    response = api.post(f"/api/curated/datasets/{dataset}/update", json=options)
    assert response.status_code == 202, response.text
    return wait_for_status(api.app.state.platform, response.json()["job_id"], DONE, timeout=120)


def rows(platform, statement: str, *args) -> list[tuple]:
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(statement, args).fetchall()


def last_log(api, dataset: str) -> dict:
    return api.get(f"/api/curated/datasets/{dataset}/history").json()[0]


def counts(log: dict) -> tuple:
    return (
        log["records_added"],
        log["records_updated"],
        log["records_deleted"],
        log["records_total"],
    )


def source_state(acled) -> set[tuple]:
    return {
        (e["event_id_cnty"], int(e["fatalities"]), int(e["timestamp"]))
        for e in acled.events.values()
    }


def table_state(platform, table: str) -> set[tuple]:
    return set(rows(platform, f'SELECT event_id_cnty, fatalities, "timestamp" FROM geo.{table}'))


def test_a_first_load_is_typed_indexed_catalogued_and_holds_every_event(
    api, acled, acled_platform, tag
):
    table = register(api, acled, f"acled_{tag}")
    acled.add(events(3000, impossible_every=250))
    dry = update(api, f"acled_{tag}", dry_run=True)
    assert dry["status"] == "completed" and dry["result"]["reason"].startswith(
        "dry run: first load"
    )
    assert last_log(api, f"acled_{tag}")["status"] == "skipped" and acled.reads == []
    assert rows(acled_platform, "SELECT to_regclass(%s)", f"geo.{table}") == [(None,)]

    loaded = update(api, f"acled_{tag}")
    assert loaded["status"] == "completed", loaded["error"]
    assert rows(
        acled_platform,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'geo_staging' AND tablename LIKE %s",
        f"s_{loaded['job_id'][:16]}%",
    ) == [(0,)]

    log = last_log(api, f"acled_{tag}")
    assert (log["status"], *counts(log)) == ("completed", 3000, 0, 0, 3000)
    assert log["details"]["mode"] == "full" and log["details"]["events_without_point"] == 12
    assert len(log["details"]["events_without_point_sample"]) == 10
    assert table_state(acled_platform, table) == source_state(acled)
    types = dict(
        rows(
            acled_platform,
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            f"geo.{table}",
        )
    )
    assert {name: types[name] for name in COLUMN_TYPES} == COLUMN_TYPES and len(types) == 34
    assert rows(
        acled_platform, f"SELECT count(*), count(geom), count(DISTINCT id) FROM geo.{table}"
    ) == [(3000, 2988, 3000)]

    # Every field of every event as the source sent it ('' is NULL), and the point from it.
    as_sent = ", ".join(f"coalesce({name}::text, '')" for name in FIELD_NAMES)
    assert set(rows(acled_platform, f"SELECT {as_sent} FROM geo.{table}")) == {
        tuple(e[name] for name in FIELD_NAMES) for e in acled.events.values()
    }
    points = dict(rows(acled_platform, f"SELECT event_id_cnty, ST_AsText(geom) FROM geo.{table}"))
    assert (
        points["SUD1"]
        == f"POINT({float(acled.events['SUD1']['longitude'])} {float(acled.events['SUD1']['latitude'])})"
    )
    assert (points["MMR250"], points["NIG750"], points["UKR500"]) == (
        None,
        None,
        None,
    )  # '' / latitude 123.4567 / -190.5
    assert (
        acled.events["NIG750"]["latitude"] == "123.4567"
        and acled.events["UKR500"]["longitude"] == "-190.5"
    )
    assert rows(
        acled_platform,
        f"SELECT timestamp_utc = to_timestamp(%s) FROM geo.{table} WHERE event_id_cnty = 'SUD1'",
        int(acled.events["SUD1"]["timestamp"]),
    ) == [(True,)]
    assert {e["notes"].count("\r\n") for e in acled.events.values()} == {
        0,
        1,
    }  # line breaks came through
    assert "Demostrations" in {
        r[0] for r in rows(acled_platform, f"SELECT DISTINCT disorder_type FROM geo.{table}")
    }

    indexes = " ".join(
        r[0]
        for r in rows(
            acled_platform,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'geo' AND tablename = %s",
            table,
        )
    )
    for wanted in (
        "UNIQUE INDEX",
        "(event_id_cnty)",
        "(event_date)",
        "(country)",
        "(event_type)",
        "gist (geom)",
        "(id)",
    ):
        assert wanted in indexes, (wanted, indexes)
    assert rows(
        acled_platform,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
        f"geo.{table}",
    ) == [("event_id_cnty",)]

    assert (
        api.get(f"/api/features/collections/{table}", headers=ANONYMOUS).json()["featureCount"]
        == 3000
    )
    features = api.get(f"/api/features/collections/{table}/items?limit=5", headers=ANONYMOUS).json()
    assert (
        features["numberMatched"] == 3000 and features["features"][0]["geometry"]["type"] == "Point"
    )
    item = api.get(f"/api/stac/collections/vectors/items/{table}", headers=ANONYMOUS).json()
    assert (
        item["properties"]["table:row_count"] == 3000
        and item["properties"]["geoetl:geometry_type"] == "Point"
    )
    newest = max(int(e["timestamp"]) for e in acled.events.values())
    assert (
        api.get(f"/api/curated/datasets/acled_{tag}")
        .json()["source_version"]
        .startswith(f"timestamp={newest};deleted_timestamp={newest};scope=")
    )
    assert any(
        r["what"] == "events" and r.get("event_date_where") == "BETWEEN" and r["page"] == "2"
        for r in acled.reads
    )


def test_revisions_deletions_and_additions_are_counted_and_the_table_equals_the_source(
    api, acled, acled_platform, tag
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(2000))
    assert update(api, dataset)["status"] == "completed"
    ids = sorted(acled.events)
    acled.revise(ids[:40], fatalities="77", notes="Revised: a later report.")
    acled.delete(ids[100:125])
    acled.add(acled.stamp_new(events(30, first_number=900_000)))
    acled.fail_next = [503]  # a transient failure on the way: retried
    increment = update(api, dataset)
    assert increment["status"] == "completed", increment["error"]
    log = last_log(api, dataset)
    assert counts(log) == (30, 40, 25, 2005) and log["details"]["mode"] == "increment"
    assert table_state(acled_platform, table) == source_state(acled)
    assert rows(acled_platform, f"SELECT count(*) FROM geo.{table} WHERE fatalities = 77") == [
        (40,)
    ]
    assert (
        api.get(f"/api/features/collections/{table}/items?limit=1").json()["numberMatched"] == 2005
    )
    increment_reads = [
        r for r in acled.reads if r.get("timestamp_where") == ">" and r["limit"] != "1"
    ]
    assert increment_reads and all(
        "event_date" not in r and "country" not in r for r in increment_reads
    )

    before = rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY event_id_cnty")
    unchanged = update(api, dataset)
    assert unchanged["status"] == "completed"
    assert last_log(api, dataset)["status"] == "skipped"
    assert rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY event_id_cnty") == before

    forced = update(api, dataset, force=True)  # a full reload finds the same events: same table
    assert forced["status"] == "completed", forced["error"]
    assert counts(last_log(api, dataset)) == (2005, 0, 2005, 2005)
    assert table_state(acled_platform, table) == source_state(acled)


def test_an_event_read_twice_in_a_full_load_keeps_its_newest_version(
    api, acled, acled_platform, tag
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(400))
    current = acled.events["SUD1"]  # dated 2024-01-01: read with January
    acled.stale = [
        current
        | {
            "event_date": "2024-02-10",
            "fatalities": "99",  # its older version, read with February
            "timestamp": str(int(current["timestamp"]) - 1000),
        }
    ]
    loaded = update(api, dataset)
    assert loaded["status"] == "completed", loaded["error"]
    assert counts(last_log(api, dataset)) == (400, 0, 0, 400)
    assert rows(
        acled_platform,
        f"SELECT event_date::text, fatalities FROM geo.{table} WHERE event_id_cnty = 'SUD1'",
    ) == [(current["event_date"], int(current["fatalities"]))]
    assert rows(
        acled_platform,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
        f"geo.{table}",
    ) == [("event_id_cnty",)]


def test_an_event_revised_out_of_the_scope_is_removed(api, acled, acled_platform, tag):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset, countries=["Nigeria", "Sudan"])
    acled.add(events(600))
    assert update(api, dataset)["status"] == "completed"
    held = {r[0] for r in rows(acled_platform, f"SELECT country FROM geo.{table}")}
    assert held == {"Nigeria", "Sudan"}
    moved = sorted(e["event_id_cnty"] for e in acled.events.values() if e["country"] == "Sudan")[:5]
    acled.revise(moved, country="Chad")
    assert update(api, dataset)["status"] == "completed"
    assert counts(last_log(api, dataset))[2] == 5
    assert rows(
        acled_platform, f"SELECT count(*) FROM geo.{table} WHERE event_id_cnty = ANY(%s)", moved
    ) == [(0,)]


def test_an_expired_token_is_refreshed_mid_job_and_one_sign_in_serves_every_task(
    api, acled, acled_platform, tag
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(2500))
    acled.expire_after_reads = 3  # each token dies after three reads
    loaded = update(api, dataset)
    assert loaded["status"] == "completed", loaded["error"]
    assert acled.password_grants == 1 and acled.refresh_grants >= 2
    assert rows(acled_platform, f"SELECT count(*) FROM geo.{table}") == [(2500,)]
    assert rows(
        acled_platform, "SELECT count(*) FROM app.source_tokens WHERE job_id = %s", loaded["job_id"]
    ) == [(0,)]
    shown = json.dumps(
        [
            api.get(f"/api/jobs/status/{loaded['job_id']}").json(),
            api.get(f"/api/jobs/{loaded['job_id']}/tasks?limit=1000").json(),
            api.get(f"/api/jobs/{loaded['job_id']}/events?limit=1000").json(),
        ]
    )
    assert acled._tokens and not any(token in shown for token in [*acled._tokens, *acled._refresh])
    assert PASSWORD not in shown and EMAIL not in shown


@pytest.mark.parametrize("status", [400, 401])
def test_rejected_credentials_fail_clearly_and_leave_the_table_intact(
    api, acled, acled_platform, tag, status
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(300))
    assert update(api, dataset)["status"] == "completed"
    before = rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY id")
    version = api.get(f"/api/curated/datasets/{dataset}").json()["source_version"]

    acled.add(acled.stamp_new(events(5, first_number=800_000)))
    acled.password, acled.reject_with = "changed-at-the-source", status
    asked = acled.token_requests
    failed = update(api, dataset)
    assert failed["status"] == "failed"
    assert "ACLED rejected the credentials" in failed["error"] and PASSWORD not in failed["error"]
    assert acled.token_requests == asked + 1  # refused once, never retried
    log = last_log(api, dataset)
    assert log["status"] == "failed" and "ACLED rejected the credentials" in log["error"]
    assert rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY id") == before
    assert api.get(f"/api/curated/datasets/{dataset}").json()["source_version"] == version


def test_a_page_the_source_marks_failed_fails_the_job_with_its_message(
    api, acled, acled_platform, tag
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(300))
    assert update(api, dataset)["status"] == "completed"
    before = rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY id")
    acled.garbage_next = [
        "Invalid parameter: event_date_where"
    ]  # the first page a fetch task reads
    failed = update(api, dataset, force=True)
    assert failed["status"] == "failed"
    assert "ACLED reported a failure: Invalid parameter: event_date_where" in failed["error"]
    assert last_log(api, dataset)["status"] == "failed"
    assert rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY id") == before

    acled.revise(sorted(acled.events)[:3], fatalities="9")
    acled.garbage_next = ["Access denied."]  # now the check's own probe
    probed = update(api, dataset)
    assert (
        probed["status"] == "failed"
        and "ACLED reported a failure: Access denied." in probed["error"]
    )
    assert rows(acled_platform, f"SELECT * FROM geo.{table} ORDER BY id") == before


def test_a_value_that_does_not_fit_fails_naming_the_column_and_publishes_nothing(
    api, acled, acled_platform, tag
):
    dataset = f"acled_{tag}"
    table = register(api, acled, dataset)
    acled.add(events(200))
    acled.add([events(1, first_number=99_999)[0] | {"fatalities": "a dozen"}])
    failed = update(api, dataset)
    assert failed["status"] == "failed"
    assert "column fatalities" in failed["error"] and "a dozen" in failed["error"]
    assert rows(acled_platform, "SELECT to_regclass(%s)", f"geo.{table}") == [(None,)]


def test_only_the_retired_api_key_fails_saying_so(engine_settings, platform, acled, tag):
    settings = acled_settings(
        engine_settings,
        acled,
        acled_email=None,
        acled_password=None,
        acled_api_key=SecretStr("old-key-0123456789"),
    )
    built = Platform.build(settings, jobs=registry_with_test_jobs())
    pool = WorkerPool(
        built.engine,
        built.engine.jobs.handlers,
        built,
        threads=1,
        heartbeat_seconds=0.3,
        batch_size=10,
        poll_seconds=0.05,
    )
    pool.start()
    try:
        with TestClient(create_app(built), headers=ADMIN_HEADERS) as client:
            register(client, acled, f"acled_{tag}")
            failed = update(client, f"acled_{tag}")
    finally:
        pool.stop()
        built.close()
    assert failed["status"] == "failed"
    assert (
        "ACLED retired its key + email API" in failed["error"] and "old-key" not in failed["error"]
    )


def test_the_seeded_entry_is_disabled_then_enabled_runs_on_its_twice_weekly_schedule_and_is_styled(
    api, acled, acled_platform
):
    seeded = api.get("/api/curated/datasets/acled").json()
    assert (seeded["enabled"], seeded["update_schedule"], seeded["source_url"]) == (
        False,
        "0 3 * * 1,4",
        None,
    )
    assert (seeded["update_strategy"], seeded["key_columns"]) == ("upsert", ["event_id_cnty"])
    assert seeded["credential_settings"] == ["ACLED_EMAIL", "ACLED_PASSWORD"]
    assert (
        seeded["target_table"] == "curated_acled_events"
        and seeded["source_config"]["handler"] == "acled"
    )

    style = api.get("/api/curated/datasets/acled/style", headers=ANONYMOUS).json()
    assert [entry["value"] for entry in style["metadata"]["geoetl:legend"]] == [
        "Battles",
        "Violence against civilians",
        "Explosions/Remote violence",
        "Riots",
        "Protests",
        "Strategic developments",
    ]
    circle = style["layers"][1]  # after the background
    assert circle["type"] == "circle" and circle["source-layer"] == "geo.curated_acled_events"
    assert circle["paint"]["circle-color"][1] == ["get", "event_type"]
    assert circle["paint"]["circle-radius"][2] == ["coalesce", ["get", "fatalities"], 0]

    # Only ACLED takes part in this schedule run: every other dataset is left as it was.
    with psycopg.connect(acled_platform.settings.dsn) as conn:
        others = [
            r[0]
            for r in conn.execute(
                "UPDATE app.curated_datasets SET enabled = false WHERE enabled RETURNING dataset_id"
            ).fetchall()
        ]
        conn.execute(
            'UPDATE app.curated_datasets SET source_config = source_config || \'{"start_date": "2024-01-01"}\','
            " last_checked_at = '2026-03-01T00:00:00Z' WHERE dataset_id = 'acled'"
        )
    try:
        acled.add(events(400))
        assert api.post("/api/curated/datasets/acled/enable").json()["enabled"] is True
        thursday = datetime(2026, 3, 5, 3, 30, tzinfo=timezone.utc)
        submitted = run_scheduled_work(acled_platform, thursday)
        assert len(submitted) == 1 and submitted[0].created
        job = wait_for_status(acled_platform, submitted[0].job_id, DONE, timeout=120)
        assert job["status"] == "completed", job["error"]
        assert job["parameters"]["scheduled_for"].startswith("2026-03-05T03:00")
        assert rows(acled_platform, "SELECT count(*) FROM geo.curated_acled_events") == [(400,)]
        assert (
            run_scheduled_work(acled_platform, thursday.replace(hour=23)) == []
        )  # nothing due until Monday
    finally:
        with psycopg.connect(acled_platform.settings.dsn) as conn:
            conn.execute(
                "UPDATE app.curated_datasets SET enabled = false WHERE dataset_id = 'acled'"
            )
            conn.execute(
                "UPDATE app.curated_datasets SET enabled = true WHERE dataset_id = ANY(%s)",
                (others,),
            )
