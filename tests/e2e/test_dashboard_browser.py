"""The dashboard in real headless Chromium (Debian's), driven by Playwright: live progress
from 0 to 100 %, the detail view, a failed job's error, filters, pause and cancel."""

import os
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import ADMIN_HEADERS
from tests.engine_jobs import TEST_TABLES
from tests.support import ROOT, served_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "docs/images/dashboard.png"


@pytest.fixture(scope="module")
def host(settings):
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(TEST_TABLES)
    with served_app(
        settings,
        "tests.serve_with_test_jobs",
        LOCAL_WORKERS="1",
        WORKER_BATCH_SIZE="1",
        METRICS_SAMPLE_INTERVAL="0.5",
        DASHBOARD_REFRESH_SECONDS="0.5",
        HEARTBEAT_SECONDS="0.5",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def reader_key(host):
    created = httpx.post(
        f"{host}/api/admin/keys",
        json={"name": f"dash-{uuid.uuid4().hex[:8]}", "role": "reader"},
        headers=ADMIN_HEADERS,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return created.json()["key"]


def console_error(message) -> bool:
    """CSP violations and script errors (htmx logs e.g. evalDisallowedError); an HTTP error
    answer the page expects (401 before a key is typed) is not one."""
    return (
        message.type == "error" and "Failed to load resource" not in message.text
    ) or "Content Security Policy" in message.text


def open_page(browser, url: str, key: str | None, height: int = 820):
    """A new tab whose sessionStorage holds `key` (as if typed into the API key field)."""
    page = browser.new_page(viewport={"width": 1300, "height": height})
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.on(
        "console", lambda message: errors.append(message.text) if console_error(message) else None
    )
    if key:
        page.add_init_script(f"sessionStorage.setItem('geoetl-api-key', {key!r})")
    page.goto(url)
    return page, errors


@pytest.fixture()
def page(browser, host):
    page, errors = open_page(
        browser, f"{host}/api/interface/metrics", ADMIN_HEADERS["x-functions-key"]
    )
    yield page
    page.close()
    assert errors == [], f"JavaScript errors: {errors}"


def submit(host: str, job_type: str, parameters: dict) -> str:
    response = httpx.post(
        f"{host}/api/jobs/submit/{job_type}", json=parameters, headers=ADMIN_HEADERS, timeout=30
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def card(page, job_id: str):
    return page.locator(f"[data-testid=job-card][data-job-id='{job_id}']")


def test_a_multi_stage_job_goes_from_0_to_100_percent(page, host):
    job_id = submit(host, "hello_world", {"n": 1500, "message": uuid.uuid4().hex})
    expect(card(page, job_id)).to_be_visible(timeout=10_000)
    seen = []
    deadline = time.monotonic() + 120
    while card(page, job_id).get_attribute("data-status") != "completed":
        assert time.monotonic() < deadline, (
            f"still {card(page, job_id).get_attribute('data-status')}; saw {seen}"
        )
        seen.append(float(card(page, job_id).get_by_test_id("percent").inner_text().rstrip("%")))
        page.wait_for_timeout(200)
    expect(card(page, job_id).get_by_test_id("percent")).to_have_text("100.0%")
    expect(card(page, job_id).get_by_test_id("stage")).to_have_text("Stage 3/3: summarize")
    assert seen and min(seen) < 50 and seen == sorted(seen), seen
    assert any(0 < p < 100 for p in seen), f"never saw the job mid-way: {seen}"

    card(page, job_id).click()
    detail = page.locator(f"[data-testid=detail][data-job-id='{job_id}']")
    expect(detail).to_be_visible()
    expect(detail.get_by_test_id("stages").locator("tbody tr")).to_have_count(3)
    expect(detail.get_by_test_id("events")).to_contain_text("job_finished")


def test_a_failed_job_stands_out_with_its_error(page, host):
    job_id = submit(host, "test_poison_strict", {"n": 3, "tag": uuid.uuid4().hex})
    failed = card(page, job_id)
    expect(failed).to_have_attribute("data-status", "failed", timeout=30_000)
    expect(failed).to_have_class("card status-failed")
    expect(failed.get_by_test_id("error")).to_contain_text("RuntimeError: poisoned item 0")
    failed.click()
    expect(page.get_by_test_id("failed-tasks")).to_contain_text("poisoned item 0")

    page.get_by_test_id("status-filter").select_option("failed")
    expect(page.locator("[data-testid=job-card]").first).to_have_attribute("data-status", "failed")
    statuses = page.locator("[data-testid=job-card]").evaluate_all(
        "cards => cards.map(c => c.dataset.status)"
    )
    assert set(statuses) == {"failed"}


def test_without_a_key_the_page_asks_for_one_and_shows_nothing(browser, host):
    page, errors = open_page(browser, f"{host}/api/interface/metrics", None)
    expect(page.get_by_test_id("key-notice")).to_contain_text("enter an API key", timeout=10_000)
    expect(page.locator("[data-testid=job-card]")).to_have_count(0)
    page.close()
    assert errors and all(
        "Error Code 401" in error for error in errors
    )  # refused, as it should be: nothing else


def test_pause_stops_refreshing_and_cancel_needs_more_than_a_reader(
    browser, host, reader_key, admin_headers
):
    job_id = submit(host, "test_spans", {"n": 20, "sleep_ms": 1500, "tag": uuid.uuid4().hex})
    page, errors = open_page(browser, f"{host}/api/interface/metrics", None)
    page.get_by_test_id("api-key").fill(reader_key)
    page.get_by_test_id("api-key").dispatch_event("change")
    expect(card(page, job_id)).to_be_visible(timeout=10_000)

    page.get_by_test_id("pause").click()
    page.wait_for_timeout(300)  # let a refresh already in flight land
    frozen = card(page, job_id).inner_html()
    page.wait_for_timeout(2500)
    assert card(page, job_id).inner_html() == frozen
    page.get_by_test_id("pause").click()

    card(page, job_id).click()
    page.get_by_test_id("cancel").click()
    expect(page.locator("#flash")).to_contain_text("failed: this route needs the submitter role")
    assert (
        page.evaluate("localStorage.length") == 0
    )  # the key lives in this tab's sessionStorage only
    page.get_by_test_id("api-key").fill(admin_headers["x-functions-key"])
    page.get_by_test_id("api-key").dispatch_event("change")
    page.get_by_test_id("cancel").click()
    expect(card(page, job_id)).to_have_attribute("data-status", "cancelled", timeout=15_000)
    page.close()
    expected = (
        "Error Code 401 from /api/interface/metrics/jobs",  # loaded before the key was typed
        f"Error Code 403 from /api/jobs/{job_id}/cancel",
    )  # the reader's refused cancel
    assert [e for e in errors if not e.endswith(expected)] == []


def test_screenshot_of_the_dashboard_with_running_jobs(page, host):
    """Runs last: the earlier tests' finished, failed and cancelled jobs are on the page too."""
    running = submit(host, "hello_world", {"n": 3000, "message": uuid.uuid4().hex})
    expect(card(page, running)).to_be_visible(timeout=10_000)
    deadline = time.monotonic() + 60
    while float(card(page, running).get_by_test_id("percent").inner_text().rstrip("%")) < 15:
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)
    card(page, running).click()
    expect(page.get_by_test_id("sparkline")).to_be_visible(timeout=10_000)
    save_screenshot(page)


def save_screenshot(page) -> None:
    """Kept in docs/ for the README when GEOETL_UPDATE_SCREENSHOT=1; otherwise a temp file."""
    target = (
        SCREENSHOT
        if os.environ.get("GEOETL_UPDATE_SCREENSHOT") == "1"
        else Path("/tmp/geoetl-dashboard.png")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
