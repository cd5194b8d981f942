"""Command line for local operation: python -m triggers.cli (or ./geoetl) COMMAND."""

import argparse
import json
import logging
import sys

from config import Settings
from config.logging_setup import configure_logging
from core.errors import GeoETLError
from infrastructure.db import migrations
from triggers import local_host
from triggers.composition import Platform
from triggers.operations import deploy_platform, schema_status


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
    db = commands.add_parser("db", help="schema deployment").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("deploy", help="create the database if missing and apply pending migrations").set_defaults(run=_db_deploy)
    db.add_parser("status", help="applied and pending migrations, extension versions").set_defaults(run=_db_status)
    commands.add_parser("serve", help="serve the API on API_HOST:API_PORT").set_defaults(run=_serve)
    commands.add_parser("up", help="db deploy, then serve (what `make run` does)").set_defaults(run=_up)
    return parser


def _print(model) -> None:
    print(json.dumps(model.model_dump(mode="json"), indent=2))


def _db_deploy(platform: Platform, _args) -> int:
    if migrations.ensure_database(platform.settings.dsn):
        logging.getLogger(__name__).info("created the database")
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


if __name__ == "__main__":
    sys.exit(main())
