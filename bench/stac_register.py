"""Registering STAC items: ingest_collection's register stage versus
`pypgstac load items --method upsert` (the CLI), on the same ndjson and database, in the
same run.

    .venv/bin/python bench/stac_register.py [--items 10000] [--batch-size 500] [--worker-processes 2]

The items (one collection, polygon footprints, two assets with external hrefs so the
copy stage moves nothing) are written once as ndjson. pypgstac loads that file into an
empty collection; the collection is then deleted and ingest_collection ingests the same
items, read from blob storage as one JSON document per item. Its register stage is timed
from its planning to its last task (from app.job_stages), so claims, staging reads,
formatting and loading are all inside the figure. Runs in a fresh database and fresh
containers; needs PostgreSQL and Azurite up (`scripts/platform.sh up`).
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR
from infrastructure.db import migrations  # noqa: E402
from infrastructure.storage.blobs import make_service_client  # noqa: E402
from tests.support import fresh_database  # noqa: E402

COLLECTION_ID = "bench-register"
DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def item(index: int) -> dict:
    west, south = (index % 3600) / 10 - 180, (index // 3600) / 10 - 60
    east, north = west + 0.1 if index % 3600 < 3599 else 180.0, round(south + 0.1, 1)
    return {
        "type": "Feature", "stac_version": "1.0.0", "id": f"scene-{index:06d}", "collection": COLLECTION_ID,
        "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/projection/v1.1.0/schema.json"],
        "geometry": {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                         [west, north], [west, south]]]},
        "bbox": [west, south, east, north],
        "properties": {"datetime": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T10:30:00Z", "gsd": 10,
                       "eo:cloud_cover": index % 100, "proj:epsg": 32630, "platform": "bench-sat"},
        "links": [],
        "assets": {
            "visual": {"href": f"https://example.com/scenes/{index:06d}/visual.tif", "roles": ["data"],
                       "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                       "eo:bands": [{"name": "red"}, {"name": "green"}, {"name": "blue"}]},
            "thumbnail": {"href": f"https://example.com/scenes/{index:06d}/thumb.png", "type": "image/png",
                          "roles": ["thumbnail"]},
        },
    }


def collection(item_links: list[str]) -> dict:
    return {
        "type": "Collection", "stac_version": "1.0.0", "id": COLLECTION_ID, "description": "register benchmark",
        "license": "CC-BY-4.0", "title": "Register benchmark",
        "extent": {"spatial": {"bbox": [[-180, -60, 180, 60]]}, "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]}},
        "links": [{"rel": "item", "href": href} for href in item_links],
    }


def pypgstac_cli(dsn: str, ndjson: Path, collection_file: Path) -> float:
    cli = str(ROOT / ".venv/bin/pypgstac")
    subprocess.run([cli, "load", "collections", str(collection_file), "--dsn", dsn, "--method", "upsert"], check=True)
    started = time.perf_counter()
    subprocess.run([cli, "load", "items", str(ndjson), "--dsn", dsn, "--method", "upsert"], check=True)
    return time.perf_counter() - started


def count_items(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM pgstac.items WHERE collection = %s", (COLLECTION_ID,)).fetchone()[0]


def delete_collection(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT pgstac.delete_collection(%s)", (COLLECTION_ID,))


def upload(settings: Settings, lines: list[str], bronze: str) -> str:
    client = make_service_client(settings)
    container = client.get_container_client(bronze)
    names = [f"{COLLECTION_ID}/items/scene-{i:06d}.json" for i in range(len(lines))]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda pair: container.upload_blob(pair[0], pair[1], overwrite=True), zip(names, lines)))
    links = [f"./items/scene-{i:06d}.json" for i in range(len(lines))]
    container.upload_blob(f"{COLLECTION_ID}/collection.json", json.dumps(collection(links)), overwrite=True)
    return f"{COLLECTION_ID}/collection.json"


def start_workers(settings: Settings, processes: int, threads: int) -> list[subprocess.Popen]:
    env = dict(os.environ, DATABASE_URL=settings.dsn, WORKER_POLL_SECONDS="0.05", LOG_LEVEL="WARNING",
               BRONZE_CONTAINER=settings.bronze_container, SILVER_CONTAINER=settings.silver_container)
    return [subprocess.Popen([sys.executable, "-m", "triggers.cli", "worker", "--threads", str(threads)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]


def geoetl_register(settings: Settings, collection_blob: str, batch_size: int, processes: int, threads: int) -> dict:
    from triggers.composition import Platform

    platform = Platform.build(settings)
    workers = start_workers(settings, processes, threads)
    try:
        job_id = platform.engine.submit("ingest_collection", {
            "source_container": settings.bronze_container, "target_container": settings.silver_container,
            "collection_json_path": collection_blob, "batch_size": batch_size}, principal=OPERATOR).job["job_id"]
        while (status := platform.engine.job(job_id)["status"]) not in DONE:
            time.sleep(0.2)
        if status != "completed":
            raise SystemExit(f"ingest_collection ended {status}: {platform.engine.job(job_id)['error']}")
        with psycopg.connect(settings.dsn) as conn:
            rows = conn.execute("""SELECT name, extract(epoch FROM completed_at - started_at)::float8
                                   FROM app.job_stages WHERE job_id = %s ORDER BY stage""", (job_id,)).fetchall()
        return dict(rows)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
    args = parser.parse_args()

    suffix = secrets.token_hex(3)
    lines = [json.dumps(item(i)) for i in range(args.items)]
    with fresh_database("geoetl_bench") as dsn, tempfile.TemporaryDirectory() as tmp:
        migrations.deploy(dsn)
        settings = Settings(database_url=SecretStr(dsn), bronze_container=f"bench-bronze-{suffix}",
                            silver_container=f"bench-silver-{suffix}", log_level="WARNING")
        client = make_service_client(settings)
        for name in (settings.bronze_container, settings.silver_container):
            client.create_container(name)
        try:
            ndjson, collection_file = Path(tmp) / "items.ndjson", Path(tmp) / "collection.json"
            ndjson.write_text("\n".join(lines) + "\n")
            collection_file.write_text(json.dumps(collection([])))
            collection_blob = upload(settings, lines, settings.bronze_container)

            peer_s = pypgstac_cli(dsn, ndjson, collection_file)
            assert count_items(dsn) == args.items, "pypgstac did not load every item"
            delete_collection(dsn)
            stages = geoetl_register(settings, collection_blob, args.batch_size, args.worker_processes, args.threads)
            ours_s = stages["register_items"]
            assert count_items(dsn) == args.items, "the register stage did not load every item"
        finally:
            for name in (settings.bronze_container, settings.silver_container):
                client.delete_container(name)

    ours, peer = args.items / ours_s, args.items / peer_s
    print(f"\n{args.items} items, one collection; geoetl: batch {args.batch_size}, "
          f"{args.worker_processes} worker process(es) x {args.threads} thread(s)\n")
    print(f"{'loader':<34}{'seconds':>9}{'items/s':>10}")
    print(f"{'geoetl register_items stage':<34}{ours_s:>9.2f}{ours:>10.0f}")
    print(f"{'pypgstac load items (CLI)':<34}{peer_s:>9.2f}{peer:>10.0f}")
    print(f"ratio geoetl / pypgstac: {ours / peer:.2f}x (goal >= 1.2x)")
    print("\ningest_collection stages (s): " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items()))


if __name__ == "__main__":
    main()
