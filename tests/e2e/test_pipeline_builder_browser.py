"""The pipeline builder and the execution view in real headless Chromium (issue 16), with
real mouse drags: build a three-stage pipeline from the palette, fix the validation
error the page shows, save, preview the plan, run it, watch it reach 100 %, open its
output. Every script is the app's own (a CSP violation or a JavaScript error fails)."""

import json
import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_HEADERS
from tests.e2e.test_dashboard_browser import browser, open_page  # noqa: F401  (the module-scoped browser)
from tests.raster_samples import dem_float
from tests.support import ROOT, served_app

IMAGES = ROOT / "docs/images"


@pytest.fixture(scope="module")
def host(settings, platform):  # `platform` makes the test's containers
    with served_app(
        settings,
        "tests.serve_with_test_jobs",
        LOCAL_WORKERS="2",
        WORKER_BATCH_SIZE="1",
        METRICS_SAMPLE_INTERVAL="0.5",
        DASHBOARD_REFRESH_SECONDS="0.5",
        HEARTBEAT_SECONDS="0.5",
    ) as url:
        yield url


@pytest.fixture()
def raster_blob(platform) -> str:
    name = f"e2e/{uuid.uuid4().hex[:8]}/dem.tif"
    platform.blobs.client.get_blob_client(platform.settings.bronze_container, name).upload_blob(
        dem_float(64)
    )
    return name


def drag(page, source, target) -> None:
    """A real drag: press on the palette step, move in steps onto the lanes, release."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 12, steps=15)
    page.mouse.up()


def palette_step(page, step: str):
    return page.locator(f"[data-testid=palette-step][data-step='{step}']")


def test_build_fix_save_preview_run_and_open_the_output(browser, host, raster_blob):  # noqa: F811
    # Tall enough that three lanes and their drop point stay on screen (a drop off screen lands nowhere).
    page, errors = open_page(
        browser, f"{host}/api/interface/pipelines", ADMIN_HEADERS["x-functions-key"], height=1600
    )
    expect(palette_step(page, "raster.inspect")).to_be_visible(timeout=10_000)
    page.get_by_test_id("step-search").fill("raster")
    expect(palette_step(page, "vector.inspect")).to_be_hidden()
    lanes = page.get_by_test_id("lane")
    for count, step in enumerate(("raster.inspect", "raster.cog", "raster.catalog"), start=1):
        drag(page, palette_step(page, step), page.get_by_test_id("lanes"))
        expect(lanes).to_have_count(count)  # laid out before the next drop aims at the end
    expect(lanes).to_have_count(3)
    assert lanes.evaluate_all("ls => ls.map(l => l.dataset.stage)") == ["inspect", "cog", "catalog"]
    assert (
        json.loads(page.get_by_test_id("json").input_value())["stages"][2]["step"]
        == "raster.catalog"
    )

    name = f"dem_{uuid.uuid4().hex[:6]}"
    page.get_by_test_id("pipeline-name").fill(name)
    page.get_by_test_id("validate").click()
    blob_error = page.locator("[data-field='stages.0.inputs.blob_name'] [data-testid=field-error]")
    expect(blob_error).to_have_text("input 'blob_name' is required")
    expect(page.get_by_test_id("builder-status")).to_contain_text("problem(s)")

    page.get_by_test_id("add-param").click()
    page.get_by_test_id("param-name").fill("blob_name")
    page.get_by_test_id("param-name").dispatch_event("change")
    page.get_by_test_id("param-required").check()
    for index in range(3):
        lane = lanes.nth(index)
        lane.get_by_test_id("mode-blob_name").select_option("param")
        expect(lane.get_by_test_id("value-blob_name")).to_have_value("{{ params.blob_name }}")
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("builder-status")).to_have_text("valid · runs as submitter")
    expect(blob_error).to_have_text("")

    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("builder-status")).to_have_text("saved version 1")
    expect(page.get_by_test_id("diff")).to_contain_text('"step": "raster.catalog"')
    page.get_by_test_id("run-blob_name").fill(raster_blob)
    page.get_by_test_id("run-blob_name").dispatch_event("change")
    page.get_by_test_id("preview").click()
    rows = page.get_by_test_id("plan-row")
    expect(rows).to_have_count(3)
    assert rows.evaluate_all(
        "rs => rs.map(r => [r.dataset.stage, r.querySelector('[data-testid=plan-tasks]').textContent])"
    ) == [["inspect", "1"], ["cog", "1"], ["catalog", "1"]]
    save_image(page, "pipeline-builder.png")

    page.get_by_test_id("run").click()
    page.get_by_test_id("run-link").click()
    card = page.locator("[data-testid=job-card]")
    expect(card).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(card.get_by_test_id("percent")).to_have_text("100.0%")
    flow = page.get_by_test_id("flow-stage")
    assert flow.evaluate_all("fs => fs.map(f => f.dataset.status)") == ["completed"] * 3
    output = page.locator("[data-testid=output-link]", has_text="raster ")
    expect(output).to_be_visible()
    flow.nth(1).click()
    expect(page.get_by_test_id("stage-task-table")).to_contain_text("completed")
    expect(
        page.get_by_test_id("detail")
    ).to_be_visible()  # the dashboard's own job detail, beside the flow
    expect(page.get_by_test_id("key-notice")).to_have_text("")
    save_image(page, "pipeline-run.png")
    output.click()
    page.wait_for_load_state()
    info = json.loads(page.locator("body").inner_text())
    assert info["cog_url"] and info["stac_item"]["id"] == info["id"]
    page.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_the_json_view_and_the_lanes_round_trip(browser, host):  # noqa: F811
    page, errors = open_page(
        browser, f"{host}/api/interface/pipelines", ADMIN_HEADERS["x-functions-key"]
    )
    expect(page.get_by_test_id("open").locator("option[value='t:hello_world']")).to_be_attached(
        timeout=10_000
    )
    page.get_by_test_id("open").select_option("t:hello_world")
    expect(page.get_by_test_id("lane")).to_have_count(3)
    definition = json.loads(page.get_by_test_id("json").input_value())
    definition["stages"][1]["name"] = "answer"
    definition["stages"][2]["source"] = "answer"
    page.get_by_test_id("json").fill(json.dumps(definition))
    expect(page.get_by_test_id("lane").nth(1).get_by_test_id("stage-name")).to_have_value("answer")
    page.get_by_test_id("lane").nth(0).get_by_test_id("remove-stage").click()
    assert [s["name"] for s in json.loads(page.get_by_test_id("json").input_value())["stages"]] == [
        "answer",
        "summarize",
    ]
    page.close()
    assert errors == []


def save_image(page, name: str) -> None:
    """The docs' wireframes are screenshots of the real pages (GEOETL_UPDATE_SCREENSHOT=1)."""
    target = (
        IMAGES / name if os.environ.get("GEOETL_UPDATE_SCREENSHOT") == "1" else Path("/tmp") / name
    )
    page.evaluate("window.scrollTo(0, 0)")  # sticky panels are drawn where the scroll left them
    page.screenshot(path=str(target), full_page=True)
