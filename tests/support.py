"""Helpers for tests that need real services: fresh databases, free ports, Azurite."""

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from config import Settings

ROOT = Path(__file__).resolve().parent.parent


def base_settings() -> Settings:
    """What the environment (make test) points at; tests derive isolated copies from it."""
    return Settings()


@contextmanager
def fresh_database(prefix: str = "geoetl_test") -> Iterator[str]:
    """An empty database created for the caller and dropped afterwards; yields its DSN."""
    base = base_settings().dsn
    name = f"{prefix}_{secrets.token_hex(4)}"
    maintenance = make_conninfo(base, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(base, dbname=name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def azurite_connection_string(port: int) -> str:
    account_key = (
        base_settings()
        .storage_connection_string.get_secret_value()
        .split("AccountKey=")[1]
        .split(";")[0]
    )
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={account_key};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )


@contextmanager
def private_azurite(workdir: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """A second Azurite, owned by the test, on a free port (so it can be stopped)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(ROOT / "node_modules/.bin/azurite-blob"),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(workdir),
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a subprocess running the app against the test's settings."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.dsn,
            "BRONZE_CONTAINER": settings.bronze_container,
            "SILVER_CONTAINER": settings.silver_container,
        }
    )
    if settings.admin_api_key is not None:
        env["ADMIN_API_KEY"] = settings.admin_api_key.get_secret_value()
    env.update(extra)
    return env


def wait_for_status(
    platform, job_id: str, statuses: set[str], timeout: float = 60.0, reconcile: bool = False
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reconcile:
            platform.engine.reconcile()
        job = platform.engine.job(job_id)
        if job["status"] in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(
        f"job {job_id} still {platform.engine.job(job_id)['status']} after {timeout}s (wanted {statuses})"
    )


PG_BIN = Path("/usr/lib/postgresql/15/bin")


@contextmanager
def private_postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A throwaway PostgreSQL cluster owned by the test (so it can be restarted);
    yields its DSN and a restart function. Needs root (it runs the server as `postgres`)."""
    import shutil
    import tempfile

    data = Path(tempfile.mkdtemp(prefix="geoetl-pg-", dir="/var/tmp"))
    shutil.chown(data, "postgres", "postgres")
    port = free_port()

    def pg(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    pg(
        str(PG_BIN / "initdb"),
        "-D",
        str(data / "db"),
        "-U",
        "postgres",
        "--auth=trust",
        "--no-locale",
        "-E",
        "UTF8",
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
    start = [
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data / "db"),
        "-o",
        options,
        "-l",
        str(data / "log"),
        "-w",
    ]
    pg(*start, "start")
    try:
        yield (
            f"postgresql://postgres@127.0.0.1:{port}/postgres",
            lambda: pg(*start, "-m", "fast", "restart"),
        )
    finally:
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


def all_at_once(call: Callable[[], object], times: int, timeout: float = 120.0) -> list:
    """Runs `call` from `times` threads released together; returns the results, and
    raises the first exception any of them raised."""
    import threading

    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:  # handed to the caller below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results


@contextmanager
def served_app(
    settings: Settings, module: str = "triggers.cli", *args: str, **env: str
) -> Iterator[str]:
    """The local host in a subprocess on a free port; yields its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        module,
        *(args or (("serve",) if module == "triggers.cli" else ())),
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=child_env(settings, API_PORT=str(port), LOG_LEVEL="WARNING", **env)
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@dataclass
class Readings:
    values: set = field(default_factory=set)
    errors: list = field(default_factory=list)


@contextmanager
def reading_continuously(dsn: str, query: str) -> Iterator[Readings]:
    """Runs `query` (one value) in a loop on its own connection while the block runs: what a
    concurrent reader saw, and any error it met (a missing table, say)."""
    import threading

    readings, stop = Readings(), threading.Event()

    def read():
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    readings.values.add(conn.execute(query).fetchone()[0])
                except psycopg.Error as exc:  # collected: the caller asserts there were none
                    readings.errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield readings
    finally:
        stop.set()
        reader.join()
