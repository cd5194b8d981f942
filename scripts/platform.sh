#!/usr/bin/env bash
# Local platform plumbing behind `make run` and `make test`.
#
#   scripts/platform.sh install   apt packages, .venv, node tools (idempotent)
#   scripts/platform.sh up        start PostgreSQL + Azurite unless already running;
#                                 prints the names of what it started on stdout
#   scripts/platform.sh down NAME...   stop what `up` started (postgres, azurite)
#
# Everything it owns lives under .local/ (git-ignored). When DATABASE_URL is set in
# the environment, that PostgreSQL is used and no cluster is started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
PG_BIN="/usr/lib/postgresql/15/bin"
PG_PORT="${GEOETL_PG_PORT:-5439}"
AZURITE_PORT="${GEOETL_AZURITE_PORT:-10000}"
APT_PACKAGES=(postgresql-15 postgresql-15-postgis-3 postgresql-contrib python3-venv nodejs npm chromium)

log() { printf '[platform] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # Node.js may come from elsewhere (nodesource, nvm); only install Debian's when absent.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  fi
  local wanted=()
  for pkg in "${missing[@]}"; do [ -n "$pkg" ] && wanted+=("$pkg"); done
  [ ${#wanted[@]} -eq 0 ] && return 0
  log "installing apt packages: ${wanted[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

install_python() {
  local stamp="$VENV/.requirements.sha256" want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing Python requirements into .venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements-dev.txt" 2>&1 \
    | { grep -v "^WARNING: Location" || true; }
  echo "$want" > "$stamp"
}

install_node_tools() {
  local stamp="$ROOT/node_modules/.package-lock.sha256" want
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing node tools (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
}

# The cluster's data directory must be reachable by the postgres user; a checkout under
# a private home directory is not, so the data then lives in postgres's own home.
pg_data_dir() {
  local dir="$LOCAL/pgdata"
  mkdir -p "$LOCAL"
  if runuser -u postgres -- test -x "$LOCAL" 2>/dev/null; then
    echo "$dir"
  else
    echo "/var/lib/postgresql/geoetl-$(echo "$ROOT" | sha256sum | cut -c1-12)"
  fi
}

pg_running() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start_postgres() {
  local data; data="$(pg_data_dir)"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    mkdir -p "$data" && chown postgres:postgres "$data" && chmod 700 "$data"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust \
      -E UTF8 --no-locale >/dev/null
    # A disposable development cluster: loopback only, durability traded for speed.
    cat >> "$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
EOF
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -o "-p $PG_PORT" \
    -l "$data/server.log" -w -t 60 start >/dev/null
}

stop_postgres() {
  local data; data="$(pg_data_dir)"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
}

azurite_running() { (exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_PORT") 2>/dev/null; }

start_azurite() {
  mkdir -p "$LOCAL/azurite"
  # setsid: Azurite must outlive this script but stay stoppable through its pid file.
  setsid "$ROOT/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" \
    --location "$LOCAL/azurite" --skipApiVersionCheck --loose --silent \
    >"$LOCAL/azurite/azurite.log" 2>&1 < /dev/null &
  echo $! > "$LOCAL/azurite/azurite.pid"
  for _ in $(seq 1 100); do azurite_running && return 0; sleep 0.1; done
  log "Azurite did not start; see $LOCAL/azurite/azurite.log"; return 1
}

stop_azurite() {
  local pidfile="$LOCAL/azurite/azurite.pid"
  [ -f "$pidfile" ] || return 0
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

cmd_up() {
  if [ -z "${DATABASE_URL:-}" ]; then
    if pg_running; then log "PostgreSQL already running on $PG_PORT"; else start_postgres; echo postgres; fi
  else
    log "DATABASE_URL is set: using that PostgreSQL"
  fi
  if azurite_running; then log "Azurite already running on $AZURITE_PORT"; else start_azurite; echo azurite; fi
}

cmd_down() {
  for name in "$@"; do
    case "$name" in
      postgres) log "stopping PostgreSQL"; stop_postgres ;;
      azurite) log "stopping Azurite"; stop_azurite ;;
    esac
  done
}

case "${1:-}" in
  install) install_apt; install_python; install_node_tools ;;
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  *) echo "usage: $0 install|up|down NAME..." >&2; exit 2 ;;
esac
