#!/usr/bin/env bash
# Usage: scripts/test.sh [PYTEST ARGS...]      (what `make test` runs, after setting up .venv)
#
# The whole suite twice: on SQLite, then on PostgreSQL — DATABASE_URL if given, otherwise a
# throwaway cluster. Installs missing Debian packages first when run as root (see
# scripts/install_system_packages.sh). Fails if either run fails. Tests run in parallel with
# pytest-xdist, one worker per core (TEST_WORKERS=N to choose, TEST_WORKERS=0 for none); on
# PostgreSQL each worker has a database of its own.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON="${VENV:-.venv}/bin/python"
WORKERS="${TEST_WORKERS:-$(nproc)}"
PYTEST=("$PYTHON" -m pytest -p no:cacheprovider -n "$WORKERS" "$@")

bash scripts/install_system_packages.sh || exit 1

if compgen -G "app/translations/*/LC_MESSAGES/*.po" >/dev/null; then
    "${VENV:-.venv}/bin/pybabel" -q compile -d app/translations || exit 1
fi

timed() {
    local started=$SECONDS
    "$@"
    local status=$?
    elapsed=$((SECONDS - started))
    return $status
}

verdict() {
    if (($1 == 0)); then echo "passed"; else echo "FAILED (exit $1)"; fi
}

echo "== Tests on SQLite"
timed env -u DATABASE_URL "${PYTEST[@]}"
sqlite_status=$?
sqlite_time=$elapsed

if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "== Tests on PostgreSQL at the given DATABASE_URL"
    timed "${PYTEST[@]}"
else
    echo "== Tests on a throwaway PostgreSQL cluster"
    timed bash scripts/pg_throwaway.sh "${PYTEST[@]}"
fi
postgres_status=$?
postgres_time=$elapsed

echo "== Summary: SQLite $(verdict $sqlite_status) in ${sqlite_time}s; PostgreSQL $(verdict $postgres_status) in ${postgres_time}s"
((sqlite_status == 0 && postgres_status == 0))
