#!/usr/bin/env bash
# Usage: scripts/pg_throwaway.sh COMMAND [ARGS...]
#
# Runs COMMAND with DATABASE_URL pointing at a fresh PostgreSQL cluster: a temporary directory,
# a free port on 127.0.0.1, the socket inside that directory, trust authentication for loopback
# only. The cluster is stopped and deleted when the command ends, however it ends.
# Durability is switched off: the data is thrown away anyway, and tests run faster.
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        echo "$PG_BINDIR"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
    else
        # The newest server Debian installed.
        compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1 | xargs -r dirname
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

BINDIR="$(find_bindir)"
if [[ -z "$BINDIR" || ! -x "$BINDIR/initdb" ]]; then
    echo "No PostgreSQL server found: run scripts/install_system_packages.sh or set PG_BINDIR." >&2
    exit 1
fi

# initdb refuses to run as root: the cluster then belongs to an unprivileged account.
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
    owner=postgres
    id -u "$owner" >/dev/null 2>&1 || owner=nobody
    as_owner=(runuser -u "$owner" --)
fi

CALLER_DIR="$PWD"
WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/desk-pg.XXXXXX")"
DATA="$WORKDIR/data"
LOG="$WORKDIR/postgres.log"
started=0

cleanup() {
    if [[ -f "$DATA/postmaster.pid" ]]; then
        "${as_owner[@]}" "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((${#as_owner[@]})); then
    chown "$owner" "$WORKDIR"
    cd "$WORKDIR"  # the owner may not be allowed into the caller's directory
fi

SUPERUSER=desk_test
"${as_owner[@]}" "$BINDIR/initdb" --pgdata="$DATA" --username="$SUPERUSER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat > "$DATA/pg_hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF

for attempt in 1 2 3; do
    PORT="$(free_port)"
    if "${as_owner[@]}" "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORKDIR \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null; then
        started=1
        break
    fi
    echo "PostgreSQL did not start on port $PORT (attempt $attempt):" >&2
    tail -n 5 "$LOG" >&2 || true
done
if ((!started)); then
    exit 1
fi

"$BINDIR/createdb" --host=127.0.0.1 --port="$PORT" --username="$SUPERUSER" desk_test
export DATABASE_URL="postgresql://$SUPERUSER@127.0.0.1:$PORT/desk_test"
echo "Throwaway PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') at $DATABASE_URL"

# Not exec: the trap must still stop the cluster afterwards.
cd "$CALLER_DIR"
status=0
"$@" || status=$?
exit "$status"
