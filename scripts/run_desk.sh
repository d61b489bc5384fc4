#!/usr/bin/env bash
# Usage: scripts/run_desk.sh HOST PORT WORKERS THREADS     (what `make run` runs, after the seed)
#
# The web server and the worker process side by side: gunicorn serves the pages and the API,
# `flask worker` closes windows at their time and builds large files. Ctrl-C (or the end of
# either) stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
HOST="$1" PORT="$2" WORKERS="$3" THREADS="$4"

"$BIN/flask" worker &
worker=$!
"$BIN/gunicorn" --worker-class gthread --workers "$WORKERS" --threads "$THREADS" --bind "$HOST:$PORT" --access-logfile - wsgi:app &
web=$!
trap 'kill -TERM $worker $web 2>/dev/null; wait' EXIT INT TERM
wait -n $worker $web
