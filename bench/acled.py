"""ACLED: a local server following ACLED's contract (tests/fakes/acled.py, in its own
process) serves 1,000,000 generated events. Timed, in one run against a fresh database:

1. GeoETL's full load: `curated_update` of the seeded `acled` entry, from submission to
   the published table (token, month fan-out, typed COPY staging, key + 5 indexes, swap,
   metadata, STAC item, update log) — goal ≥ 20,000 events/s.
   Peer: **plain COPY** — one client reading the same events page by page in sequence and
   COPYing each page (the same COPY text) into an unindexed typed table: the least a loader does.
2. 1,000 events change at the source (500 revised, 200 deleted, 300 added), then GeoETL's
   increment (check, page fan-out, deletions, one merge transaction) — goal ≤ 5 s.
   Peer: **per-row upsert** — the same changes read in sequence and applied with one
   INSERT … ON CONFLICT DO UPDATE per event and one DELETE per deletion, on the peer's
   table (given a primary key first, untimed).

    .venv/bin/python bench/acled.py [--events 1000000] [--workers 2] [--threads 2]

Worker processes are separate (`geoetl worker`). Both tables are compared with the
source at the end. The machine is shared, so besides wall time the CPU seconds each
side used are printed (workers or the peer's client, database backends, the source):
unlike wall time, they do not depend on what else runs.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql as pgsql  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from config import Settings  # noqa: E402
from core.access import OPERATOR  # noqa: E402
from infrastructure.db import migrations  # noqa: E402
from infrastructure.db.queries import sql  # noqa: E402
from services.curated.acled.fields import EVENT_FIELDS, FIELD_NAMES  # noqa: E402
from services.curated.acled.staging import EVENTS, as_copy_text  # noqa: E402
from tests.fakes.acled import EMAIL, PASSWORD  # noqa: E402
from tests.support import child_env, free_port, fresh_database, wait_for_port, wait_for_status  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = "2018-01-01"
DAYS = 3200  # events spread from 2018-01-01 over ~8.8 years
PEER_TABLE = pgsql.Identifier("public", "acled_peer")


# -- the source -------------------------------------------------------------------------------


def start_source(events: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.acled", str(port)], cwd=ROOT)
    wait_for_port(port)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    held = control(
        base, {"generate": events, "start": START, "days": DAYS, "impossible_every": 10_007}
    )
    print(
        f"source: {held['events']:,} events generated in {time.monotonic() - started:.0f} s (not timed)"
    )
    return proc, base


def control(base: str, order: dict) -> dict:
    return httpx.post(f"{base}/_control", content=orjson.dumps(order), timeout=1800).json()


# -- GeoETL -------------------------------------------------------------------------------------


def start_workers(
    settings: Settings, base: str, workers: int, threads: int
) -> list[subprocess.Popen]:
    env = child_env(
        settings,
        LOG_LEVEL="WARNING",
        ACLED_BASE_URL=base,
        ACLED_EMAIL=EMAIL,
        ACLED_PASSWORD=PASSWORD,
        SOURCE_ALLOWED_HOSTS=base.removeprefix("http://"),
        WORKER_POLL_SECONDS="0.05",
    )
    return [
        subprocess.Popen(
            [sys.executable, "-m", "triggers.cli", "worker", "--threads", str(threads)],
            cwd=ROOT,
            env=env,
        )
        for _ in range(workers)
    ]


def run_update(platform) -> tuple[float, dict, dict]:
    """(seconds, job, update log row) of one manual update of the seeded dataset."""
    parameters = {
        "dataset_id": "acled",
        "update_type": "manual",
        "requested_at": datetime.now(timezone.utc).isoformat(),
    }
    started = time.monotonic()
    job = platform.engine.submit("curated_update", parameters, principal=OPERATOR).job
    job = wait_for_status(
        platform, job["job_id"], {"completed", "failed", "cancelled"}, timeout=3600
    )
    seconds = time.monotonic() - started
    if job["status"] != "completed":
        raise SystemExit(f"curated_update {job['status']}: {job['error']}")
    with psycopg.connect(platform.settings.dsn) as conn:
        log = conn.execute(
            "SELECT records_added, records_updated, records_deleted, records_total, details "
            "FROM app.curated_update_log WHERE job_id = %s",
            (job["job_id"],),
        ).fetchone()
    return (
        seconds,
        job,
        dict(zip(("added", "updated", "deleted", "total", "details"), log, strict=True)),
    )


class CpuMeter:
    """CPU seconds of processes over a phase: given pids, and the database's backends (read
    from pg_stat_activity at the end; a backend that exited meanwhile is not counted)."""

    def __init__(self, dsn: str, pids: list[int]):
        self._dsn, self._pids = dsn, pids
        self._start = self._read()

    def _read(self) -> dict[int, float]:
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            backends = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ]
        return {
            pid: cpu for pid in [*self._pids, *backends] if (cpu := cpu_seconds(pid)) is not None
        }

    def used(self) -> tuple[float, float]:
        """(the given processes', the database's) CPU seconds since the meter started."""
        now = self._read()
        spent = {pid: cpu - self._start.get(pid, 0.0) for pid, cpu in now.items()}
        mine = sum(spent.get(pid, 0.0) for pid in self._pids)
        return mine, sum(spent.values()) - mine


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stage_seconds(dsn: str, job_id: str) -> dict[str, float]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT name, extract(epoch FROM completed_at - started_at) FROM app.job_stages "
            "WHERE job_id = %s AND status <> 'skipped' ORDER BY stage",
            (job_id,),
        ).fetchall()
    return {name: round(float(s), 1) for name, s in rows}


# -- the peers ----------------------------------------------------------------------------------


def peer_token(http: httpx.Client, base: str) -> str:
    answer = http.post(
        f"{base}/oauth/token",
        data={
            "username": EMAIL,
            "password": PASSWORD,
            "grant_type": "password",
            "client_id": "acled",
            "scope": "authenticated",
        },
    )
    return answer.json()["access_token"]


def peer_pages(http: httpx.Client, base: str, path: str, filters: dict):
    """Every page of one read, in sequence, each as ACLED sent it."""
    token = peer_token(http, base)
    for page in range(1, 10**6):
        answer = http.get(
            f"{base}{path}",
            params={"_format": "json", **filters, "limit": "5000", "page": str(page)},
            headers={"Authorization": f"Bearer {token}"},
        )
        data = orjson.loads(answer.content)["data"]
        yield data
        if len(data) < 5000:
            return


def peer_copy(dsn: str, base: str) -> tuple[float, int]:
    """Plain COPY: the same events, read in sequence, each page COPYed as it arrives."""
    columns = pgsql.SQL(", ").join(pgsql.Identifier(name) for name in FIELD_NAMES)
    copy = pgsql.SQL("COPY {} ({}) FROM STDIN (FORMAT text, NULL '')").format(PEER_TABLE, columns)
    with psycopg.connect(dsn) as conn:
        conn.execute(pgsql.SQL(sql("acled/create_events")).format(table=PEER_TABLE))
        conn.commit()
        started, rows = time.monotonic(), 0
        with httpx.Client(timeout=300) as http, conn.cursor().copy(copy) as writer:
            for data in peer_pages(
                http,
                base,
                "/api/acled/read",
                {"event_date": f"{START}|2099-12-31", "event_date_where": "BETWEEN"},
            ):
                writer.write(as_copy_text(EVENTS, data))
                rows += len(data)
        conn.commit()
        return time.monotonic() - started, rows


def peer_upsert(dsn: str, base: str) -> tuple[float, int, int]:
    """Per-row upsert: the changes since the newest stamp held, one statement per event."""
    names = pgsql.SQL(", ").join(pgsql.Identifier(name) for name, _type, _text in EVENT_FIELDS)
    typed = pgsql.SQL(", ").join(
        pgsql.SQL("NULLIF(%s, '')::{}").format(pgsql.SQL(pg_type))
        for _name, pg_type, _text in EVENT_FIELDS
    )
    excluded = pgsql.SQL(", ").join(pgsql.Identifier("excluded", name) for name in FIELD_NAMES)
    upsert = pgsql.SQL(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (event_id_cnty) DO UPDATE SET ({}) = ({})"
    ).format(PEER_TABLE, names, typed, names, excluded)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "ALTER TABLE public.acled_peer ADD PRIMARY KEY (event_id_cnty)"
        )  # untimed: the peer's index
        conn.commit()
        since = conn.execute('SELECT max("timestamp") FROM public.acled_peer').fetchone()[0]
        started = time.monotonic()
        with httpx.Client(timeout=300) as http, conn.cursor() as cursor:
            changed = [
                row
                for data in peer_pages(
                    http, base, "/api/acled/read", {"timestamp": str(since), "timestamp_where": ">"}
                )
                for row in data
            ]
            deleted = [
                row
                for data in peer_pages(
                    http,
                    base,
                    "/api/deleted/read",
                    {"deleted_timestamp": str(since), "deleted_timestamp_where": ">"},
                )
                for row in data
            ]
            cursor.executemany(
                upsert, [tuple(row[name] for name in FIELD_NAMES) for row in changed]
            )
            cursor.executemany(
                "DELETE FROM public.acled_peer WHERE event_id_cnty = %s",
                [(row["event_id_cnty"],) for row in deleted],
            )
        conn.commit()
        return time.monotonic() - started, len(changed), len(deleted)


def same_as_peer(dsn: str) -> list[tuple]:
    summary = pgsql.SQL(
        'SELECT count(*), count(geom), sum(fatalities), max("timestamp"), '
        "md5(string_agg(event_id_cnty, ',' ORDER BY event_id_cnty)) FROM {}"
    )
    with psycopg.connect(dsn) as conn:
        return [
            conn.execute(summary.format(table)).fetchone()
            for table in (pgsql.Identifier("geo", "curated_acled_events"), PEER_TABLE)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    args = parser.parse_args()
    source, base = start_source(args.events)
    suffix = uuid.uuid4().hex[:6]
    try:
        with fresh_database("geoetl_bench") as dsn:
            migrations.deploy(dsn)
            settings = Settings().model_copy(
                update={
                    "database_url": SecretStr(dsn),
                    "bronze_container": f"bench-bronze-{suffix}",
                    "silver_container": f"bench-silver-{suffix}",
                    "acled_base_url": base,
                    "acled_email": SecretStr(EMAIL),
                    "acled_password": SecretStr(PASSWORD),
                    "source_allowed_hosts": base.removeprefix("http://"),
                }
            )
            run(settings, source, base, args)
    finally:
        source.terminate()
        source.wait(timeout=60)


def run(settings: Settings, source: subprocess.Popen, base: str, args) -> None:
    from triggers.composition import Platform

    platform = Platform.build(settings)
    workers = start_workers(settings, base, args.workers, args.threads)
    try:
        warm = platform.engine.submit(
            "hello_world", {"n": 8, "message": uuid.uuid4().hex}, principal=OPERATOR
        ).job
        wait_for_status(platform, warm["job_id"], {"completed"}, timeout=120)
        pids = [proc.pid for proc in workers]
        meter, source_cpu = CpuMeter(settings.dsn, pids), cpu_seconds(source.pid)
        full_seconds, full_job, full_log = run_update(platform)
        ours_cpu = (*meter.used(), cpu_seconds(source.pid) - source_cpu)
        print(
            f"GeoETL full load : {full_seconds:6.1f} s  {full_log['total'] / full_seconds:9,.0f} events/s  "
            f"(stages {stage_seconds(settings.dsn, full_job['job_id'])}; {full_log['details']})"
        )
        meter, source_cpu, client_cpu = (
            CpuMeter(settings.dsn, []),
            cpu_seconds(source.pid),
            time.process_time(),
        )
        copy_seconds, copied = peer_copy(settings.dsn, base)
        peer_cpu = (
            time.process_time() - client_cpu,
            meter.used()[1],
            cpu_seconds(source.pid) - source_cpu,
        )
        print(
            f"peer plain COPY  : {copy_seconds:6.1f} s  {copied / copy_seconds:9,.0f} events/s  (no indexes)"
        )
        changed = control(
            base, {"revise": 500, "delete": 200, "add": 300, "add_start": "2026-11-01"}
        )
        print(f"source changed: 500 revised, 200 deleted, 300 added → {changed['events']:,} events")
        inc_seconds, inc_job, inc_log = run_update(platform)
        print(
            f"GeoETL increment : {inc_seconds:6.2f} s  added {inc_log['added']}, updated {inc_log['updated']}, "
            f"deleted {inc_log['deleted']}, total {inc_log['total']:,} "
            f"(stages {stage_seconds(settings.dsn, inc_job['job_id'])})"
        )
        upsert_seconds, upserted, deleted = peer_upsert(settings.dsn, base)
        print(
            f"peer per-row     : {upsert_seconds:6.2f} s  ({upserted} upserts, {deleted} deletes)"
        )
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=60)
        platform.close()
    ours, peer = same_as_peer(settings.dsn)
    print(
        f"tables (rows, points, fatalities, newest stamp, ids md5): GeoETL {ours}\n{' ' * 56}peer   {peer}"
    )
    print(
        f"full load  : {full_log['total'] / full_seconds:,.0f} events/s (goal ≥ 20,000); "
        f"ratio GeoETL/plain COPY time {full_seconds / copy_seconds:.2f}"
    )
    for name, (client, database, served) in (("GeoETL", ours_cpu), ("plain COPY", peer_cpu)):
        total = client + database + served
        print(
            f"CPU seconds, {name:10s}: {total:5.1f} = client {client:5.1f} + database {database:5.1f} + source "
            f"{served:4.1f} → {full_log['total'] / (total / os.cpu_count()):9,.0f} events/s if the "
            f"{os.cpu_count()} cores were this run's alone"
        )
    print(
        f"increment  : {inc_seconds:.2f} s for 1,000 changes on {full_log['total']:,} rows (goal ≤ 5 s); "
        f"ratio GeoETL/per-row upsert time {inc_seconds / upsert_seconds:.2f}"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{args.workers} worker processes × {args.threads} threads"
    )


if __name__ == "__main__":
    main()
