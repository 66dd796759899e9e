#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster in var/pgdata, on its own port (GEOGOV_PG_PORT).
# Usage: scripts/pgcluster.sh start|stop|status
# PostgreSQL refuses to run as root: as root, the cluster is owned and run by the unprivileged
# user GEOGOV_PG_OS_USER (default: postgres, created by Debian's postgresql package).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${GEOGOV_PG_PORT:-54329}"
DATA="$ROOT/var/pgdata"
SOCK="$ROOT/var/pgsock"
LOG="$ROOT/var/pg.log"
PGBIN="${GEOGOV_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
OS_USER="${GEOGOV_PG_OS_USER:-postgres}"

if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
  echo "pgcluster: PostgreSQL server binaries not found (install postgresql-15-postgis-3)" >&2
  exit 1
fi

# As root, the unprivileged owner must be able to reach the data folder; when the checkout sits
# somewhere it cannot (e.g. under /root), keep the cluster in /var/tmp under a name tied to ROOT.
if [ "$(id -u)" = "0" ] && ! runuser -u "$OS_USER" -- test -x "$ROOT" 2>/dev/null; then
  ALT="/var/tmp/geogov-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
  DATA="$ALT/pgdata"; SOCK="$ALT/pgsock"; LOG="$ALT/pg.log"
  mkdir -p "$ALT"; chmod 755 "$ALT"
fi

as_owner() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

init() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  echo "pgcluster: creating cluster in $DATA (port $PORT)"
  mkdir -p "$DATA" "$SOCK"
  if [ "$(id -u)" = "0" ]; then
    chown "$OS_USER" "$DATA" "$SOCK"
    # the unprivileged owner must be able to reach the folder
    chmod o+x "$ROOT" "$(dirname "$DATA")" 2>/dev/null || true
  fi
  as_owner "$PGBIN/initdb" -D "$DATA" -U geogov --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
CONF
}

start() {
  init
  if as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    return 0
  fi
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    echo "pgcluster: port $PORT is taken by another server; set GEOGOV_PG_PORT to a free port" >&2
    exit 1
  fi
  touch "$LOG"; if [ "$(id -u)" = "0" ]; then chown "$OS_USER" "$LOG"; fi
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  for db in geogov; do
    if ! "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U geogov -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
      "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U geogov "$db"
    fi
    "$PGBIN/psql" -q -h 127.0.0.1 -p "$PORT" -U geogov -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  done
  echo "pgcluster: PostGIS on 127.0.0.1:$PORT (data in var/pgdata)"
}

stop() {
  [ -f "$DATA/PG_VERSION" ] || return 0
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  echo "pgcluster: stopped"
}

status() {
  as_owner "$PGBIN/pg_ctl" -D "$DATA" status
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
