"""COG creation: process_raster's COG step (services/raster/cog.py: the profile chosen for
the raster's type, through rio-cogeo) versus the `rio cogeo create` CLI with the same
profile and options, on the same generated rasters, in the same run.

    .venv/bin/python bench/cog.py [--side 8000] [--types rgb dem categorical multispectral continuous]

Each raster is generated once as an uncompressed GeoTIFF on local disk; both sides read
it and write a COG to local disk (the job's download and upload are not timed). Ours
runs first, then the CLI; each output is checked with rio-cogeo's validator.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from rasterio.transform import Affine  # noqa: E402

from core.raster.profiles import BLOCK_SIZE, CogProfile, choose_profile  # noqa: E402
from services.raster.cog import create_cog, validate  # noqa: E402

STRIP = 512   # rows generated and written at a time (keeps memory flat)


def smooth(rows: slice, side: int, low: float, high: float, seed: int) -> np.ndarray:
    y, x = np.mgrid[rows, 0:side].astype("float32") / side
    rng = np.random.default_rng(seed)
    z = np.zeros_like(x)
    for _ in range(4):
        cx, cy, width = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.3)
        z += np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width ** 2))
    return low + np.clip(z / 2.5, 0, 1) * (high - low)


# type → (band count, dtype, nodata, strip generator(rows, side) → (bands, rows, side))
KINDS = {
    "rgb": (3, "uint8", None, lambda r, s: np.stack([smooth(r, s, 0, 255, b) for b in range(3)])),
    "dem": (1, "float32", -9999.0, lambda r, s: smooth(r, s, 100, 2500, 7)[None]),
    "categorical": (1, "uint8", None, lambda r, s: (smooth(r, s, 0, 9.99, 3) // 1)[None]),
    "multispectral": (5, "uint16", None, lambda r, s: np.stack([smooth(r, s, 200, 9000, 10 + b) for b in range(5)])),
    "continuous": (1, "float32", None, lambda r, s: (smooth(r, s, -5, 35, 9)
                                                     + np.random.default_rng(r.start).normal(0, 0.5, (r.stop - r.start, s)))[None]),
}


def generate(path: Path, kind: str, side: int) -> None:
    count, dtype, nodata, make = KINDS[kind]
    profile = {"driver": "GTiff", "width": side, "height": side, "count": count, "dtype": dtype, "nodata": nodata,
               "crs": "EPSG:32633", "transform": Affine(10.0, 0, 400_000, 0, -10.0, 5_100_000), "BIGTIFF": "IF_SAFER"}
    if kind == "rgb":
        profile["photometric"] = "RGB"
    with rasterio.open(path, "w", **profile) as dataset:
        for start in range(0, side, STRIP):
            rows = slice(start, min(side, start + STRIP))
            block = make(rows, side).astype(dtype)
            dataset.write(block, window=((rows.start, rows.stop), (0, side)))


def cli_args(profile: CogProfile) -> list[str]:
    args = ["--cog-profile", profile.rio_cogeo_profile, "--overview-resampling", profile.overview_resampling,
            "--blocksize", str(BLOCK_SIZE), "--overview-blocksize", str(BLOCK_SIZE), "--threads", "ALL_CPUS", "--quiet"]
    for key, value in profile.creation_options.items():
        args += ["--co", f"{key.upper()}={value}"]
    return args + (["--add-mask"] if profile.add_mask else [])


def timed_ours(source: Path, target: Path, profile: CogProfile) -> float:
    started = time.perf_counter()
    create_cog(source, target, profile)
    return time.perf_counter() - started


def timed_cli(source: Path, target: Path, profile: CogProfile) -> float:
    command = [str(ROOT / ".venv/bin/rio"), "cogeo", "create", str(source), str(target), *cli_args(profile)]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def cli_startup() -> float:
    """The CLI's own start-up (interpreter and imports), measured apart so the ratio can
    also be read without it."""
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/rio"), "cogeo", "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=8000)
    parser.add_argument("--types", nargs="+", default=list(KINDS), choices=list(KINDS))
    args = parser.parse_args()

    rows = []
    startup = min(cli_startup() for _ in range(3))
    with tempfile.TemporaryDirectory(prefix="geoetl-bench-cog-", dir="/var/tmp") as tmp:
        for kind in args.types:
            source = Path(tmp) / f"{kind}.tif"
            generate(source, kind, args.side)
            count, dtype, nodata, _ = KINDS[kind]
            profile = choose_profile(kind, (dtype,) * count, nodata, count)
            ours_path, cli_path = Path(tmp) / f"{kind}-ours.tif", Path(tmp) / f"{kind}-cli.tif"
            ours = timed_ours(source, ours_path, profile)
            cli = timed_cli(source, cli_path, profile)
            valid = validate(ours_path)[0] and validate(cli_path)[0]
            rows.append((kind, profile.name, ours, cli, ours_path.stat().st_size, cli_path.stat().st_size, valid))
            for path in (source, ours_path, cli_path):
                path.unlink()

    print(f"\nCOG creation, {args.side} x {args.side} generated rasters, local disk, GDAL threads = all cores\n")
    print(f"rio CLI start-up (measured apart): {startup:.2f} s; 'net' = CLI time minus start-up\n")
    print(f"{'type':<15}{'profile':<12}{'geoetl s':>10}{'rio cogeo s':>13}{'ratio':>8}{'net ratio':>11}"
          f"{'geoetl MB':>11}{'cli MB':>9}  valid")
    for kind, name, ours, cli, ours_size, cli_size, valid in rows:
        print(f"{kind:<15}{name:<12}{ours:>10.2f}{cli:>13.2f}{ours / cli:>7.2f}x{ours / (cli - startup):>10.2f}x"
              f"{ours_size / 1e6:>11.1f}{cli_size / 1e6:>9.1f}  {valid}")
    total_ours, total_cli = sum(r[2] for r in rows), sum(r[3] for r in rows)
    net = total_cli - startup * len(rows)
    print(f"total: geoetl {total_ours:.1f} s, rio cogeo create {total_cli:.1f} s ({net:.1f} s net), "
          f"ratio {total_ours / total_cli:.2f}x, net {total_ours / net:.2f}x (goal <= 1.1x for one raster; "
          "one raster is one task: COG creation is not split across tasks)")


if __name__ == "__main__":
    main()
