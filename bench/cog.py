"""COG creation versus the `rio cogeo create` CLI with the same profile and options, on
the same generated rasters (uncompressed GeoTIFFs on local disk), in the same run.

    .venv/bin/python bench/cog.py [--side 8000] [--types rgb dem ...] [--workers 2] [--rounds 1]
                                  [--gdal-threads ALL_CPUS|N]

Two comparisons per raster:

1. one raster, one task: process_raster's single-task COG step (services/raster/cog.py,
   rio-cogeo's cog_translate with the profile chosen for the type), local file to local
   file, like the CLI.
2. the tiled job: `process_raster` end to end through the engine with N worker processes
   (`geoetl worker`), the raster in bronze (Azurite) and the COG written to silver: the
   part tasks read their rows in place, the cog stage copies their tiles into one COG.
   Its time runs from submission to the catalogued item, so it includes what the CLI does
   not do: reading from and writing to blob storage, inference, validation, pgSTAC. The
   COG stages alone (cog_parts + cog) are printed too.
3. the same job with tiling switched off (RASTER_TILED_COG_MIN_PIXELS above the raster):
   one task downloads the source, runs rio-cogeo and uploads the COG — the job-to-job
   comparison, same blob storage on both sides.

--gdal-threads applies to every side (the CLI's --threads, GeoETL's RASTER_GDAL_THREADS):
ALL_CPUS compares on a whole machine; 1 makes each worker process one core, as when
workers are separate single-core instances: the tiled job then has N cores, the CLI one.

With --rounds N the sides alternate and the best of each is compared. Every COG is
checked with rio-cogeo's validator.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
import rasterio  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from rasterio.io import MemoryFile  # noqa: E402
from rasterio.transform import Affine  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR
from core.raster.profiles import BLOCK_SIZE, CogProfile, choose_profile  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from services.raster.cog import create_cog, validate  # noqa: E402
from tests.support import child_env, fresh_database, wait_for_status  # noqa: E402
from triggers.composition import Platform  # noqa: E402

STRIP = 512  # rows generated and written at a time (keeps memory flat)


def smooth(rows: slice, side: int, low: float, high: float, seed: int) -> np.ndarray:
    y, x = np.mgrid[rows, 0:side].astype("float32") / side
    rng = np.random.default_rng(seed)
    z = np.zeros_like(x)
    for _ in range(4):
        cx, cy, width = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.3)
        z += np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    return low + np.clip(z / 2.5, 0, 1) * (high - low)


# type → (band count, dtype, nodata, strip generator(rows, side) → (bands, rows, side))
KINDS = {
    "rgb": (3, "uint8", None, lambda r, s: np.stack([smooth(r, s, 0, 255, b) for b in range(3)])),
    "dem": (1, "float32", -9999.0, lambda r, s: smooth(r, s, 100, 2500, 7)[None]),
    "categorical": (1, "uint8", None, lambda r, s: (smooth(r, s, 0, 9.99, 3) // 1)[None]),
    "multispectral": (
        5,
        "uint16",
        None,
        lambda r, s: np.stack([smooth(r, s, 200, 9000, 10 + b) for b in range(5)]),
    ),
    "continuous": (
        1,
        "float32",
        None,
        lambda r, s: (
            smooth(r, s, -5, 35, 9)
            + np.random.default_rng(r.start).normal(0, 0.5, (r.stop - r.start, s))
        )[None],
    ),
}


def generate(path: Path, kind: str, side: int) -> None:
    count, dtype, nodata, make = KINDS[kind]
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": count,
        "dtype": dtype,
        "nodata": nodata,
        "crs": "EPSG:32633",
        "transform": Affine(10.0, 0, 400_000, 0, -10.0, 5_100_000),
        "BIGTIFF": "IF_SAFER",
    }
    if kind == "rgb":
        profile["photometric"] = "RGB"
    with rasterio.open(path, "w", **profile) as dataset:
        for start in range(0, side, STRIP):
            rows = slice(start, min(side, start + STRIP))
            block = make(rows, side).astype(dtype)
            dataset.write(block, window=((rows.start, rows.stop), (0, side)))


def cli_args(profile: CogProfile, threads: str) -> list[str]:
    args = [
        "--cog-profile",
        profile.rio_cogeo_profile,
        "--overview-resampling",
        profile.overview_resampling,
        "--blocksize",
        str(BLOCK_SIZE),
        "--overview-blocksize",
        str(BLOCK_SIZE),
        "--threads",
        threads,
        "--quiet",
    ]
    for key, value in profile.creation_options.items():
        args += ["--co", f"{key.upper()}={value}"]
    return args + (["--add-mask"] if profile.add_mask else [])


def timed_ours(source: Path, target: Path, profile: CogProfile, threads: str) -> float:
    started = time.perf_counter()
    create_cog(source, target, profile, threads)
    return time.perf_counter() - started


def timed_cli(source: Path, target: Path, profile: CogProfile, threads: str) -> float:
    command = [
        str(ROOT / ".venv/bin/rio"),
        "cogeo",
        "create",
        str(source),
        str(target),
        *cli_args(profile, threads),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def cli_startup() -> float:
    """The CLI's own start-up (interpreter and imports), measured apart so the ratio can
    also be read without it."""
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/rio"), "cogeo", "--version"], check=True, capture_output=True
    )
    return time.perf_counter() - started


class TiledJobs:
    """process_raster through the engine: a fresh database, bench containers, N worker processes."""

    def __init__(self, workers: int, gdal_threads: str, tiled: bool = True):
        self.workers, self.gdal_threads, self.tiled = workers, gdal_threads, tiled

    def __enter__(self) -> "TiledJobs":
        suffix = uuid.uuid4().hex[:6]
        self._database = fresh_database("geoetl_bench_cog")
        dsn = self._database.__enter__()
        migrations.deploy(dsn)
        self.settings = Settings().model_copy(
            update={
                "database_url": SecretStr(dsn),
                "bronze_container": f"bench-bronze-{suffix}",
                "silver_container": f"bench-silver-{suffix}",
            }
        )
        self.platform = Platform.build(self.settings)
        self.platform.blobs.ensure_containers()
        env = child_env(
            self.settings,
            LOG_LEVEL="WARNING",
            RASTER_GDAL_THREADS=self.gdal_threads,
            **({} if self.tiled else {"RASTER_TILED_COG_MIN_PIXELS": str(10**15)}),
        )
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "triggers.cli", "worker", "--threads", "1"],
                cwd=ROOT,
                env=env,
            )
            for _ in range(self.workers)
        ]
        job = self.platform.engine.submit(
            "hello_world", {"n": self.workers * 4, "message": suffix}, principal=OPERATOR
        ).job
        wait_for_status(
            self.platform, job["job_id"], {"completed"}, timeout=120
        )  # workers up: start-up not timed
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=60)
        for name in (self.settings.bronze_container, self.settings.silver_container):
            self.platform.blobs.client.delete_container(name)
        self.platform.close()
        self._database.__exit__(*exc)

    def run(self, source: Path, kind: str) -> dict:
        blob = f"bench/{uuid.uuid4().hex[:8]}/{kind}.tif"
        with source.open("rb") as data:
            self.platform.blobs.client.get_blob_client(
                self.settings.bronze_container, blob
            ).upload_blob(data, max_concurrency=4)
        started = time.perf_counter()
        job = self.platform.engine.submit(
            "process_raster",
            {
                "container": self.settings.bronze_container,
                "blob_name": blob,
                "raster_type": kind,
                "target_container": self.settings.silver_container,
                "collection_id": "bench",
            },
            principal=OPERATOR,
        ).job
        done = wait_for_status(
            self.platform, job["job_id"], {"completed", "failed", "cancelled"}, timeout=3600
        )
        seconds = time.perf_counter() - started
        if done["status"] != "completed":
            raise SystemExit(f"process_raster {kind}: {done['status']}: {done['error']}")
        result = done["result"]
        container, cog_blob = result["cog_blob"].split("/", 1)
        content = (
            self.platform.blobs.client.get_blob_client(container, cog_blob)
            .download_blob()
            .readall()
        )
        with MemoryFile(content) as memory:
            valid = validate(Path(memory.name))[0]
        return {
            "seconds": seconds,
            "cog_seconds": self._cog_stage_seconds(job["job_id"]),
            "parts": result["cog_parts"],
            "valid": valid,
        }

    def _cog_stage_seconds(self, job_id: str) -> float:
        with psycopg.connect(self.settings.dsn) as conn:
            return float(
                conn.execute(
                    "SELECT extract(epoch FROM max(completed_at) - min(started_at)) FROM app.job_stages "
                    "WHERE job_id = %s AND name IN ('cog_parts', 'cog')",
                    (job_id,),
                ).fetchone()[0]
            )


def best(runs: list[float]) -> float:
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--side", type=int, default=8000)
    parser.add_argument("--types", nargs="+", default=list(KINDS), choices=list(KINDS))
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the tiled job")
    parser.add_argument(
        "--rounds", type=int, default=1, help="alternating runs of each side; the best is compared"
    )
    parser.add_argument(
        "--gdal-threads",
        default="ALL_CPUS",
        help="GDAL threads of every side: ALL_CPUS or a number",
    )
    args = parser.parse_args()

    rows = []
    startup = min(cli_startup() for _ in range(3))
    with (
        tempfile.TemporaryDirectory(prefix="geoetl-bench-cog-", dir="/var/tmp") as tmp,
        TiledJobs(args.workers, args.gdal_threads) as jobs,
        TiledJobs(args.workers, args.gdal_threads, tiled=False) as single_jobs,
    ):
        for kind in args.types:
            source = Path(tmp) / f"{kind}.tif"
            generate(source, kind, args.side)
            count, dtype, nodata, _ = KINDS[kind]
            profile = choose_profile(kind, (dtype,) * count, nodata, count)
            ours_path, cli_path = Path(tmp) / f"{kind}-ours.tif", Path(tmp) / f"{kind}-cli.tif"
            ours, cli, tiled, single = [], [], [], []
            for round_number in range(args.rounds):
                sides = ("ours", "cli", "tiled", "single")
                sides = sides if round_number % 2 == 0 else tuple(reversed(sides))
                for side in sides:
                    if side == "ours":
                        ours.append(timed_ours(source, ours_path, profile, args.gdal_threads))
                    elif side == "cli":
                        cli.append(timed_cli(source, cli_path, profile, args.gdal_threads))
                    elif side == "tiled":
                        tiled.append(jobs.run(source, kind))
                    else:
                        single.append(single_jobs.run(source, kind))
            fastest = min(tiled, key=lambda run: run["seconds"])
            fastest_single = min(single, key=lambda run: run["seconds"])
            valid = (
                validate(ours_path)[0]
                and validate(cli_path)[0]
                and all(run["valid"] for run in tiled + single)
            )
            rows.append(
                (
                    kind,
                    profile.name,
                    best(ours),
                    best(cli),
                    fastest,
                    ours_path.stat().st_size / 1e6,
                    cli_path.stat().st_size / 1e6,
                    valid,
                    fastest_single,
                )
            )
            for path in (source, ours_path, cli_path):
                path.unlink()

    rounds = f", best of {args.rounds}" if args.rounds > 1 else ""
    print(
        f"\nCOG creation, {args.side} x {args.side} generated rasters, GDAL threads per process = "
        f"{args.gdal_threads} ({os.cpu_count()} cores){rounds}"
    )
    print(f"rio CLI start-up (measured apart): {startup:.2f} s; 'net' = CLI time minus start-up\n")
    print("1. one raster, one task (local file to local file, as the CLI)\n")
    print(
        f"{'type':<15}{'profile':<12}{'geoetl s':>10}{'rio cogeo s':>13}{'ratio':>8}{'net ratio':>11}"
        f"{'geoetl MB':>11}{'cli MB':>9}  valid"
    )
    for kind, name, ours, cli, _, ours_mb, cli_mb, valid, _ in rows:
        print(
            f"{kind:<15}{name:<12}{ours:>10.2f}{cli:>13.2f}{ours / cli:>7.2f}x{ours / (cli - startup):>10.2f}x"
            f"{ours_mb:>11.1f}{cli_mb:>9.1f}  {valid}"
        )
    print(
        f"\n2. process_raster tiled across {args.workers} worker processes (bronze to silver, end to end)\n"
    )
    print(
        f"{'type':<15}{'parts':>6}{'job s':>8}{'cog stages s':>14}{'rio cogeo s':>13}{'job ratio':>11}"
        f"{'stages ratio':>14}"
    )
    for kind, _, _, cli, tiled, _, _, _, _ in rows:
        print(
            f"{kind:<15}{tiled['parts']:>6}{tiled['seconds']:>8.2f}{tiled['cog_seconds']:>14.2f}{cli:>13.2f}"
            f"{tiled['seconds'] / cli:>10.2f}x{tiled['cog_seconds'] / cli:>13.2f}x"
        )
    print("\n3. the same job, one task (tiling off), bench storage and workers as in 2\n")
    print(
        f"{'type':<15}{'job s':>8}{'cog stage s':>13}{'tiled/one-task job':>20}{'tiled/one-task stages':>23}"
    )
    for kind, _, _, _, tiled, _, _, _, single in rows:
        print(
            f"{kind:<15}{single['seconds']:>8.2f}{single['cog_seconds']:>13.2f}"
            f"{tiled['seconds'] / single['seconds']:>19.2f}x{tiled['cog_seconds'] / single['cog_seconds']:>22.2f}x"
        )
    total_cli = sum(r[3] for r in rows)
    print(
        f"\ntotal: one task {sum(r[2] for r in rows):.1f} s, tiled jobs {sum(r[4]['seconds'] for r in rows):.1f} s, "
        f"one-task jobs {sum(r[8]['seconds'] for r in rows):.1f} s, rio cogeo create {total_cli:.1f} s "
        "(goals: one task <= 1.1x, tiled job < 1.0x)"
    )


if __name__ == "__main__":
    main()
