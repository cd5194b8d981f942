"""ingest_collection end to end versus `pypgstac load items --method upsert` (the CLI), on
the same items, database and machine, in the same run.

    .venv/bin/python bench/stac_register.py [--items 10000] [--batch-size 500] [--repeat 1]
                                            [--worker-processes 2] [--threads 4] [--shapes ndjson,files]

The items (one collection, polygon footprints, two assets with external hrefs, so nothing
is copied) are written once as NDJSON. pypgstac loads that file into the empty collection
(the collection loaded first, untimed); then the collection is deleted and
ingest_collection ingests the same items from blob storage:

  (b) ndjson  the same NDJSON file, as `items_paths`;
  (a) files   one JSON document per item, linked from the collection.

Each is timed end to end, from submission to the job's completion (every stage:
discovery, inventory with validation, registering, H3 entry), with the stages' own times
beside it, and the Python processes' CPU time on each side (the CLI's; the workers'). The
worker processes' peak memory (VmHWM) is reported per shape. Runs in a fresh database and
fresh containers; needs PostgreSQL and Azurite up (`scripts/platform.sh up`). On a shared
machine, use --repeat: the sides alternate and medians are reported, with the load
average before and after.
"""

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository root replaces the script's own folder on the path (bench modules are
# imported as bench.NAME).
sys.path[0] = str(ROOT)

import psycopg  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from infrastructure.storage.blobs import make_service_client  # noqa: E402
from tests.support import fresh_database  # noqa: E402

COLLECTION_ID = "bench-register"
DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
GOALS = {"ndjson": 1.0, "files": 0.5}


def item(index: int) -> dict:
    west, south = (index % 3600) / 10 - 180, (index // 3600 % 1200) / 10 - 60
    east, north = west + 0.1 if index % 3600 < 3599 else 180.0, round(south + 0.1, 1)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": f"scene-{index:07d}",
        "collection": COLLECTION_ID,
        "stac_extensions": [
            "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
            "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
        ],
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [east, north], [west, north], [west, south]]
            ],
        },
        "bbox": [west, south, east, north],
        "properties": {
            "datetime": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T10:30:00Z",
            "gsd": 10,
            "eo:cloud_cover": index % 100,
            "proj:epsg": 32630,
            "platform": "bench-sat",
        },
        "links": [],
        "assets": {
            "visual": {
                "href": f"https://example.com/scenes/{index:07d}/visual.tif",
                "roles": ["data"],
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "eo:bands": [{"name": "red"}, {"name": "green"}, {"name": "blue"}],
            },
            "thumbnail": {
                "href": f"https://example.com/scenes/{index:07d}/thumb.png",
                "type": "image/png",
                "roles": ["thumbnail"],
            },
        },
    }


def collection(item_links: list[str]) -> dict:
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": COLLECTION_ID,
        "description": "register benchmark",
        "license": "CC-BY-4.0",
        "title": "Register benchmark",
        "extent": {
            "spatial": {"bbox": [[-180, -60, 180, 60]]},
            "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]},
        },
        "links": [{"rel": "item", "href": href} for href in item_links],
    }


@dataclass
class Run:
    shape: str
    seconds: float
    cpu_seconds: float  # the worker processes' user + system time during the job
    stages: dict[str, str]
    worker_peak_mib: list[float]


def pypgstac_cli(dsn: str, ndjson: Path, collection_file: Path) -> tuple[float, float]:
    """`load items` timed (the collection is loaded first, untimed), as a user runs it;
    returns (seconds, the CLI's CPU seconds)."""
    cli = str(ROOT / ".venv/bin/pypgstac")
    subprocess.run(
        [cli, "load", "collections", str(collection_file), "--dsn", dsn, "--method", "upsert"],
        check=True,
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [cli, "load", "items", str(ndjson), "--dsn", dsn, "--method", "upsert"], check=True
    )
    seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def count_items(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT count(*) FROM pgstac.items WHERE collection = %s", (COLLECTION_ID,)
        ).fetchone()[0]


def delete_collection(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        if conn.execute(
            "SELECT 1 FROM pgstac.collections WHERE id = %s", (COLLECTION_ID,)
        ).fetchone():
            conn.execute("SELECT pgstac.delete_collection(%s)", (COLLECTION_ID,))


def upload_files(settings: Settings, lines: list[bytes]) -> str:
    """One blob per item and a collection linking them; returns the collection's blob."""
    container = make_service_client(settings).get_container_client(settings.bronze_container)
    names = [f"files/items/scene-{i:07d}.json" for i in range(len(lines))]
    with ThreadPoolExecutor(32) as pool:
        list(
            pool.map(
                lambda pair: container.upload_blob(pair[0], pair[1], overwrite=True),
                zip(names, lines, strict=True),
            )
        )
    links = [f"./items/scene-{i:07d}.json" for i in range(len(lines))]
    container.upload_blob("files/collection.json", json.dumps(collection(links)), overwrite=True)
    return "files/collection.json"


def upload_ndjson(settings: Settings, ndjson: Path) -> tuple[str, str]:
    container = make_service_client(settings).get_container_client(settings.bronze_container)
    with ndjson.open("rb") as data:
        container.upload_blob("ndjson/items.ndjson", data, overwrite=True, max_concurrency=4)
    container.upload_blob("ndjson/collection.json", json.dumps(collection([])), overwrite=True)
    return "ndjson/collection.json", "ndjson/items.ndjson"


def start_workers(settings: Settings, processes: int, threads: int) -> list[subprocess.Popen]:
    env = dict(
        os.environ,
        DATABASE_URL=settings.dsn,
        WORKER_POLL_SECONDS="0.05",
        LOG_LEVEL="WARNING",
        BRONZE_CONTAINER=settings.bronze_container,
        SILVER_CONTAINER=settings.silver_container,
    )
    return [
        subprocess.Popen(
            [sys.executable, "-m", "triggers.cli", "worker", "--threads", str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]


def cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """User + system time the processes have used so far (Linux /proc; clock ticks)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for worker in workers:
        fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def peak_mib(worker: subprocess.Popen) -> float:
    """The process's peak resident memory so far (Linux)."""
    for line in Path(f"/proc/{worker.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def warm_up(platform, processes: int) -> None:
    """Small jobs first, until every worker process has run a task: all have started and
    imported before the clock starts."""
    with psycopg.connect(platform.settings.dsn, autocommit=True) as conn:
        for _ in range(600):
            job_id = platform.engine.submit(
                "hello_world", {"n": 20, "message": secrets.token_hex(4)}, principal=OPERATOR
            ).job["job_id"]
            while platform.engine.job(job_id)["status"] not in DONE:
                time.sleep(0.05)
            running = conn.execute(
                "SELECT count(DISTINCT split_part(worker_id, ':', 2)) FROM app.tasks "
                "WHERE task_type LIKE 'hello%'"
            ).fetchone()[0]
            if running >= processes:
                return


def stage_times(dsn: str, job_id: str) -> dict[str, str]:
    """Each stage's wall time, its tasks and their summed run time (how parallel it was)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """
            SELECT s.name, extract(epoch FROM coalesce(s.completed_at, s.started_at) - s.started_at)::float8 AS wall,
                   count(t.task_id) AS tasks,
                   coalesce(sum(extract(epoch FROM t.completed_at - t.started_at)), 0)::float8 AS busy
            FROM app.job_stages s LEFT JOIN app.tasks t USING (job_id, attempt, stage)
            WHERE s.job_id = %s GROUP BY s.stage, s.name, s.completed_at, s.started_at ORDER BY s.stage""",
            (job_id,),
        ).fetchall()
    return {
        name: f"{wall:.2f} ({tasks} tasks, {busy:.2f} task-s)" for name, wall, tasks, busy in rows
    }


def ingest(settings: Settings, shape: str, parameters: dict, args) -> Run:
    """One ingest_collection job with fresh workers (so their peak memory is this job's)."""
    from triggers.composition import Platform

    platform = Platform.build(settings)
    workers = start_workers(settings, args.worker_processes, args.threads)
    try:
        warm_up(platform, args.worker_processes)
        cpu_before, started = cpu_seconds(workers), time.perf_counter()
        submission = platform.engine.submit(
            "ingest_collection", parameters | {"batch_size": args.batch_size}, principal=OPERATOR
        )
        job_id = submission.job["job_id"]
        if not submission.created:  # a later round: the same parameters, a new attempt
            platform.engine.resubmit(job_id, principal=OPERATOR)
        while (status := platform.engine.job(job_id)["status"]) not in DONE:
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if status != "completed":
            raise SystemExit(
                f"ingest_collection ({shape}) ended {status}: {platform.engine.job(job_id)['error']}"
            )
        return Run(
            shape,
            seconds,
            cpu_seconds(workers) - cpu_before,
            stage_times(settings.dsn, job_id),
            [peak_mib(w) for w in workers],
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument(
        "--shapes", default="ndjson,files", help="which ingest_collection inputs to time"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds, each timing pypgstac then every shape; medians are reported",
    )
    args = parser.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]

    load_before = os.getloadavg()
    suffix = secrets.token_hex(3)
    lines = [json.dumps(item(i)).encode() for i in range(args.items)]
    with fresh_database("geoetl_bench") as dsn, tempfile.TemporaryDirectory() as tmp:
        migrations.deploy(dsn)
        settings = Settings(
            database_url=SecretStr(dsn),
            bronze_container=f"bench-bronze-{suffix}",
            silver_container=f"bench-silver-{suffix}",
            log_level="WARNING",
        )
        client = make_service_client(settings)
        for name in (settings.bronze_container, settings.silver_container):
            client.create_container(name)
        try:
            ndjson, collection_file = Path(tmp) / "items.ndjson", Path(tmp) / "collection.json"
            ndjson.write_bytes(b"\n".join(lines) + b"\n")
            collection_file.write_text(json.dumps(collection([])))
            inputs = upload_inputs(settings, shapes, ndjson, lines)
            del lines
            peers, runs = rounds(args, dsn, settings, inputs, ndjson, collection_file)
        finally:
            for name in (settings.bronze_container, settings.silver_container):
                client.delete_container(name)
    report(args, peers, runs, load_before, os.getloadavg())


def upload_inputs(
    settings: Settings, shapes: list[str], ndjson: Path, lines: list[bytes]
) -> dict[str, dict]:
    inputs = {}
    if "ndjson" in shapes:
        root, items_path = upload_ndjson(settings, ndjson)
        inputs["ndjson"] = {"collection_json_path": root, "items_paths": [items_path]}
    if "files" in shapes:
        inputs["files"] = {"collection_json_path": upload_files(settings, lines)}
    return inputs


def rounds(
    args, dsn: str, settings: Settings, inputs: dict[str, dict], ndjson: Path, collection_file: Path
) -> tuple[list[tuple[float, float]], dict[str, list[Run]]]:
    """pypgstac, then each shape, `--repeat` times, each into an emptied collection: the
    sides alternate, so a busy spell on the shared machine hits both."""
    peers, runs = [], {shape: [] for shape in inputs}
    for _ in range(args.repeat):
        delete_collection(dsn)
        peers.append(pypgstac_cli(dsn, ndjson, collection_file))
        assert count_items(dsn) == args.items, "pypgstac did not load every item"
        for shape, parameters in inputs.items():
            delete_collection(dsn)
            runs[shape].append(ingest(settings, shape, parameters, args))
            assert count_items(dsn) == args.items, (
                f"ingest_collection ({shape}) did not register every item"
            )
    return peers, runs


def report(
    args, peers: list[tuple[float, float]], runs: dict[str, list[Run]], load_before, load_after
) -> None:
    peer_s, peer_cpu = (
        statistics.median(p[0] for p in peers),
        statistics.median(p[1] for p in peers),
    )
    print(
        f"\n{args.items:,} items, one collection; geoetl: batch {args.batch_size}, "
        f"{args.worker_processes} worker process(es) x {args.threads} thread(s); medians of {args.repeat} round(s)"
    )
    print(
        f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min), {os.cpu_count()} CPUs\n"
    )
    print(
        f"{'end to end':<44}{'seconds':>9}{'items/s':>9}{'ratio':>7}{'goal':>6}{'Python CPU s':>14}{'peak MiB':>10}"
    )
    print(
        f"{'pypgstac load items (CLI, no validation)':<44}{peer_s:>9.2f}{args.items / peer_s:>9.0f}{'':>13}{peer_cpu:>14.2f}"
    )
    for shape, shape_runs in runs.items():
        seconds = statistics.median(r.seconds for r in shape_runs)
        cpu = statistics.median(r.cpu_seconds for r in shape_runs)
        peaks = "/".join(f"{p:.0f}" for p in max((r.worker_peak_mib for r in shape_runs), key=max))
        print(
            f"{f'ingest_collection ({shape})':<44}{seconds:>9.2f}{args.items / seconds:>9.0f}{peer_s / seconds:>6.2f}x"
            f"{GOALS[shape]:>5.1f}x{cpu:>14.2f}{peaks:>10}"
        )
    if args.repeat > 1:
        print(
            "\nrounds (seconds): pypgstac "
            + " ".join(f"{p[0]:.2f}" for p in peers)
            + "; "
            + "; ".join(
                f"{shape} " + " ".join(f"{r.seconds:.2f}" for r in shape_runs)
                for shape, shape_runs in runs.items()
            )
        )
    for shape, shape_runs in runs.items():
        last = shape_runs[-1]
        print(
            f"  {shape} stages (last round), seconds: "
            + ", ".join(f"{name} {figures}" for name, figures in last.stages.items())
        )


if __name__ == "__main__":
    main()
