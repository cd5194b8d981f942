"""The `curated_update` job end to end: a local server following the IBAT contract,
real PostGIS/pgSTAC and Azurite, in-process workers; plus manual uploads and the nightly path."""

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.engine.worker import WorkerPool
from tests.conftest import ADMIN_HEADERS, ANONYMOUS
from tests.curated_samples import admin0, kbas, sites, wdpa_current, wdpa_legacy
from tests.engine_jobs import registry_with_test_jobs
from tests.fakes.ibat import KEY, TOKEN, running_fake_ibat
from tests.support import reading_continuously, wait_for_status
from triggers.composition import Platform
from triggers.http.app import create_app
from triggers.scheduling import run_scheduled_work

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
WDPA_COLUMNS = [
    "id",
    "geom",
    "site_id",
    "site_pid",
    "site_type",
    "name_eng",
    "name",
    "desig",
    "desig_eng",
    "desig_type",
    "iucn_cat",
    "int_crit",
    "realm",
    "rep_m_area",
    "gis_m_area",
    "rep_area",
    "gis_area",
    "no_take",
    "no_tk_area",
    "status",
    "status_yr",
    "gov_type",
    "own_type",
    "mang_auth",
    "mang_plan",
    "verif",
    "metadataid",
    "sub_loc",
    "prnt_iso3",
    "iso3",
    "supp_info",
    "cons_obj",
]


@pytest.fixture(scope="module")
def ibat():
    with running_fake_ibat() as fake:
        yield fake


@pytest.fixture(scope="module")
def curated_platform(engine_settings, platform, ibat):  # `platform` creates the test containers
    own = engine_settings.model_copy(
        update={
            "ibat_base_url": f"{ibat.base_url}/v1",
            "ibat_auth_key": SecretStr(KEY),
            "ibat_auth_token": SecretStr(TOKEN),
            "http_max_retries": 2,
            "source_allowed_hosts": urlsplit(ibat.base_url).netloc,
        }
    )
    built = Platform.build(own, jobs=registry_with_test_jobs())
    yield built
    built.close()


@pytest.fixture()
def api(curated_platform, ibat):
    """The API of a platform pointed at the fake IBAT, with its own workers."""
    ibat.releases.clear(), ibat.files.clear(), ibat.fail_next.clear()
    pool = WorkerPool(
        curated_platform.engine,
        curated_platform.engine.jobs.handlers,
        curated_platform,
        threads=3,
        heartbeat_seconds=0.3,
        batch_size=50,
        poll_seconds=0.05,
    )
    pool.start()
    with TestClient(create_app(curated_platform), headers=ADMIN_HEADERS) as client:
        yield client
    pool.stop()


def register(api, admin_headers, dataset_id: str, **fields) -> dict:
    body = {
        "dataset_id": dataset_id,
        "name": f"test {dataset_id}",
        "source_type": "api",
        "source_config": {"dataset": dataset_id},
        "credential_settings": ["IBAT_AUTH_KEY", "IBAT_AUTH_TOKEN"],
        "target_table": f"curated_{dataset_id}",
    } | fields
    response = api.post("/api/curated/datasets", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


def update(api, admin_headers, dataset_id: str, **options) -> dict:
    response = api.post(
        f"/api/curated/datasets/{dataset_id}/update", json=options, headers=admin_headers
    )
    assert response.status_code == 202, response.text
    return wait_for_status(api.app.state.platform, response.json()["job_id"], DONE, timeout=60)


def rows(platform, statement: str, *args) -> list[tuple]:
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(statement, args).fetchall()


def columns_of(platform, table: str) -> list[str]:
    return [
        r[0]
        for r in rows(
            platform,
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            f"geo.{table}",
        )
    ]


def last_log(api, dataset_id: str) -> dict:
    return api.get(f"/api/curated/datasets/{dataset_id}/history").json()[0]


def stage_statuses(platform, job_id: str) -> dict[str, str]:
    return dict(
        rows(
            platform,
            "SELECT name, status FROM app.job_stages WHERE job_id = %s ORDER BY stage",
            job_id,
        )
    )


# -- WDPA through IBAT ----------------------------------------------------------------------


def test_wdpa_loads_then_skips_an_unchanged_release_then_replaces_it_under_readers(
    api, ibat, curated_platform, admin_headers
):
    table = "curated_wdpa_protected_areas"
    ibat.releases["wdpa"], ibat.files["wdpa"] = "2026-12-01", wdpa_current(polygons=3, points=2)
    first = update(api, admin_headers, "wdpa")
    assert first["status"] == "completed", first["error"]
    assert columns_of(curated_platform, table) == WDPA_COLUMNS
    assert rows(
        curated_platform,
        f"SELECT GeometryType(geom), count(*) FROM geo.{table} GROUP BY 1 ORDER BY 1",
    ) == [("MULTIPOINT", 2), ("MULTIPOLYGON", 3)]
    assert rows(
        curated_platform,
        f"SELECT site_id, site_type, realm, gis_area FROM geo.{table} WHERE site_id IN (101, 104) "
        "ORDER BY site_id",
    ) == [(101, "PA", "Marine", 0.25), (104, "OECM", "Marine", None)]
    entry = api.get("/api/curated/datasets/wdpa").json()
    assert entry["source_version"] == "2026-12-01" and entry["last_job_id"] == first["job_id"]
    log = last_log(api, "wdpa")
    assert (log["status"], log["records_added"], log["records_total"], log["source_version"]) == (
        "completed",
        5,
        5,
        "2026-12-01",
    )
    assert api.get(f"/api/stac/collections/vectors/items/{table}").status_code == 200
    assert api.get(f"/api/features/collections/{table}").json()["featureCount"] == 5
    assert rows(
        curated_platform,
        "SELECT count(*) FROM geo.table_metadata WHERE table_name LIKE 'incoming_%%'",
    ) == [(0,)]

    downloads, loaded = (
        ibat.listing_calls,
        rows(curated_platform, f"SELECT * FROM geo.{table} ORDER BY id"),
    )
    skipped = update(api, admin_headers, "wdpa")
    assert skipped["status"] == "completed"
    assert set(stage_statuses(curated_platform, skipped["job_id"]).values()) == {
        "completed",
        "skipped",
    }
    assert stage_statuses(curated_platform, skipped["job_id"])["finalize"] == "skipped"
    assert last_log(api, "wdpa")["status"] == "skipped" and ibat.listing_calls == downloads + 1
    assert rows(curated_platform, f"SELECT * FROM geo.{table} ORDER BY id") == loaded
    assert (
        api.get("/api/curated/datasets/wdpa").json()["last_updated_at"] == entry["last_updated_at"]
    )

    ibat.releases["wdpa"], ibat.files["wdpa"] = (
        "2026-12-15",
        wdpa_current(polygons=6, points=3, first_id=200),
    )
    with reading_continuously(
        curated_platform.settings.dsn, f"SELECT count(*) FROM geo.{table}"
    ) as reader:
        second = update(api, admin_headers, "wdpa")
    assert second["status"] == "completed", second["error"]
    assert reader.errors == [] and reader.values <= {5, 9} and 5 in reader.values
    assert rows(curated_platform, f"SELECT count(*), min(site_id) FROM geo.{table}") == [(9, 200)]
    log = last_log(api, "wdpa")
    assert (log["records_added"], log["records_deleted"], log["records_total"]) == (9, 5, 9)


def test_old_and_new_wdpa_field_names_land_in_the_same_target_schema(
    api, ibat, curated_platform, admin_headers, tag
):
    dataset = f"wdpa_{tag}"
    register(
        api, admin_headers, dataset, source_config={"handler": "ibat_wdpa", "dataset": dataset}
    )
    table = f"curated_{dataset}"
    same_sites = (
        "SELECT site_id, site_pid, site_type, name_eng, name, iucn_cat, realm, rep_area, gis_area, status_yr, "
        f"prnt_iso3, iso3, ST_AsText(geom) FROM geo.{table} ORDER BY site_id"
    )

    ibat.releases[dataset], ibat.files[dataset] = "2026-12-01", wdpa_current()
    current = update(api, admin_headers, dataset)
    assert current["status"] == "completed", current["error"]
    assert current["result"]["source_schema"] == "current (from November 2025)"
    loaded_from_current = rows(curated_platform, same_sites)

    ibat.releases[dataset], ibat.files[dataset] = "2025-10-01", wdpa_legacy()
    legacy = update(api, admin_headers, dataset)
    assert legacy["status"] == "completed", legacy["error"]
    assert legacy["result"]["source_schema"] == "pre-November 2025"
    assert columns_of(curated_platform, table) == WDPA_COLUMNS
    assert rows(curated_platform, same_sites) == loaded_from_current
    assert {r[2] for r in loaded_from_current} == {"PA", "OECM"}
    assert {r[6] for r in loaded_from_current} == {"Terrestrial", "Coastal", "Marine"}
    assert loaded_from_current[0][:5] == (100, "100_A", "OECM", "Park 100", "Parc 100")


def test_kbas_are_mapped_with_a_lowercase_status_and_a_dry_run_changes_nothing(
    api, ibat, curated_platform, admin_headers
):
    ibat.releases["kba"], ibat.files["kba"] = "2026-09-15", kbas(3)
    dry = update(api, admin_headers, "kba", dry_run=True)
    assert (
        dry["status"] == "completed"
        and stage_statuses(curated_platform, dry["job_id"])["download"] == "skipped"
    )
    assert last_log(api, "kba")["status"] == "skipped"
    assert rows(curated_platform, "SELECT to_regclass('geo.curated_kbas')") == [(None,)]

    loaded = update(api, admin_headers, "kba")
    assert loaded["status"] == "completed", loaded["error"]
    assert rows(
        curated_platform,
        "SELECT sit_rec_id, nat_name, int_name, iso3, kba_status, kba_class, sit_area_km2 "
        "FROM geo.curated_kbas ORDER BY sit_rec_id",
    ) == [
        (1, "Msitu 0", "Forest 0", "KEN", "confirmed", "Global", 10.0),
        (2, "Msitu 1", "Forest 1", "KEN", "proposed", "Global", 20.0),
        (3, "Msitu 2", "Forest 2", "KEN", "delisted", "Global", 30.0),
    ]
    style = api.get("/api/curated/datasets/kba/style").json()
    assert {entry["value"] for entry in style["metadata"]["geoetl:legend"]} == {
        "confirmed",
        "proposed",
        "delisted",
    }
    tiles = api.get(style["sources"]["kba"]["url"]).json()["tiles"][
        0
    ]  # the style's source serves the table
    assert tiles.split("/api/")[1].startswith(
        "features/collections/curated_kbas/tiles/WebMercatorQuad/"
    )


def test_rejected_credentials_fail_the_job_with_a_clear_message(
    api, ibat, curated_platform, admin_headers, tag
):
    dataset = f"denied_{tag}"
    register(api, admin_headers, dataset)
    ibat.releases[dataset], ibat.fail_next = "2026-12-01", [401]
    failed = update(api, admin_headers, dataset)
    assert failed["status"] == "failed"
    assert "IBAT data-downloads: 401 Unauthorized — check the credentials" in failed["error"]
    assert KEY not in failed["error"] and TOKEN not in failed["error"]
    log = last_log(api, dataset)
    assert log["status"] == "failed" and "401" in log["error"]
    assert api.get(f"/api/curated/datasets/{dataset}").json()["source_version"] is None


def test_rate_limited_listing_is_retried_then_loads(
    api, ibat, curated_platform, admin_headers, tag
):
    dataset = f"busy_{tag}"
    register(api, admin_headers, dataset, source_config={"handler": "ibat_kba", "dataset": dataset})
    ibat.releases[dataset], ibat.files[dataset], ibat.fail_next = "2026-12-01", kbas(2), [429, 429]
    calls = ibat.listing_calls
    loaded = update(api, admin_headers, dataset)
    assert loaded["status"] == "completed", loaded["error"]
    assert ibat.listing_calls == calls + 3
    assert rows(curated_platform, f"SELECT count(*) FROM geo.curated_{dataset}") == [(2,)]


def test_a_corrupt_download_fails_the_job_and_keeps_the_previous_table(
    api, ibat, curated_platform, admin_headers, tag
):
    dataset = f"corrupt_{tag}"
    register(
        api, admin_headers, dataset, source_config={"handler": "ibat_wdpa", "dataset": dataset}
    )
    ibat.releases[dataset], ibat.files[dataset] = "2026-12-01", wdpa_current()
    assert update(api, admin_headers, dataset)["status"] == "completed"
    before = rows(curated_platform, f"SELECT * FROM geo.curated_{dataset} ORDER BY id")

    intact = wdpa_current(polygons=8)
    ibat.releases[dataset], ibat.files[dataset] = "2026-12-15", intact[: len(intact) // 2]
    failed = update(api, admin_headers, dataset)
    assert failed["status"] == "failed"
    assert stage_statuses(curated_platform, failed["job_id"])["inspect"] == "failed"
    assert "zip" in failed["error"].lower()
    assert rows(curated_platform, f"SELECT * FROM geo.curated_{dataset} ORDER BY id") == before
    assert api.get(f"/api/curated/datasets/{dataset}").json()["source_version"] == "2026-12-01"
    assert last_log(api, dataset)["status"] == "failed"


def test_upsert_adds_new_keys_and_updates_changed_ones(
    api, ibat, curated_platform, admin_headers, tag
):
    dataset = f"sites_{tag}"
    register(api, admin_headers, dataset, update_strategy="upsert", key_columns=["site_code"])
    table = f"curated_{dataset}"
    ibat.releases[dataset], ibat.files[dataset] = (
        "v1",
        sites(["A", "B", "C"], ["alpha", "beta", "gamma"]),
    )
    first = update(api, admin_headers, dataset)
    assert first["status"] == "completed", first["error"]
    assert (first["result"]["records_added"], first["result"]["records_total"]) == (3, 3)

    ibat.releases[dataset], ibat.files[dataset] = (
        "v2",
        sites(["B", "C", "D"], ["beta renamed", "gamma", "delta"]),
    )
    second = update(api, admin_headers, dataset)
    assert second["status"] == "completed", second["error"]
    log = last_log(api, dataset)
    assert (
        log["records_added"],
        log["records_updated"],
        log["records_deleted"],
        log["records_total"],
    ) == (1, 1, 0, 4)
    assert rows(
        curated_platform, f"SELECT site_code, label FROM geo.{table} ORDER BY site_code"
    ) == [("A", "alpha"), ("B", "beta renamed"), ("C", "gamma"), ("D", "delta")]
    assert rows(curated_platform, f"SELECT count(DISTINCT id) FROM geo.{table}") == [(4,)]
    assert api.get(f"/api/features/collections/{table}").json()["featureCount"] == 4

    ibat.releases[dataset], ibat.files[dataset] = (
        "v3",
        sites(["E"], ["epsilon"], rank=[7]),
    )  # a new column
    third = update(api, admin_headers, dataset)
    assert third["status"] == "completed", third["error"]
    assert rows(
        curated_platform,
        f"SELECT site_code, rank FROM geo.{table} WHERE site_code IN ('A', 'E') ORDER BY site_code",
    ) == [("A", None), ("E", 7)]


# -- manual datasets and the nightly path -----------------------------------------------------


def test_a_manual_admin0_upload_then_trigger_loads_it(api, curated_platform, admin_headers):
    data = admin0(3)
    assert (
        api.post(
            "/api/curated/datasets/admin0/upload",
            files={"file": ("ne.zip", data)},
            headers=ANONYMOUS,
        ).status_code
        == 401
    )
    refused = api.post(
        "/api/curated/datasets/wdpa/upload", files={"file": ("ne.zip", data)}, headers=admin_headers
    )
    assert refused.status_code == 409
    assert (
        api.post(
            "/api/curated/datasets/admin0/upload",
            files={"file": ("x.zip", b"not a zip")},
            headers=admin_headers,
        ).status_code
        == 422
    )

    uploaded = api.post(
        "/api/curated/datasets/admin0/upload",
        files={"file": ("ne_110m_admin_0_countries.zip", data)},
        headers=admin_headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["blob_name"].startswith("curated/admin0/uploads/") and body["format"] == "shapefile"
    loaded = update(api, admin_headers, "admin0")
    assert loaded["status"] == "completed", loaded["error"]
    assert rows(curated_platform, "SELECT admin, iso_a3 FROM geo.curated_admin0 ORDER BY id") == [
        ("Country 0", "C00"),
        ("Country 1", "C01"),
        ("Country 2", "C02"),
    ]
    assert (
        api.get("/api/curated/datasets/admin0").json()["source_version"] == body["uploaded_version"]
    )
    assert update(api, admin_headers, "admin0")["status"] == "completed"
    assert last_log(api, "admin0")["status"] == "skipped"  # the same file again
    forced = update(api, admin_headers, "admin0", force=True)
    assert forced["status"] == "completed" and last_log(api, "admin0")["status"] == "completed"


@pytest.fixture()
def only_our_schedule(engine_platform, tag):
    """A manual dataset with a nightly schedule, the only scheduled one while the test runs."""
    dataset = f"nightly_{tag}"
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        enabled = [
            r[0]
            for r in conn.execute(
                "UPDATE app.curated_datasets SET enabled = false WHERE enabled RETURNING dataset_id"
            ).fetchall()
        ]
        conn.execute(
            "INSERT INTO app.curated_datasets (dataset_id, name, source_type, source_config, update_schedule, "
            "target_table) VALUES (%s, 'nightly test', 'manual', '{}', '0 2 * * *', %s)",
            (dataset, f"curated_{dataset}"),
        )
    yield dataset
    with psycopg.connect(engine_platform.settings.dsn) as conn:
        conn.execute(
            "UPDATE app.curated_datasets SET enabled = true WHERE dataset_id = ANY(%s)", (enabled,)
        )


def test_the_nightly_scheduler_submits_one_job_that_runs_end_to_end(
    engine_platform, platform, workers, only_our_schedule, admin_headers
):
    dataset = only_our_schedule
    with TestClient(create_app(engine_platform), headers=ADMIN_HEADERS) as client:
        uploaded = client.post(
            f"/api/curated/datasets/{dataset}/upload",
            files={"file": ("countries.zip", admin0(2))},
            headers=admin_headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        tonight = datetime.now(timezone.utc).replace(
            hour=2, minute=30, second=0, microsecond=0
        ) + timedelta(days=1)
        workers(threads=2)
        submitted = run_scheduled_work(engine_platform, tonight)
        assert len(submitted) == 1 and submitted[0].created
        assert (
            run_scheduled_work(engine_platform, tonight + timedelta(minutes=1)) == []
        )  # a re-fired timer
        job = wait_for_status(engine_platform, submitted[0].job_id, DONE, timeout=60)
        assert job["status"] == "completed", job["error"]
        assert job["parameters"]["update_type"] == "scheduled"
        assert rows(engine_platform, f"SELECT count(*) FROM geo.curated_{dataset}") == [(2,)]
        log = client.get(f"/api/curated/datasets/{dataset}/history").json()[0]
        assert (log["update_type"], log["status"], log["records_total"]) == (
            "scheduled",
            "completed",
            2,
        )


def test_the_curated_page_lists_datasets_with_version_last_update_and_status(
    api, ibat, admin_headers, tag
):
    dataset = f"paged_{tag}"
    register(api, admin_headers, dataset, source_config={"handler": "ibat_kba", "dataset": dataset})
    ibat.releases[dataset], ibat.files[dataset] = "2026-12-24", kbas(1)
    assert update(api, admin_headers, dataset)["status"] == "completed"

    page = api.get("/api/interface/curated")
    assert page.status_code == 200 and 'hx-get="/api/interface/curated/datasets"' in page.text
    assert "/api/interface/static/curated.js" in page.text and "dashboard.js" not in page.text
    table = api.get("/api/interface/curated/datasets").text
    row = table.split(f'data-dataset-id="{dataset}"')[1].split("</tr>")[0]
    assert "2026-12-24" in row and "badge-completed" in row and 'data-action="update"' in row
    assert 'data-action="upload"' not in row  # api sources take no uploads
    admin_row = table.split('data-dataset-id="admin0"')[1].split("</tr>")[0]
    assert 'data-action="upload"' in admin_row
