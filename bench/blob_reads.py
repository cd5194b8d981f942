"""Small-blob reads: what one-file-per-item ingestion can reach against this storage.

    .venv/bin/python bench/blob_reads.py [--blobs 3000] [--threads 16] [--concurrency 32]

Writes `--blobs` STAC item documents (bench/stac_register.py's items, ~1 KB each) to a
fresh container, then reads every one of them three ways, in the same run:

  GeoETL        BlobStore.read from `--threads` threads: the path the inventory stage
                takes for item files (azure-storage-blob, sync, our pooled transport);
  SDK async     azure-storage-blob's aio client over aiohttp, `--concurrency` at once;
  raw HTTP      the peer that costs the client almost nothing: aiohttp GETs with a
                read-only container SAS (no SDK pipeline), `--concurrency` at once.
                The storage's own ceiling for small reads on this machine.

Prints reads/s and client CPU per read for each, the ratio of GeoETL to the raw ceiling,
and what 10,000 item files cost at each rate. Needs Azurite (or a storage account) from
the settings; the container is deleted afterwards.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import aiohttp  # noqa: E402
from azure.storage.blob import ContainerSasPermissions, generate_container_sas  # noqa: E402
from azure.storage.blob.aio import BlobServiceClient as AsyncBlobServiceClient  # noqa: E402

from bench.stac_register import item  # noqa: E402
from config import Settings  # noqa: E402
from infrastructure.storage.blobs import BlobStore  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, read_all, count: int) -> tuple[str, float, float]:
    started, cpu = time.perf_counter(), cpu_seconds()
    read_all()
    wall, used = time.perf_counter() - started, cpu_seconds() - cpu
    return label, count / wall, 1000 * used / count


def sdk_threads(store: BlobStore, container: str, names: list[str], threads: int):
    def read_all():
        with ThreadPoolExecutor(threads) as pool:
            bodies = list(pool.map(lambda name: store.read(container, name), names))
        assert all(bodies)

    return read_all


def sdk_async(store: BlobStore, container: str, names: list[str], concurrency: int):
    async def run():
        credential = store.client.credential  # the sync client's account key, shared
        async with AsyncBlobServiceClient(store.account_url(), credential=credential) as service:
            client = service.get_container_client(container)
            gate = asyncio.Semaphore(concurrency)

            async def one(name: str) -> bytes:
                async with gate:
                    download = await client.get_blob_client(name).download_blob()
                    return await download.readall()

            bodies = await asyncio.gather(*(one(name) for name in names))
        assert all(bodies)

    return lambda: asyncio.run(run())


def raw_http(base_url: str, sas: str, names: list[str], concurrency: int):
    async def run():
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(name: str) -> bytes:
                async with session.get(f"{base_url}/{name}?{sas}") as response:
                    response.raise_for_status()
                    return await response.read()

            bodies = await asyncio.gather(*(one(name) for name in names))
        assert all(bodies)

    return lambda: asyncio.run(run())


def container_sas(store: BlobStore, container: str) -> str:
    credential = store.client.credential
    return generate_container_sas(
        credential.account_name,
        container,
        account_key=credential.account_key,
        permission=ContainerSasPermissions(read=True),
        expiry=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blobs", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    store = BlobStore(Settings())
    if not hasattr(store.client.credential, "account_key"):
        raise SystemExit("needs an account key (STORAGE_CONNECTION_STRING, Azurite's by default)")
    container = f"bench-reads-{uuid.uuid4().hex[:6]}"
    store.client.create_container(container)
    names = [f"items/{index}.json" for index in range(args.blobs)]
    try:
        with ThreadPoolExecutor(16) as pool:
            list(
                pool.map(
                    lambda i: store.write(
                        container, names[i], json.dumps(item(i)).encode(), overwrite=True
                    ),
                    range(args.blobs),
                )
            )
        base_url = f"{store.account_url()}/{container}"
        runs = [
            timed(
                "GeoETL (SDK, threads)",
                sdk_threads(store, container, names, args.threads),
                args.blobs,
            ),
            timed(
                "SDK async (aiohttp)",
                sdk_async(store, container, names, args.concurrency),
                args.blobs,
            ),
            timed(
                "raw HTTP (aiohttp, SAS)",
                raw_http(base_url, container_sas(store, container), names, args.concurrency),
                args.blobs,
            ),
        ]
    finally:
        store.client.delete_container(container)
        store.close()

    ceiling = runs[-1][1]
    print(
        f"\n{args.blobs:,} item documents, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n"
    )
    for label, rate, cpu_ms in runs:
        print(
            f"{label:<26} {rate:7.0f} reads/s  client CPU {cpu_ms:5.2f} ms/read  "
            f"10,000 items {10_000 / rate:5.1f} s  ratio to raw {rate / ceiling:.2f}"
        )


if __name__ == "__main__":
    main()
