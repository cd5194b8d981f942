"""Vector load: a generated WDPA-like GeoPackage (250,000 polygons, 8-2,000 vertices with
median ~60, ~5 % invalid — bow-ties and self-touching rings — and some duplicate
vertices) through `process_vector` end to end, versus GDAL's ogr2ogr

    ogr2ogr -f PostgreSQL PG:... file.gpkg -makevalid -nlt PROMOTE_TO_MULTI -t_srs EPSG:4326

(Debian's gdal-bin, COPY mode) on the same file and database, in the same run.

    .venv/bin/python bench/vector_load.py [--features 250000] [--workers 2] [--rounds 1] [--verify]

GeoETL's time runs from job submission to the published table (download from blob
storage, inspection, repair, binary COPY, indexes, atomic publish, STAC/metadata); the
upload to bronze is timed apart. With --rounds N the two alternate (ABBA…) and the best
time of each is compared, which tames noise from other load on the machine. Worker processes are separate (`geoetl worker`), so the
peak memory printed is each worker's own. gdal-bin is installed with apt if missing.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

# The repository root replaces the script's own folder on the path (bench modules are
# imported as bench.NAME).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from tests.support import child_env, fresh_database, wait_for_status  # noqa: E402
from triggers.composition import Platform  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


# Large datasets are generated and written this many polygons at a time (one block's
# arrays and shapely objects take a few GB; 2.5 M at once did not fit in 24 GiB).
BLOCK = 250_000


def generate(n: int, seed: int = 7, first_id: int = 1):
    """WDPA-like polygons: star-shaped (valid) rings, half of them clockwise; 2.5 % bow-ties
    (two far vertices swapped), 2.5 % self-touching rings (a vertex pinched onto the first),
    10 % with one repeated vertex."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    counts = np.clip(np.round(rng.lognormal(np.log(60), 0.95, n)), 8, 2000).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    total = int(counts.sum())
    position = np.arange(total) - np.repeat(starts, counts)
    steps = rng.uniform(0.2, 1.0, total)
    cumulative = np.cumsum(steps)
    before = np.repeat(cumulative[starts] - steps[starts], counts)
    angle = 2 * np.pi * (cumulative - before) / np.repeat(np.add.reduceat(steps, starts), counts)
    size = np.repeat(rng.lognormal(np.log(0.05), 1.0, n).clip(0.001, 2), counts) * rng.uniform(
        0.6, 1.0, total
    )
    x = np.repeat(rng.uniform(-170, 170, n), counts) + size * np.cos(angle)
    y = np.repeat(rng.uniform(-60, 75, n), counts) + size * np.sin(angle)
    clockwise = np.repeat(rng.random(n) < 0.5, counts)
    order = np.where(clockwise, np.repeat(starts + counts - 1, counts) - position, np.arange(total))
    x, y = x[order], y[order]
    kind = rng.random(n)
    bowtie, touch, duplicate = (
        kind < 0.025,
        (kind >= 0.025) & (kind < 0.05),
        (kind >= 0.05) & (kind < 0.15),
    )
    a, b = starts[bowtie] + 1, starts[bowtie] + counts[bowtie] // 2
    x[a], x[b], y[a], y[b] = x[b].copy(), x[a].copy(), y[b].copy(), y[a].copy()
    pinch = starts[touch] + counts[touch] // 2
    x[pinch], y[pinch] = x[starts[touch]], y[starts[touch]]
    coords, owner = np.column_stack([x, y]), np.repeat(np.arange(n), counts)
    repeat = starts[duplicate] + 3
    coords, owner = (
        np.insert(coords, repeat, coords[repeat], axis=0),
        np.insert(owner, repeat, owner[repeat]),
    )
    last = np.r_[np.flatnonzero(np.diff(owner)), len(owner) - 1]
    first = np.r_[0, last[:-1] + 1]
    coords, owner = (
        np.insert(coords, last + 1, coords[first], axis=0),
        np.insert(owner, last + 1, owner[first]),
    )
    polygons = shapely.polygons(shapely.linearrings(coords, indices=owner))
    return gpd.GeoDataFrame(
        {
            "WDPAID": np.arange(first_id, first_id + n, dtype=np.int64),
            "NAME": np.char.add(
                "Protected area ", np.arange(first_id - 1, first_id - 1 + n).astype(str)
            ),
            "DESIG": rng.choice(
                ["National Park", "Nature Reserve", "Ramsar Site", "Wilderness Area"], n
            ),
            "IUCN_CAT": rng.choice(["Ia", "Ib", "II", "III", "IV", "V", "VI", "Not Reported"], n),
            "STATUS_YR": rng.integers(1900, 2024, n),
            "REP_AREA": rng.uniform(0, 10000, n),
            "ISO3": rng.choice(["BRA", "USA", "FRA", "AUS", "KEN"], n),
            "STATUS": rng.choice(["Designated", "Proposed", "Inscribed"], n),
        },
        geometry=polygons,
        crs="EPSG:4326",
    )


def dataset(n: int) -> Path:
    import pyogrio
    import shapely

    path = RESULTS / f"wdpa_like_{n}.gpkg"
    if not path.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        partial = path.with_suffix(".part.gpkg")
        partial.unlink(missing_ok=True)
        invalid = vertices = 0
        medians = []
        for block, first in enumerate(range(0, n, BLOCK)):  # the first block is the 250k file's
            frame = generate(min(BLOCK, n - first), seed=7 + block, first_id=first + 1)
            pyogrio.write_dataframe(
                frame, partial, layer="wdpa", driver="GPKG", use_arrow=True, append=block > 0
            )
            invalid += int((~shapely.is_valid(frame.geometry.values)).sum())
            counts = shapely.get_num_coordinates(frame.geometry.values)
            vertices, medians = vertices + int(counts.sum()), medians + [float(np.median(counts))]
            del frame
        partial.rename(path)
        print(
            f"generated {path.name}: {n:,} polygons, {vertices:,} vertices (median "
            f"{int(np.median(medians))}), {invalid:,} invalid ({invalid / n:.1%}) in {time.monotonic() - started:.0f} s"
        )
    return path


def ensure_ogr2ogr() -> str:
    found = shutil.which("ogr2ogr")
    if found:
        return found
    root = [] if os.geteuid() == 0 else ["sudo"]
    print("installing gdal-bin (apt) for ogr2ogr ...")
    subprocess.run([*root, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [
            *root,
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-qq",
            "gdal-bin",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("ogr2ogr")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (client side only; the database's own work
    is not in it, for either tool)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_geoetl(settings: Settings, path: Path, workers: int) -> dict:
    platform = Platform.build(settings)
    platform.blobs.ensure_containers()
    blob_name = f"bench/{uuid.uuid4().hex}/{path.name}"
    started = time.monotonic()
    with path.open("rb") as data:
        platform.blobs.client.get_blob_client(settings.bronze_container, blob_name).upload_blob(
            data, max_concurrency=4
        )
    upload_seconds = time.monotonic() - started
    env = child_env(
        settings,
        LOG_LEVEL="WARNING",
        VECTOR_WORK_DIR=str(RESULTS / f"cache-{uuid.uuid4().hex[:8]}"),
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "triggers.cli", "worker", "--threads", "1"], cwd=ROOT, env=env
        )
        for _ in range(workers)
    ]
    try:
        warm_up(platform, workers)
        baseline_cpu = sum(cpu_seconds(p.pid) for p in procs)  # start-up and warm-up excluded
        started = time.monotonic()
        submission = platform.engine.submit(
            "process_vector",
            {
                "container": settings.bronze_container,
                "blob_name": blob_name,
                "table_name": "wdpa_geoetl",
            },
            principal=OPERATOR,
        )
        job = wait_for_status(
            platform, submission.job["job_id"], {"completed", "failed", "cancelled"}, timeout=3600
        )
        seconds = time.monotonic() - started
        peaks = [peak_rss_mb(p.pid) for p in procs]
        cpu = sum(cpu_seconds(p.pid) for p in procs) - baseline_cpu
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        shutil.rmtree(env["VECTOR_WORK_DIR"], ignore_errors=True)
        platform.close()
    if job["status"] != "completed":
        raise SystemExit(f"process_vector {job['status']}: {job['error']}")
    stages = stage_seconds(settings.dsn, job["job_id"])
    return {
        "seconds": seconds,
        "upload_seconds": upload_seconds,
        "peaks_mb": peaks,
        "stages": stages,
        "cpu": cpu,
        "summary": job["result"]["report_summary"],
    }


def warm_up(platform: Platform, workers: int) -> None:
    """Waits until the worker processes run tasks, so their start-up is not timed."""
    job = platform.engine.submit(
        "hello_world", {"n": workers * 4, "message": uuid.uuid4().hex}, principal=OPERATOR
    ).job
    wait_for_status(platform, job["job_id"], {"completed"}, timeout=120)


def stage_seconds(dsn: str, job_id: str) -> dict[str, float]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT name, extract(epoch FROM completed_at - started_at) FROM app.job_stages "
            "WHERE job_id = %s ORDER BY stage",
            (job_id,),
        ).fetchall()
    return {name: round(float(s), 1) for name, s in rows}


def run_ogr2ogr(ogr2ogr: str, dsn: str, path: Path) -> tuple[float, float]:
    """(wall seconds, client CPU seconds)."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(dsn)
    pg = " ".join(f"{key}={info[key]}" for key in ("host", "port", "user", "dbname") if key in info)
    command = [
        ogr2ogr,
        "-f",
        "PostgreSQL",
        f"PG:{pg}",
        str(path),
        "-nln",
        "wdpa_ogr",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-makevalid",
        "-nlt",
        "PROMOTE_TO_MULTI",
        "-t_srs",
        "EPSG:4326",
        "-overwrite",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        command, check=True, env={**os.environ, "PG_USE_COPY": "YES"}, stderr=subprocess.DEVNULL
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def verify(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        for table in ("geo.wdpa_geoetl", "public.wdpa_ogr"):
            count, invalid, ccw = conn.execute(
                f"SELECT count(*), count(*) FILTER (WHERE NOT ST_IsValid(geom)), "
                f"count(*) FILTER (WHERE ST_IsPolygonCCW(geom)) FROM {table}"
            ).fetchone()
            print(
                f"  {table}: {count:,} rows, {invalid:,} invalid, {ccw:,} with counter-clockwise exteriors"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternating runs of each; the best of each is compared",
    )
    parser.add_argument(
        "--verify", action="store_true", help="count invalid rows in both outputs afterwards"
    )
    args = parser.parse_args()
    ogr2ogr = ensure_ogr2ogr()
    path = dataset(args.features)
    base = Settings()
    suffix = uuid.uuid4().hex[:6]
    with fresh_database("geoetl_bench") as dsn:
        migrations.deploy(dsn)
        settings = base.model_copy(
            update={
                "database_url": SecretStr(dsn),
                "bronze_container": f"bench-bronze-{suffix}",
                "silver_container": f"bench-silver-{suffix}",
            }
        )
        try:
            runs, theirs_runs = [], []
            for round_number in range(args.rounds):
                order = ("geoetl", "ogr2ogr") if round_number % 2 == 0 else ("ogr2ogr", "geoetl")
                for name in order:
                    if name == "geoetl":
                        runs.append(run_geoetl(settings, path, args.workers))
                    else:
                        theirs_runs.append(run_ogr2ogr(ogr2ogr, dsn, path))
                print(
                    f"round {round_number + 1}: GeoETL {runs[-1]['seconds']:.1f} s, ogr2ogr {theirs_runs[-1][0]:.1f} s "
                    f"(load average {os.getloadavg()[0]:.1f})"
                )
            ours = min(runs, key=lambda r: r["seconds"])
            theirs, theirs_cpu = min(theirs_runs)
            if args.verify:
                verify(dsn)
        finally:
            cleanup = Platform.build(settings)
            for name in (settings.bronze_container, settings.silver_container):
                cleanup.blobs.client.delete_container(name)
            cleanup.close()
    summary = ours["summary"]
    print(
        f"dataset: {path.name} ({path.stat().st_size / 1e6:.0f} MB), {args.workers} worker processes on {os.cpu_count()} cores"
    )
    best = " (best of each)" if args.rounds > 1 else ""
    print(
        f"GeoETL process_vector : {ours['seconds']:6.1f} s{best}  (stages {ours['stages']}; upload to bronze "
        f"{ours['upload_seconds']:.1f} s, not counted)"
    )
    print(f"ogr2ogr -makevalid     : {theirs:6.1f} s")
    print(f"ratio GeoETL/ogr2ogr   : {ours['seconds'] / theirs:6.2f}  (goal <= 0.5)")
    print(
        f"client CPU seconds     : GeoETL workers {ours['cpu']:.1f}, ogr2ogr {theirs_cpu:.1f} "
        f"(ratio {ours['cpu'] / theirs_cpu:.2f}; unaffected by other load on the machine)"
    )
    peaks = [mb for run in runs for mb in run["peaks_mb"]]
    print(f"peak RSS per worker    : {', '.join(f'{mb:.0f} MB' for mb in peaks)}  (goal < 1024 MB)")
    print(
        f"chunk task seconds     : {summary.get('seconds')} (summed over chunks, each task's own clock)"
    )
    print(
        f"report: read {summary['features_read']:,}, written {summary['features_written']:,}, "
        f"repairs {summary['repairs']}, dropped {summary['dropped']}, validity {summary['validity']}"
    )


if __name__ == "__main__":
    main()
