"""Tiles: vector tiles of the 250,000-polygon WDPA-like table (bench/vector_load.py's
generator, loaded by process_vector) served over HTTP by the local host, versus a naive

    ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), tile)) over geom && tile

(no simplification, no feature dropping, no pyramid, no cache: what tipg and most
hand-written tile servers run) on the same tiles, in the same run; and raster tiles
(256 x 256 PNG) of 8k x 8k COGs made by process_raster from bench/cog.py's generator.

    .venv/bin/python bench/tiles.py [--features 250000] [--requests 200] [--clients 8]
                                    [--zooms 3 6 9 12] [--raster-side 8000] [--database NAME]

Per zoom: the same `--requests` random tiles over the data extent (seeded, drawn with
replacement as a map's viewers would ask), `--clients` concurrent clients. GeoETL is
measured end to end over HTTP (uvicorn, access gate, cache cold at the start of each
zoom); the naive query runs straight on PostgreSQL (no HTTP, so it is favoured). Also
printed: GeoETL's own query without pyramid or cache, on the same tiles, the like-for-like
SQL comparison, and the HTTP floor (bench/http_floor.py: a bare uvicorn route answering a
fixed body) under the same clients: no tile served over HTTP here is faster than it. The pyramid of the table (z0-z6) is made first and its time printed.
--database reuses (and keeps) a database between runs; by default a fresh one is dropped.
"""

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402
from pydantic import SecretStr  # noqa: E402

import cog as cog_bench  # noqa: E402
import vector_load  # noqa: E402
from config import Settings  # noqa: E402
from core.access import OPERATOR  # noqa: E402
from core.features.query import FeatureQuery  # noqa: E402
from core.tiles import Tile, tiles_covering  # noqa: E402
from infrastructure.db import catalog, migrations, tile_pyramids, tiles  # noqa: E402
from tests.support import child_env, fresh_database, served_app, wait_for_status  # noqa: E402
from triggers.composition import Platform  # noqa: E402

TABLE = "wdpa_geoetl"
NAIVE = """WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS m)
SELECT ST_AsMVT(q, 'geo.wdpa_geoetl', 4096, 'geom', 'id') FROM (
    SELECT t.id, t.wdpaid, t.name, t.desig, t.iucn_cat, t.status_yr, t.rep_area, t.iso3, t.status,
           ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.m, 4096, 64, true) AS geom
    FROM geo.wdpa_geoetl t, b WHERE t.geom && ST_Transform(b.m, 4326)) q"""


@contextmanager
def database(name: str | None):
    if name is None:
        with fresh_database("geoetl_bench_tiles") as dsn:
            migrations.deploy(dsn)
            yield dsn
        return
    base = Settings().dsn
    with psycopg.connect(make_conninfo(base, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    dsn = make_conninfo(base, dbname=name)
    migrations.deploy(dsn)
    yield dsn


def tile_sample(bbox, z: int, count: int, seed: int) -> list[Tile]:
    """`count` tiles drawn with replacement from those the box covers."""
    covering = tiles_covering(bbox, z)
    rng = random.Random(seed + z)
    return [rng.choice(covering) for _ in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def concurrently(work, items: list, clients: int) -> tuple[list[float], float]:
    """Per-item latencies (ms) of `work(item)` run by `clients` threads, and the wall time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(work, items))
    return latencies, time.perf_counter() - started


def http_tiles(url: str, paths: list[str], clients: int) -> tuple[list[float], float, int]:
    """Each client thread keeps its connection (keep-alive), as a browser does."""
    empty = 0
    local = threading.local()

    def fetch(path: str) -> float:
        nonlocal empty
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=120)
        started = time.perf_counter()
        response = local.client.get(url + path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 204:
            empty += 1
        elif response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
        return elapsed

    latencies, wall = concurrently(fetch, paths, clients)
    return latencies, wall, empty


def sql_tiles(dsn: str, make, sample: list[Tile], clients: int) -> tuple[list[float], float]:
    local = threading.local()

    def run(where: Tile) -> float:
        if getattr(local, "conn", None) is None:
            local.conn = psycopg.connect(dsn, autocommit=True, row_factory=psycopg.rows.dict_row)
        started = time.perf_counter()
        make(local.conn, where)
        return (time.perf_counter() - started) * 1000

    return concurrently(run, sample, clients)


def load_table(settings: Settings, platform: Platform, features: int) -> None:
    with platform.db.connection() as conn:
        if catalog.get_vector_metadata(conn, TABLE) is not None:
            return
    print(f"loading {features:,} polygons with process_vector ...", flush=True)
    run = vector_load.run_geoetl(settings, vector_load.dataset(features), workers=2)
    print(f"  loaded in {run['seconds']:.0f} s", flush=True)


def ensure_pyramid(platform: Platform, meta) -> str:
    with platform.db.connection() as conn:
        if tile_pyramids.registered(conn, meta):
            row = conn.execute(
                "SELECT seconds, tiles, bytes FROM tiles.pyramids WHERE table_name = %s", (TABLE,)
            ).fetchone()
            return f"reused: made in {row['seconds']:.0f} s, {row['tiles']:,} tiles, {row['bytes'] / 1e6:.0f} MB"
    started = time.monotonic()
    tile_pyramids.build(platform.db, meta)
    with platform.db.connection() as conn:
        row = conn.execute(
            "SELECT tiles, bytes FROM tiles.pyramids WHERE table_name = %s", (TABLE,)
        ).fetchone()
    return f"made in {time.monotonic() - started:.0f} s: {row['tiles']:,} tiles, {row['bytes'] / 1e6:.0f} MB"


def load_rasters(settings: Settings, platform: Platform, side: int) -> dict[str, str]:
    """rgb and dem COGs of side x side pixels, processed once (reused with --database)."""
    wanted = {kind: f"bench-tiles/{kind}-{side}.tif" for kind in ("rgb", "dem")}
    ids = {}
    with platform.db.connection() as conn:
        for kind, blob in wanted.items():
            row = conn.execute(
                "SELECT id FROM raster.cog_metadata WHERE source_blob = %s",
                (f"{settings.bronze_container}/{blob}",),
            ).fetchone()
            if row:
                ids[kind] = row["id"]
    missing = {k: b for k, b in wanted.items() if k not in ids}
    if not missing:
        return ids
    env = child_env(settings, LOG_LEVEL="WARNING")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "triggers.cli", "worker", "--threads", "1"], cwd=ROOT, env=env
        )
        for _ in range(2)
    ]
    try:
        with tempfile.TemporaryDirectory(prefix="geoetl-bench-tiles-", dir="/var/tmp") as tmp:
            for kind, blob in missing.items():
                print(f"making the {side} x {side} {kind} COG with process_raster ...", flush=True)
                source = Path(tmp) / f"{kind}.tif"
                cog_bench.generate(source, kind, side)
                with source.open("rb") as data:
                    platform.blobs.client.get_blob_client(
                        settings.bronze_container, blob
                    ).upload_blob(data, overwrite=True, max_concurrency=4)
                job = platform.engine.submit(
                    "process_raster", {"blob_name": blob}, principal=OPERATOR
                ).job
                done = wait_for_status(
                    platform, job["job_id"], {"completed", "failed"}, timeout=3600
                )
                if done["status"] != "completed":
                    raise SystemExit(f"process_raster failed: {done['error']}")
                ids[kind] = done["result"]["item_id"]
                source.unlink()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    return ids


def raster_paths(platform: Platform, raster_id: str, count: int) -> list[str]:
    """Tiles over the raster at its three finest zooms."""
    with platform.db.connection() as conn:
        row = conn.execute(
            "SELECT bbox_west, bbox_south, bbox_east, bbox_north FROM raster.cog_metadata WHERE id = %s",
            (raster_id,),
        ).fetchone()
    bbox = (row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"])
    sample = [t for z in (12, 13, 14) for t in tile_sample(bbox, z, count // 3 + 1, seed=99)][
        :count
    ]
    return [f"/api/raster/{raster_id}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}" for t in sample]


def cpu_jiffies() -> tuple[int, int]:
    """(busy jiffies of the whole machine, of the storage emulator when it runs here)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    machine = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    emulator = 0
    pid_file = ROOT / ".local" / "azurite" / "azurite.pid"
    try:
        stat = Path(f"/proc/{pid_file.read_text().strip()}/stat").read_text().split()
        emulator = int(stat[13]) + int(stat[14])
    except (OSError, IndexError, ValueError):
        pass
    return machine, emulator


def summary(latencies: list[float]) -> str:
    return (
        f"p50 {percentile(latencies, 0.5):7.1f}  p95 {percentile(latencies, 0.95):7.1f}  "
        f"max {max(latencies):7.1f}  mean {statistics.mean(latencies):7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=int, default=250_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--zooms", type=int, nargs="*", default=[3, 6, 9, 12], help="none: rasters only"
    )
    parser.add_argument("--raster-side", type=int, default=8000)
    parser.add_argument("--database", help="reuse (and keep) this database between runs")
    args = parser.parse_args()

    suffix = "keep" if args.database else uuid.uuid4().hex[:6]
    with database(args.database) as dsn:
        settings = Settings().model_copy(
            update={
                "database_url": SecretStr(dsn),
                "bronze_container": f"bench-tiles-bronze-{suffix}",
                "silver_container": f"bench-tiles-silver-{suffix}",
                "rate_limit_reads": "1000000/minute",
            }
        )
        platform = Platform.build(settings)
        platform.blobs.ensure_containers()
        try:
            load_table(settings, platform, args.features)
            with platform.db.connection() as conn:
                meta = catalog.get_vector_metadata(conn, TABLE)
            print(
                f"table: {meta.feature_count:,} features; pyramid z0-z6 {ensure_pyramid(platform, meta)}",
                flush=True,
            )
            rasters = load_rasters(settings, platform, args.raster_side)
            measure(args, settings, platform, meta, rasters, dsn)
        finally:
            if not args.database:
                for name in (settings.bronze_container, settings.silver_container):
                    platform.blobs.client.delete_container(name)
            platform.close()


def measure(
    args, settings: Settings, platform: Platform, meta, rasters: dict[str, str], dsn: str
) -> None:
    rows = []
    with served_app(settings, "bench.http_floor") as floor_url:
        floor, _, _ = http_tiles(floor_url, ["/tile"] * args.requests, args.clients)
    with served_app(settings, LOCAL_WORKERS="0", RATE_LIMIT_READS="1000000/minute") as url:
        httpx.get(f"{url}/api/health", timeout=60)
        for z in args.zooms:
            sample = tile_sample(meta.bbox, z, args.requests, seed=7)
            paths = [
                f"/api/features/collections/{TABLE}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"
                for t in sample
            ]
            ours, ours_wall, empty = http_tiles(url, paths, args.clients)
            direct, _ = sql_tiles(
                dsn, lambda conn, t: tiles.mvt(conn, meta, t, FeatureQuery()), sample, args.clients
            )
            naive, naive_wall = sql_tiles(
                dsn,
                lambda conn, t: conn.execute(NAIVE, {"z": t.z, "x": t.x, "y": t.y}).fetchone(),
                sample,
                args.clients,
            )
            rows.append((z, len(set(sample)), empty, ours, ours_wall, direct, naive, naive_wall))
            print(
                f"z{z}: done ({len(set(sample))} distinct tiles, load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        raster_rows = []
        for kind, raster_id in rasters.items():
            before = cpu_jiffies()
            latencies, wall, _ = http_tiles(
                url, raster_paths(platform, raster_id, args.requests), args.clients
            )
            after = cpu_jiffies()
            tick = os.sysconf("SC_CLK_TCK")
            busy = [
                (a - b) * 1000 / tick / len(latencies) for a, b in zip(after, before, strict=True)
            ]
            raster_rows.append((kind, latencies, wall, busy))
    report(args, floor, rows, raster_rows)


def report(args, floor, rows, raster_rows) -> None:
    print(
        f"\nvector tiles: {args.requests} requests per zoom, {args.clients} clients, {os.cpu_count()} cores (ms)\n"
    )
    print(f"HTTP floor (bench/http_floor.py)  {summary(floor)}\n")
    for z, distinct, empty, ours, ours_wall, direct, naive, naive_wall in rows:
        print(f"z{z:<3} {distinct:>4} distinct, {empty:>3} empty")
        print(f"     GeoETL over HTTP        {summary(ours)}   wall {ours_wall:6.1f} s")
        print(f"     GeoETL query, no cache  {summary(direct)}")
        print(f"     naive ST_AsMVT (SQL)    {summary(naive)}   wall {naive_wall:6.1f} s")
        print(
            f"     ratio GeoETL/naive: p95 {percentile(ours, 0.95) / percentile(naive, 0.95):.3f}, "
            f"total time {sum(ours) / sum(naive):.3f}; query alone p95 "
            f"{percentile(direct, 0.95) / percentile(naive, 0.95):.3f}; HTTP floor alone p95 "
            f"{percentile(floor, 0.95) / percentile(naive, 0.95):.3f}   (goals: p95 < 150 ms, ratio <= 0.5)"
        )
    print(
        f"\nraster tiles: 256 x 256 PNG of {args.raster_side} x {args.raster_side} COGs, z12-z14, {args.clients} clients (ms)\n"
    )
    for kind, latencies, wall, (machine, emulator) in raster_rows:
        print(f"{kind:<5} {summary(latencies)}   wall {wall:6.1f} s   (goal: p95 < 200 ms)")
        print(
            f"      CPU per tile, all cores: {machine:5.1f} ms (of it the storage emulator "
            f"{emulator:5.1f} ms); cores busy {machine * len(latencies) / 1000 / wall:.1f} of {os.cpu_count()}"
        )


if __name__ == "__main__":
    main()
