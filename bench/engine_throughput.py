"""Engine throughput: no-op tasks through GeoETL's local workers versus procrastinate
(a well-kept PostgreSQL task queue) running the same number of no-op jobs with the same
worker count, in the same run and the same PostgreSQL.

    .venv/bin/python bench/engine_throughput.py [--sizes 1000 10000 100000] [--workers 4]

Each measurement runs in its own process (so memory figures are its own) against a
fresh database created for this run. Planning/deferring is timed apart from execution.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel, SecretStr  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR
from core.engine.definitions import JobDefinition, StageDefinition  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from services.engine.context import TaskContext  # noqa: E402
from services.engine.handlers import HandlerRegistry, JobRegistry, handler  # noqa: E402
from tests.support import fresh_database  # noqa: E402


class NoopParams(BaseModel):
    n: int


class Empty(BaseModel):
    pass


@handler("bench.noop")
def noop(params: Empty, ctx: TaskContext) -> Empty:
    return Empty()


NOOP_JOB = JobDefinition(
    job_type="bench_noop",
    description="n no-op tasks",
    parameters_model=NoopParams,
    stages=(
        StageDefinition(
            name="noop",
            task_type="bench.noop",
            fan_out="per_item",
            max_concurrency=1_000_000,
            planner=lambda ctx: ({} for _ in range(ctx.parameters.n)),
        ),
    ),
)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_geoetl(dsn: str, n: int, workers: int) -> dict:
    from services.engine.worker import WorkerPool
    from triggers.composition import Platform

    settings = Settings(
        database_url=SecretStr(dsn), db_pool_max_size=workers + 4, log_level="WARNING"
    )
    platform = Platform.build(settings, jobs=JobRegistry([NOOP_JOB], HandlerRegistry([noop])))
    started = time.perf_counter()
    job_id = platform.engine.submit("bench_noop", {"n": n}, principal=OPERATOR).job["job_id"]
    planned = time.perf_counter() - started
    rss_before = rss_mb()
    pool = WorkerPool(
        platform.engine,
        platform.engine.jobs.handlers,
        platform,
        threads=workers,
        heartbeat_seconds=10,
        batch_size=50,
        poll_seconds=0.05,
    )
    started = time.perf_counter()
    pool.start()
    while platform.engine.job(job_id)["status"] != "completed":
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    pool.stop()
    platform.close()
    return {
        "n": n,
        "plan_s": planned,
        "run_s": elapsed,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_mb(),
    }


def run_procrastinate(dsn: str, n: int, workers: int) -> dict:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    @app.task(name="noop", queue="bench")
    async def noop_job() -> None:
        return None

    async def main() -> dict:
        async with app.open_async():
            started = time.perf_counter()
            for start in range(0, n, 5000):
                await noop_job.batch_defer_async(*[{} for _ in range(min(5000, n - start))])
            deferred = time.perf_counter() - started
            rss_before = rss_mb()
            started = time.perf_counter()
            await app.run_worker_async(
                queues=["bench"], concurrency=workers, wait=False, install_signal_handlers=False
            )
            elapsed = time.perf_counter() - started
        return {
            "n": n,
            "plan_s": deferred,
            "run_s": elapsed,
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_mb(),
        }

    return asyncio.run(main())


def child(kind: str, dsn: str, n: int, workers: int) -> None:
    result = run_geoetl(dsn, n, workers) if kind == "geoetl" else run_procrastinate(dsn, n, workers)
    print(json.dumps(result))


def measure(kind: str, dsn: str, n: int, workers: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--dsn",
            dsn,
            "--n",
            str(n),
            "--workers",
            str(workers),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def install_procrastinate_schema(dsn: str) -> None:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    async def apply() -> None:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()

    asyncio.run(apply())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--peer-size", type=int, default=10_000, help="jobs for procrastinate")
    parser.add_argument("--child")
    parser.add_argument("--dsn")
    parser.add_argument("--n", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dsn, args.n, args.workers)
        return

    with fresh_database("geoetl_bench") as dsn:
        migrations.deploy(dsn)
        install_procrastinate_schema(dsn)
        rows = [("geoetl", measure("geoetl", dsn, n, args.workers)) for n in args.sizes]
        peer = measure("procrastinate", dsn, args.peer_size, args.workers)

    print(
        f"\nno-op tasks, {args.workers} workers, fresh database; run = execution only (planning/deferring apart)\n"
    )
    print(
        f"{'engine':<14}{'tasks':>9}{'plan s':>9}{'run s':>9}{'tasks/s':>10}{'µs/task':>10}{'RSS MB':>16}"
    )
    for name, r in [*rows, ("procrastinate", peer)]:
        rate = r["n"] / r["run_s"]
        print(
            f"{name:<14}{r['n']:>9}{r['plan_s']:>9.2f}{r['run_s']:>9.2f}{rate:>10.0f}{1e6 / rate:>10.0f}"
            f"{r['rss_before_mb']:>8.0f}→{r['rss_after_mb']:<7.0f}"
        )
    peer_rate = peer["n"] / peer["run_s"]
    for _, r in rows:
        print(
            f"ratio geoetl({r['n']}) / procrastinate({peer['n']}): {r['n'] / r['run_s'] / peer_rate:.1f}x"
        )
    small, large = rows[0][1], rows[-1][1]
    scale = (large["run_s"] / large["n"]) / (small["run_s"] / small["n"])
    print(f"per-task cost at {large['n']} vs {small['n']}: {scale:.2f}x (goal ≤ 1.3x)")


if __name__ == "__main__":
    main()
