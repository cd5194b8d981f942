from datetime import datetime, timezone

import pytest

from core.models.metrics import JobProgress
from services.engine.context import ProgressTracker
from services.metrics.trackers import (
    H3AggregationTracker,
    RasterCollectionTracker,
    RollingRate,
    TileTracker,
)
from web_interfaces.formatting import duration, sparkline

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)


def progress(**overrides) -> JobProgress:
    base = dict(
        job_id="abcdef0123456789",
        job_type="hello_world",
        status="processing",
        attempt=1,
        stage=2,
        stage_name="reply",
        total_stages=3,
        tasks_total=100,
        tasks_completed=40,
        tasks_failed=10,
        tasks_running=3,
        rate_per_min=None,
        eta_seconds=None,
        units_done=None,
        units_total=None,
        unit=None,
        units_per_sec=None,
        error=None,
        created_at=NOW,
        updated_at=NOW,
        completed_at=None,
        sampled_at=None,
    )
    return JobProgress(**base | overrides)


@pytest.mark.parametrize(
    "overrides,percent",
    [
        ({}, 50.0),  # stage 2 of 3, half done: (1 + 0.5) / 3
        ({"status": "completed"}, 100.0),
        ({"stage": 1, "tasks_completed": 0, "tasks_failed": 0}, 0.0),
        ({"stage": 3, "tasks_total": 0, "tasks_completed": 0, "tasks_failed": 0}, 66.7),
        ({"stage": 0}, 0.0),
    ],
)
def test_percent_weighs_stages_equally(overrides, percent):
    assert progress(**overrides).percent == percent


def test_short_id_done_and_active():
    job = progress()
    assert job.short_id == "abcdef01" and job.tasks_done == 50 and job.active
    assert not progress(status="failed").active


def test_rolling_rate_uses_the_window():
    now = [0.0]
    rate = RollingRate(window=10, clock=lambda: now[0])
    assert rate.per_second() is None
    for second in range(0, 30):
        now[0] = float(second)
        rate.add(5 if second < 20 else 1)
    assert rate.per_second() == pytest.approx(1.0, rel=0.2)
    assert rate.total == 20 * 5 + 10


def test_context_trackers_report_their_figures():
    now = [0.0]
    clock = lambda: now[0]  # noqa: E731
    h3 = ProgressTracker()
    tracker = H3AggregationTracker(h3, resolution=7, total_cells=1000, clock=clock)
    for second in (1.0, 2.0, 3.0):
        now[0] = second
        tracker.cells_done(100)
    figures = h3.snapshot()
    assert figures == {
        "done": 300,
        "total": 1000,
        "unit": "cells",
        "resolution": "r7",
        "cells": 300,
        "cells_per_sec": 100.0,
    }

    tiles = ProgressTracker()
    tile_tracker = TileTracker(tiles, total_tiles=10, clock=clock)
    tile_tracker.tile_done(2048, "africa")
    tile_tracker.tile_done(1024, "asia")
    tile_tracker.tile_done(1024, "africa")
    # all three tiles at the same instant: no rate yet, so no tiles_per_sec figure
    assert tiles.snapshot() == {
        "done": 3,
        "total": 10,
        "unit": "tiles",
        "tiles": 3,
        "bytes": 4096,
        "regions": 2,
    }

    files = ProgressTracker()
    raster = RasterCollectionTracker(files, total_files=4, clock=clock)
    raster.file_done(500, cog_written=True)
    raster.file_done(700, cog_written=False)
    assert files.dirty
    assert files.snapshot() == {
        "done": 2,
        "total": 4,
        "unit": "files",
        "files": 2,
        "cogs_written": 1,
        "bytes": 1200,
    }
    assert not files.dirty  # flushed: the heartbeat sends it once

    items = ProgressTracker()  # collection ingestion counts items, and those skipped as unchanged
    ingest = RasterCollectionTracker(items, total_files=1000, clock=clock, unit="items")
    now[0] = 4.0
    ingest.items_done(50, nbytes=5000, unchanged=10)
    now[0] = 5.0
    ingest.items_done(50, nbytes=5000)
    assert items.snapshot() == {
        "done": 100,
        "total": 1000,
        "unit": "items",
        "items": 100,
        "unchanged": 10,
        "bytes": 10000,
        "items_per_sec": 50.0,
    }


def test_formatting_filters():
    assert (
        duration(None) == "—"
        and duration(59) == "59s"
        and duration(61) == "1m 01s"
        and duration(3700) == "1h 01m"
    )
    assert sparkline([1.0]) == ""
    assert sparkline([0.0, 2.0], width=10, height=10).split() == ["0.0,9.0", "10.0,1.0"]
