#!/usr/bin/env bash
# Create bench/.venv-peers (git-ignored) with the peer trackers the benchmark compares against.
# Each peer is installed separately so that one failing install does not block the others;
# a peer that fails to install is reported by bench/run.py as "not installed".
set -u
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet numpy

status=0
for pkg in ${PEERS:-wandb mlflow aim trackio}; do
  echo "== installing $pkg"
  if "$venv/bin/pip" install --quiet "$pkg"; then
    echo "== $pkg: ok"
  else
    echo "== $pkg: FAILED (it will be reported as not installed)"
    status=1
  fi
done
# MLflow's server on PostgreSQL (bench/scale.py, ingest) needs a driver.
"$venv/bin/pip" install --quiet psycopg2-binary || status=1
"$venv/bin/pip" list 2>/dev/null | grep -iE '^(wandb|mlflow|mlflow-skinny|aim|trackio|numpy) '
exit $status
