"""Dashboard latency with 1,000 jobs and 200,000 tasks: p50/p95 of the job-list fragment
(/api/interface/metrics/jobs) and of /api/metrics/jobs, served by uvicorn, against the
peer: the naive way, a live GROUP BY over app.tasks for the same 50 jobs.

    .venv/bin/python bench/dashboard.py [--requests 200]

Goal: p95 under 100 ms on this machine.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from config import Settings  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from tests.support import child_env, free_port, fresh_database, wait_for_port  # noqa: E402

NAIVE_PEER = """
SELECT t.job_id, t.stage, t.status, count(*) FROM app.tasks t
WHERE t.job_id IN (SELECT job_id FROM app.jobs ORDER BY (status IN ('queued','processing')) DESC, created_at DESC LIMIT 50)
GROUP BY 1, 2, 3
"""


def timed(call, repeats: int) -> list[float]:
    call()  # warm up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with fresh_database("geoetl_bench_dash") as dsn:
        migrations.deploy(dsn)
        with psycopg.connect(dsn) as conn:
            conn.execute((ROOT / "bench/sql/dashboard_fixture.sql").read_text())
        settings = Settings().model_copy(
            update={"database_url": type(Settings().database_url)(dsn)}
        )
        port = free_port()
        env = child_env(
            settings,
            API_PORT=str(port),
            LOCAL_WORKERS="0",
            METRICS_ENABLED="false",
            LOG_LEVEL="WARNING",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "triggers.cli", "serve"], cwd=ROOT, env=env
        )
        try:
            wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                fragment = timed(
                    lambda: client.get("/api/interface/metrics/jobs").raise_for_status(),
                    args.requests,
                )
                api = timed(
                    lambda: client.get("/api/metrics/jobs").raise_for_status(), args.requests
                )
                detail_id = client.get("/api/metrics/jobs").json()[0]["job_id"]
                detail = timed(
                    lambda: client.get(f"/api/metrics/jobs/{detail_id}").raise_for_status(),
                    args.requests,
                )
            with psycopg.connect(dsn) as conn:
                naive = timed(
                    lambda: conn.execute(NAIVE_PEER).fetchall(), max(20, args.requests // 10)
                )
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(
        f"\n1,000 jobs, 200,000 tasks, 30,000 snapshots; {args.requests} sequential requests each\n"
    )
    print(f"{'what':<48}{'p50 ms':>9}{'p95 ms':>9}")
    rows = [
        ("GET /api/interface/metrics/jobs (HTML fragment)", fragment),
        ("GET /api/metrics/jobs (JSON)", api),
        ("GET /api/metrics/jobs/{id} (detail)", detail),
        ("peer: live GROUP BY over app.tasks (SQL only)", naive),
    ]
    for name, samples in rows:
        print(f"{name:<48}{p(samples, 50):>9.1f}{p(samples, 95):>9.1f}")
    print(
        f"ratio p95 fragment / naive SQL alone: {p(fragment, 95) / p(naive, 95):.2f}x; goal p95 < 100 ms: "
        f"{'met' if max(p(fragment, 95), p(api, 95)) < 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
