"""The map page in real headless Chromium under the app's Content-Security-Policy: a vector
file loaded through the API opens from its job's detail and is drawn (pixels on the
canvas, properties under a click); a raster switched to is drawn; a curated style renders
with its legend; an H3 aggregation opens from its job as hexagons coloured by a statistic.
WebGL runs on SwiftShader (software), as on a machine without a GPU."""

import io
import os
import time
import uuid
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import pytest
import shapely
from playwright.sync_api import expect, sync_playwright
from rasterio.io import MemoryFile

from tests import h3_samples
from tests.conftest import ADMIN_HEADERS
from tests.raster_samples import dem_float
from tests.support import ROOT, served_app
from tests.vector_samples import written

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BACKGROUND = (238, 242, 243)  # the map's empty background, #eef2f3
SCREENSHOT = ROOT / "docs/images/map.png"


@pytest.fixture(scope="module")
def host(settings, platform):  # `platform` creates the blob containers
    with served_app(
        settings, LOCAL_WORKERS="2", WORKER_POLL_SECONDS="0.1", DASHBOARD_REFRESH_SECONDS="1"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def api(host: str, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{host}{path}", headers=ADMIN_HEADERS, timeout=60, **kwargs)


def finished(host: str, job_id: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = api(host, "GET", f"/api/jobs/status/{job_id}").json()
        if status["status"] in ("completed", "failed", "cancelled"):
            assert status["status"] == "completed", status
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


def submit(host: str, job_type: str, parameters: dict) -> str:
    response = api(host, "POST", f"/api/jobs/submit/{job_type}", json=parameters)
    assert response.status_code in (200, 202), response.text
    return response.json()["job_id"]


def open_page(browser, url: str, strict: bool = True):
    """A tab with the admin key in its sessionStorage. Strict: any console error counts (the
    map page); otherwise script errors and CSP reports only (the dashboard logs its 401s)."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if (strict and m.type == "error") or "Content Security Policy" in m.text
            else None
        ),
    )
    page.add_init_script(
        f"sessionStorage.setItem('geoetl-api-key', {ADMIN_HEADERS['x-functions-key']!r})"
    )
    page.goto(url)
    return page, errors


def drawn_share(page) -> float:
    """The share of the map's pixels that are not its empty background."""
    with MemoryFile(page.get_by_test_id("map").screenshot()) as memory, memory.open() as shot:
        pixels = shot.read()[:3].astype(int)
    background = np.array(BACKGROUND)[:, None, None]
    return float((np.abs(pixels - background).sum(axis=0) > 30).mean())


def click_at(page, lon: float, lat: float) -> None:
    x, y = page.evaluate(
        f"() => {{ const p = window.geoetlMap.project([{lon}, {lat}]); return [p.x, p.y]; }}"
    )
    box = page.get_by_test_id("map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.fixture(scope="module")
def parks(host):
    """A vector file uploaded and loaded as a submitter would: {table, job_id}."""
    frame = gpd.GeoDataFrame(
        {"name": ["north park", "south park"], "visitors": [120, 45]},
        geometry=[shapely.box(10, 10, 14, 14), shapely.box(11, 4, 13, 6)],
        crs="EPSG:4326",
    )
    uploaded = api(
        host,
        "POST",
        "/api/uploads",
        files={"file": ("parks.geojson", written(frame, "GeoJSON", ".geojson"))},
    )
    assert uploaded.status_code == 201, uploaded.text
    table = f"parks_{uuid.uuid4().hex[:6]}"
    job_id = submit(
        host, "process_vector", {"blob_name": uploaded.json()["blob_name"], "table_name": table}
    )
    finished(host, job_id)
    return {"table": table, "job_id": job_id}


def test_a_loaded_file_opens_on_the_map_from_its_job_and_is_drawn(browser, host, parks):
    page, errors = open_page(browser, f"{host}/api/interface/metrics", strict=False)
    card = page.locator(f"[data-testid=job-card][data-job-id='{parks['job_id']}']")
    expect(card).to_be_visible(timeout=15_000)
    card.click()
    link = page.get_by_test_id("outputs").get_by_role("link", name=parks["table"])
    expect(link).to_be_visible(timeout=10_000)
    link.click()

    expect(page.get_by_test_id("map")).to_have_attribute(
        "data-ready", f"vector:{parks['table']}", timeout=30_000
    )
    assert drawn_share(page) > 0.05
    click_at(page, 12, 12)
    expect(page.get_by_test_id("feature-properties")).to_contain_text("north park", timeout=10_000)
    expect(page.get_by_test_id("feature-properties")).to_contain_text("120")

    page.get_by_test_id("report").click()
    expect(page.get_by_test_id("report-body")).to_contain_text("features_written", timeout=10_000)
    page.close()
    assert errors == [], errors


def test_switching_to_a_raster_draws_it(browser, host, parks):
    blob = f"maps-e2e/{uuid.uuid4().hex[:6]}/dem.tif"
    uploaded = api(
        host,
        "POST",
        "/api/uploads",
        files={"file": (blob.rsplit("/", 1)[1], io.BytesIO(dem_float(512)))},
    )
    assert uploaded.status_code == 201, uploaded.text
    result = finished(
        host, submit(host, "process_raster", {"blob_name": uploaded.json()["blob_name"]})
    )["result"]
    raster_id = result["item_id"]

    page, errors = open_page(browser, f"{host}/api/interface/map?layer=vector:{parks['table']}")
    expect(page.get_by_test_id("map")).to_have_attribute(
        "data-ready", f"vector:{parks['table']}", timeout=30_000
    )
    page.locator(f"[data-testid=layer][data-key='raster:{raster_id}']").click()
    expect(page.get_by_test_id("map")).to_have_attribute(
        "data-ready", f"raster:{raster_id}", timeout=30_000
    )
    assert drawn_share(page) > 0.05
    expect(page.get_by_test_id("legend")).to_contain_text("dem")
    page.close()
    assert errors == [], errors


def test_a_curated_style_renders_with_its_legend(browser, host):
    dataset = f"sites_{uuid.uuid4().hex[:6]}"
    created = api(
        host,
        "POST",
        "/api/curated/datasets",
        json={
            "dataset_id": dataset,
            "name": "Test sites",
            "source_type": "manual",
            "update_strategy": "full_replace",
            "source_config": {"handler": "file", "style": "kba_status"},
            "target_table": f"curated_{dataset}",
        },
    )
    assert created.status_code == 201, created.text
    frame = gpd.GeoDataFrame(
        {"site": ["a", "b"], "kba_status": ["confirmed", "proposed"]},
        geometry=[shapely.box(-5, 40, 0, 45), shapely.box(2, 40, 7, 45)],
        crs="EPSG:4326",
    )
    uploaded = api(
        host,
        "POST",
        f"/api/curated/datasets/{dataset}/upload",
        files={"file": ("sites.geojson", written(frame, "GeoJSON", ".geojson"))},
    )
    assert uploaded.status_code == 201, uploaded.text
    finished(
        host, api(host, "POST", f"/api/curated/datasets/{dataset}/update", json={}).json()["job_id"]
    )

    page, errors = open_page(browser, f"{host}/api/interface/curated", strict=False)
    link = page.locator(
        f"[data-testid=dataset][data-dataset-id='{dataset}'] [data-testid=map-link]"
    )
    expect(link).to_be_visible(timeout=15_000)
    link.click()
    expect(page.get_by_test_id("map")).to_have_attribute(
        "data-ready", f"vector:curated_{dataset}", timeout=30_000
    )
    legend = page.get_by_test_id("legend")
    expect(legend).to_contain_text("Confirmed KBA")
    expect(legend).to_contain_text("Proposed KBA")
    with MemoryFile(page.get_by_test_id("map").screenshot()) as memory, memory.open() as shot:
        pixels = shot.read()[:3].reshape(3, -1).T
    confirmed, proposed = np.array([0xC0, 0x39, 0x2B]), np.array([0xF3, 0x9C, 0x12])
    # fill-opacity 0.55 over the light background: the hues of the two classes are both there
    assert _near_blend(pixels, confirmed) and _near_blend(pixels, proposed)
    click_at(page, -2.5, 42.5)
    expect(page.get_by_test_id("feature-properties")).to_contain_text("confirmed", timeout=10_000)
    save_screenshot(page)
    page.close()
    assert errors == [], errors


def test_an_h3_aggregation_opens_from_its_job_as_styled_hexagons(browser, host):
    blob = f"maps-e2e/{uuid.uuid4().hex[:6]}/values.tif"
    uploaded = api(
        host,
        "POST",
        "/api/uploads",
        files={"file": (blob.rsplit("/", 1)[1], io.BytesIO(h3_samples.constant_and_gradient()))},
    )
    assert uploaded.status_code == 201, uploaded.text
    raster = finished(
        host, submit(host, "process_raster", {"blob_name": uploaded.json()["blob_name"]})
    )["result"]
    job_id = submit(
        host, "h3_aggregate", {"raster_id": raster["item_id"], "resolution": 7, "band": 2}
    )
    collection_id = finished(host, job_id)["result"]["collection_id"]

    page, errors = open_page(browser, f"{host}/api/interface/metrics", strict=False)
    card = page.locator(f"[data-testid=job-card][data-job-id='{job_id}']")
    expect(card).to_be_visible(timeout=15_000)
    card.click()
    page.get_by_test_id("outputs").get_by_role("link", name=collection_id).click()
    expect(page.get_by_test_id("map")).to_have_attribute(
        "data-ready", f"h3:{collection_id}", timeout=30_000
    )
    assert drawn_share(page) > 0.05
    expect(page.get_by_test_id("legend")).to_contain_text("mean")
    page.close()
    assert errors == [], errors


def save_screenshot(page) -> None:
    """Kept in docs/ for the README when GEOETL_UPDATE_SCREENSHOT=1; otherwise a temp file."""
    target = (
        SCREENSHOT
        if os.environ.get("GEOETL_UPDATE_SCREENSHOT") == "1"
        else Path("/tmp/geoetl-map.png")
    )
    page.screenshot(path=str(target))


def _near_blend(pixels: np.ndarray, colour: np.ndarray, opacity: float = 0.55) -> bool:
    blend = opacity * colour + (1 - opacity) * np.array([0xF4, 0xF6, 0xF7])
    return bool((np.abs(pixels - blend).sum(axis=1) < 40).mean() > 0.02)
