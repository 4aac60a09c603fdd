#!/usr/bin/env bash
# A Runyard team server on this machine, in one command: PostgreSQL + an S3-compatible
# object store + `runyard server`. Ctrl-C stops all of it. See docs/deploy.md.
#
#   deploy/local-team-server.sh [--data DIR] [--port N] [--pg-port N] [--s3-port N]
#                               [--host ADDR] [--admin NAME] [--s3-endpoint URL]
#
# It installs nothing. It needs Debian's PostgreSQL binaries (apt-get install
# postgresql) and a Python with Runyard and its server extra (pip install
# 'runyard[server]' 'moto[server]'); set PYTHON to choose that Python.
#
# - PostgreSQL: a cluster of its own under DIR/postgres (initdb once, password auth,
#   listening on 127.0.0.1 only); as root it runs as the unprivileged user
#   `runyard-pg`, created if missing, because PostgreSQL refuses to run as root.
# - Object store: moto_server on 127.0.0.1, which keeps objects IN MEMORY: files
#   logged to this server are lost when it stops. That is fine for trying Runyard
#   out; for data you keep, pass --s3-endpoint with a MinIO or SeaweedFS you run
#   (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
# - The schema is migrated with `runyard db upgrade`, and the first admin made with
#   `runyard admin bootstrap`; the admin's API key is printed and kept in
#   DIR/admin-key (mode 0600).
set -euo pipefail

if [ "$(id -u)" = 0 ]; then
  DATA="${RUNYARD_TEAM_DIR:-/var/lib/runyard-team}"  # /root is closed to runyard-pg
else
  DATA="${RUNYARD_TEAM_DIR:-$HOME/.runyard-team}"
fi
HOST=127.0.0.1
PORT=8765
PG_PORT=55432
S3_PORT=55900
ADMIN=admin
S3_ENDPOINT=""
BUCKET=runyard
PYTHON="${PYTHON:-python3}"
PG_USER=runyard-pg

die() { echo "local-team-server: $*" >&2; exit 1; }
say() { echo "local-team-server: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --pg-port) PG_PORT="$2"; shift 2 ;;
    --s3-port) S3_PORT="$2"; shift 2 ;;
    --admin) ADMIN="$2"; shift 2 ;;
    --s3-endpoint) S3_ENDPOINT="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for value in "$PORT" "$PG_PORT" "$S3_PORT"; do
  case "$value" in ''|*[!0-9]*) die "ports must be numbers, got '$value'" ;; esac
done

# --- prerequisites ---------------------------------------------------------------
PG_BIN="${RUNYARD_PG_BINDIR:-}"
if [ -z "$PG_BIN" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [ -z "$PG_BIN" ] && command -v initdb >/dev/null 2>&1; then
  PG_BIN="$(dirname "$(command -v initdb)")"
fi
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
  die "PostgreSQL binaries not found; install them with: apt-get install postgresql"
"$PYTHON" -c 'import runyard, boto3, psycopg' 2>/dev/null ||
  die "$PYTHON cannot import runyard, boto3 and psycopg; pip install 'runyard[server]' (or set PYTHON)"
if [ -z "$S3_ENDPOINT" ]; then
  "$PYTHON" -c 'import moto.server' 2>/dev/null ||
    die "$PYTHON cannot import moto.server; pip install 'moto[server]', or pass --s3-endpoint"
fi
RUNYARD=("$PYTHON" -m runyard.cli.main)

mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"
chmod 700 "$DATA"
PG_DIR="$DATA/postgres"
AS_PG=()
if [ "$(id -u)" = 0 ]; then
  id -u "$PG_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /bin/false "$PG_USER"
  AS_PG=(runuser -u "$PG_USER" --)
  chmod 711 "$DATA"  # the cluster's owner must reach DIR/postgres
  (cd / && "${AS_PG[@]}" test -x "$DATA") ||
    die "user $PG_USER cannot reach $DATA (a parent directory is closed); pick --data elsewhere, e.g. /var/lib/runyard-team"
fi

# --- stop everything on exit (Ctrl-C, an error, or the server ending) -------------
PIDS=()
PG_STARTED=""
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$PG_STARTED" ]; then
    (cd / && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1) || true
  fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL ---------------------------------------------------------------------
PW_FILE="$DATA/pg-password"
if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
  say "creating a PostgreSQL cluster in $PG_DIR"
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$PW_FILE"
  chmod 600 "$PW_FILE"
  if [ ${#AS_PG[@]} -gt 0 ]; then
    chown "$PG_USER" "$PG_DIR"
    install -m 600 -o "$PG_USER" "$PW_FILE" "$PG_DIR/.pwfile"
  else
    install -m 600 "$PW_FILE" "$PG_DIR/.pwfile"
  fi
  (cd / && "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
      --auth=scram-sha-256 --pwfile="$PG_DIR/.pwfile" --encoding=UTF8 --locale=C \
      >"$DATA/initdb.log" 2>&1) || die "initdb failed; see $DATA/initdb.log"
  rm -f "$PG_DIR/.pwfile"
fi
[ -f "$PW_FILE" ] || die "$PW_FILE is missing: the cluster in $PG_DIR was not made by this script"
PG_PASSWORD="$(cat "$PW_FILE")"
say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
(cd / && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=''" start \
    >/dev/null) || die "PostgreSQL did not start; see $PG_DIR/server.log"
PG_STARTED=1
PGPASSWORD="$PG_PASSWORD" "$PYTHON" - "$PG_PORT" <<'EOF' || die "could not create the runyard database"
import os, sys
import psycopg
with psycopg.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres",
                     password=os.environ["PGPASSWORD"], dbname="postgres", autocommit=True) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'runyard'").fetchone() is None:
        conn.execute("CREATE DATABASE runyard")
EOF
# Through the environment, not the command line, where `ps` would show the password.
export RUNYARD_STORE="postgresql://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/runyard"

# --- object store -----------------------------------------------------------------------
SERVER_OPTIONS=()
if [ -z "$S3_ENDPOINT" ]; then
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-runyard-local}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-runyard-local-secret}"
  say "starting moto_server (objects are kept in memory only) on $S3_ENDPOINT"
  "$PYTHON" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$DATA/moto.log" 2>&1 &
  PIDS+=($!)
  case "$HOST" in
    127.*|localhost|::1) ;;
    *)  # other machines cannot reach moto on 127.0.0.1: files go through the server
      SERVER_OPTIONS+=(--no-presign) ;;
  esac
fi
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
"$PYTHON" - "$S3_ENDPOINT" "$BUCKET" <<'EOF' || die "could not reach the object store at $S3_ENDPOINT or create bucket $BUCKET"
import sys, time
import boto3
from botocore.config import Config
endpoint, bucket = sys.argv[1], sys.argv[2]
client = boto3.session.Session().client(
    "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"})
)
for attempt in range(300):
    try:
        names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        break
    except Exception:
        if attempt == 299:
            raise
        time.sleep(0.2)
if bucket not in names:
    client.create_bucket(Bucket=bucket)
EOF

# --- schema and first admin -----------------------------------------------------------------
"${RUNYARD[@]}" db upgrade >&2 || die "runyard db upgrade failed"
KEY_FILE="$DATA/admin-key"
if "${RUNYARD[@]}" admin --help >/dev/null 2>&1; then
  if [ ! -s "$KEY_FILE" ]; then
    (umask 077 && "${RUNYARD[@]}" admin bootstrap --username "$ADMIN" >"$KEY_FILE") ||
      { rm -f "$KEY_FILE"; die "runyard admin bootstrap failed"; }
  fi
  say "admin '$ADMIN' API key (also in $KEY_FILE): $(cat "$KEY_FILE")"
else
  say "this Runyard has no 'runyard admin'; the server runs without accounts"
fi

# --- the server ---------------------------------------------------------------------------------
say "connect with: RUNYARD_BASE_URL=http://$HOST:$PORT RUNYARD_API_KEY=\$(cat $KEY_FILE)"
"${RUNYARD[@]}" server --host "$HOST" --port "$PORT" \
  --blobs "s3://$BUCKET/runyard" --s3-endpoint-url "$S3_ENDPOINT" "${SERVER_OPTIONS[@]}" &
PIDS+=($!)
wait "${PIDS[-1]}"
