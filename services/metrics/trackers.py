"""Context-specific progress trackers: each wraps a task's `ctx.progress` and adds the
figures its kind of work is judged by, with a rolling rate. The heartbeat flushes them
(throttled to METRICS_SAMPLE_INTERVAL); the sampler sums numeric figures over the tasks
of the current stage, so job-wide rates are the sum of concurrent tasks' rates."""

import time
from collections import deque

from services.engine.context import ProgressTracker


class RollingRate:
    """Units per second over the last `window` seconds."""

    def __init__(self, window: float = 30.0, clock=time.monotonic):
        self.window = window
        self._clock = clock
        self._points: deque[tuple[float, float]] = deque()
        self.total = 0.0

    def add(self, units: float) -> None:
        now = self._clock()
        self.total += units
        self._points.append((now, self.total))
        while len(self._points) > 2 and now - self._points[0][0] > self.window:
            self._points.popleft()

    def per_second(self) -> float | None:
        if len(self._points) < 2:
            return None
        (t0, v0), (t1, v1) = self._points[0], self._points[-1]
        return (v1 - v0) / (t1 - t0) if t1 > t0 else None


class H3AggregationTracker:
    """H3 aggregation: cells done of the task's total, cells/s. The sampler sums numeric
    figures over the stage's tasks (rates over the running ones), so the resolution, the
    same for every task, is reported as a label, not a number."""

    def __init__(
        self,
        progress: ProgressTracker,
        resolution: int,
        total_cells: int | None = None,
        clock=time.monotonic,
    ):
        self.progress = progress
        self.rate = RollingRate(clock=clock)
        progress.update(
            done=0, total=total_cells, unit="cells", resolution=f"r{resolution}", cells=0
        )

    def cells_done(self, count: int) -> None:
        self.rate.add(count)
        self.progress.update(
            done=self.rate.total, cells=self.rate.total, cells_per_sec=self.rate.per_second()
        )


class TileTracker:
    """Tile ETL, e.g. flood-hazard tiles: tiles, bytes and the regions touched."""

    def __init__(
        self, progress: ProgressTracker, total_tiles: int | None = None, clock=time.monotonic
    ):
        self.progress = progress
        self.rate = RollingRate(clock=clock)
        self.bytes = 0
        self.regions: set[str] = set()
        progress.update(done=0, total=total_tiles, unit="tiles")

    def tile_done(self, nbytes: int, region: str) -> None:
        self.tiles_done(1, nbytes, region)

    def tiles_done(self, count: int, nbytes: int, region: str) -> None:
        """`count` tiles of `nbytes` in all, written for `region` (a COG part, a map area)."""
        self.rate.add(count)
        self.bytes += nbytes
        self.regions.add(region)
        self.progress.update(
            done=self.rate.total,
            tiles=self.rate.total,
            bytes=self.bytes,
            regions=len(self.regions),
            tiles_per_sec=self.rate.per_second(),
        )


class RasterCollectionTracker:
    """Raster collections: files (or items) handled, COGs written, bytes moved, with a rate.
    Collection ingestion counts items (read, validated, or skipped as unchanged) and shows
    items/s; the sampler sums each over the stage's tasks, so the dashboard shows the
    whole stage's items/s while its tasks run."""

    def __init__(
        self,
        progress: ProgressTracker,
        total_files: int | None = None,
        clock=time.monotonic,
        unit: str = "files",
    ):
        self.progress = progress
        self.rate = RollingRate(clock=clock)
        self.unit = unit
        self.cogs = 0
        self.bytes = 0
        self.unchanged = 0
        progress.update(done=0, total=total_files, unit=unit)

    def file_done(self, nbytes: int, *, cog_written: bool) -> None:
        self.rate.add(1)
        self.bytes += nbytes
        self.cogs += int(cog_written)
        self.progress.update(
            done=self.rate.total,
            files=self.rate.total,
            cogs_written=self.cogs,
            bytes=self.bytes,
            files_per_sec=self.rate.per_second(),
        )

    def items_done(self, count: int, *, nbytes: int = 0, unchanged: int = 0) -> None:
        self.rate.add(count)
        self.bytes += nbytes
        self.unchanged += unchanged
        self.progress.update(
            done=self.rate.total,
            items=self.rate.total,
            unchanged=self.unchanged,
            bytes=self.bytes,
            items_per_sec=self.rate.per_second(),
        )
