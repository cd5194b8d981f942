"""Command line for local operation: python -m triggers.cli (or ./geoetl) COMMAND."""

import argparse
import dataclasses
import json
import logging
import sys

from pydantic import ValidationError

from config import Settings
from config.logging_setup import configure_logging
from core.access import KEY_ROLES, OPERATOR
from core.errors import GeoETLError
from infrastructure.db import migrations
from services.access import keys
from services.engine import reads
from triggers import local_host
from triggers.composition import Platform
from triggers.operations import deploy_platform, schema_status, submit_job

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings)
    platform = Platform.build(settings)
    try:
        return args.run(platform, args)
    except GeoETLError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        platform.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geoetl", description="GeoETL local operations")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    db = commands.add_parser("db", help="schema deployment").add_subparsers(
        required=True, metavar="ACTION"
    )
    db.add_parser(
        "deploy", help="create the database if missing and apply pending migrations"
    ).set_defaults(run=_db_deploy)
    db.add_parser("status", help="applied and pending migrations, extension versions").set_defaults(
        run=_db_status
    )
    commands.add_parser(
        "serve", help="serve the API with in-process workers and the reconciler"
    ).set_defaults(run=_serve)
    commands.add_parser("up", help="db deploy, then serve (what `make run` does)").set_defaults(
        run=_up
    )

    worker = commands.add_parser(
        "worker", help="run a standalone worker process against the same database"
    )
    worker.add_argument(
        "--threads", type=int, default=None, help="worker threads (default: WORKER_THREADS)"
    )
    worker.set_defaults(run=_worker)

    submit = commands.add_parser("submit", help="submit a job: submit JOB_TYPE '{\"n\": 10}'")
    submit.add_argument("job_type")
    submit.add_argument("parameters", nargs="?", default="{}", help="JSON object")
    submit.set_defaults(run=_submit)

    for name, helptext, fn in [
        ("status", "a job's status", _status),
        ("cancel", "cancel a job", _cancel),
        ("retry", "re-run a failed job's failed tasks", _retry),
        ("resubmit", "run a finished job again as a new attempt", _resubmit),
    ]:
        cmd = commands.add_parser(name, help=helptext)
        cmd.add_argument("job_id")
        cmd.set_defaults(run=fn)

    tasks = commands.add_parser("tasks", help="a job's tasks")
    tasks.add_argument("job_id")
    tasks.add_argument("--stage", type=int)
    tasks.add_argument("--status")
    tasks.add_argument("--limit", type=int, default=100)
    tasks.set_defaults(run=_tasks)

    commands.add_parser("reconcile", help="run one reconciler sweep").set_defaults(run=_reconcile)
    _key_commands(commands)
    return parser


def _key_commands(commands) -> None:
    keys_parser = commands.add_parser("keys", help="API keys: create, list, revoke")
    actions = keys_parser.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create a key; it is printed once, alone on the last line"
    )
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=list(KEY_ROLES))
    create.set_defaults(run=_keys_create)
    actions.add_parser("list", help="keys with role, hint, created and last used").set_defaults(
        run=_keys_list
    )
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("name")
    revoke.set_defaults(run=_keys_revoke)


def _keys_create(platform: Platform, args) -> int:
    try:
        request = keys.KeyCreate(name=args.name, role=args.role)
    except ValidationError as exc:
        print(f"error: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    created = keys.create_key(platform.db, request, created_by=OPERATOR.owner_id)
    print(
        f"created {created.role} key {created.name!r}; it is shown once, store it now:",
        file=sys.stderr,
    )
    print(created.key)
    return 0


def _keys_list(platform: Platform, _args) -> int:
    print(json.dumps([k.model_dump(mode="json") for k in keys.list_keys(platform.db)], indent=2))
    return 0


def _keys_revoke(platform: Platform, args) -> int:
    _print(keys.revoke_key(platform.db, args.name))
    return 0


def _print(model) -> None:
    data = (
        model.model_dump(mode="json") if hasattr(model, "model_dump") else dataclasses.asdict(model)
    )
    print(json.dumps(data, indent=2))


def _db_deploy(platform: Platform, _args) -> int:
    if migrations.ensure_database(platform.settings.dsn):
        log.info("created the database")
    _print(deploy_platform(platform))
    return 0


def _db_status(platform: Platform, _args) -> int:
    status = schema_status(platform)
    _print(status)
    return 0 if status.up_to_date else 3


def _serve(platform: Platform, _args) -> int:
    local_host.serve(platform)
    return 0


def _up(platform: Platform, args) -> int:
    _db_deploy(platform, args)
    return _serve(platform, args)


def _worker(platform: Platform, args) -> int:
    local_host.run_workers(platform, args.threads or platform.settings.worker_threads)
    return 0


def _submit(platform: Platform, args) -> int:
    try:
        parameters = json.loads(args.parameters)
    except json.JSONDecodeError as exc:
        print(f"error: parameters are not JSON: {exc}", file=sys.stderr)
        return 2
    _print(submit_job(platform, args.job_type, parameters, OPERATOR))
    return 0


def _status(platform: Platform, args) -> int:
    _print(reads.job_view(platform.db, args.job_id))
    return 0


def _tasks(platform: Platform, args) -> int:
    _print(
        reads.list_tasks(
            platform.db,
            args.job_id,
            stage=args.stage,
            status=args.status,
            limit=args.limit,
            offset=0,
        )
    )
    return 0


def _cancel(platform: Platform, args) -> int:
    platform.engine.cancel(args.job_id, principal=OPERATOR)
    return _status(platform, args)


def _retry(platform: Platform, args) -> int:
    platform.engine.retry_failed(args.job_id, principal=OPERATOR)
    return _status(platform, args)


def _resubmit(platform: Platform, args) -> int:
    platform.engine.resubmit(args.job_id, principal=OPERATOR)
    return _status(platform, args)


def _reconcile(platform: Platform, _args) -> int:
    _print(platform.engine.reconcile())
    return 0


if __name__ == "__main__":
    sys.exit(main())
