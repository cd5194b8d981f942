#!/usr/bin/env bash
# Run a command with the local platform's services up: installs what is missing,
# starts PostgreSQL and Azurite unless they already run, runs "$@", and on exit stops
# only what it started itself (a second `make run` or `make test` leaves the first's alone).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/platform.sh install
started="$(scripts/platform.sh up)"
cleanup() { if [ -n "$started" ]; then scripts/platform.sh down $started; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# make run needs an admin key; a random one is kept in .local/ so it survives restarts.
if [ -z "${ADMIN_API_KEY:-}" ]; then
  mkdir -p .local
  [ -s .local/admin-key ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > .local/admin-key)
  ADMIN_API_KEY="$(cat .local/admin-key)"; export ADMIN_API_KEY
fi

.venv/bin/python "$@"
