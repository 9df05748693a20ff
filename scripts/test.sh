#!/bin/sh
# Installs everything the tests need and runs them on SQLite and on PostgreSQL, side by side.
#   sh scripts/test.sh [pytest arguments]
set -eu
cd "$(dirname "$0")/.."

sh scripts/setup.sh test

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Browser tests drive Debian's chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing chromium for the browser tests..."
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
sh scripts/install-radio-test-deps.sh  # icecast2 and ffmpeg for the live-radio tests
sh scripts/install-axe.sh  # axe-core for the accessibility tests

# PostgreSQL on 127.0.0.1:5432: start the local cluster if it is installed but stopped.
PG_HOST=127.0.0.1
if ! pg_isready -q -h "$PG_HOST" -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
        for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h "$PG_HOST" -p 5432 && break; sleep 1; done
    fi
fi
pg_isready -q -h "$PG_HOST" -p 5432 || {
    echo "PostgreSQL is not running on $PG_HOST:5432; the suite must also pass there." >&2
    exit 1
}

# Redis on 127.0.0.1:6379 carries the Celery tests' tasks.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if ! command -v redis-server >/dev/null 2>&1; then
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
    fi
    mkdir -p /tmp/airwaves-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp/airwaves-redis --logfile /tmp/airwaves-redis/redis.log
    for _ in 1 2 3 4 5 6 7 8 9 10; do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# The two passes run side by side (most of a pass waits on sockets, browsers and the
# database, so two fit on two cores), each with its own data directory (secret key, SQLite
# files, static root, file cache) and its own Redis databases. The PostgreSQL pass writes to
# a log that is printed when both have finished.
SQLITE_DIR=$(mktemp -d -t airwaves-test-XXXXXX)
PG_DIR=$(mktemp -d -t airwaves-test-XXXXXX)
PG_LOG=$(mktemp -t airwaves-test-pg-XXXXXX.log)
pg_pid=""
cleanup() {
    if [ -n "$pg_pid" ]; then kill "$pg_pid" 2>/dev/null || true; fi
    rm -rf "$SQLITE_DIR" "$PG_DIR" "$PG_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

.venv/bin/ruff check .

AIRWAVES_DATA_DIR=$PG_DIR \
    DATABASE_URL="${AIRWAVES_TEST_DATABASE_URL:-postgresql://postgres@$PG_HOST:5432/test}" \
    .venv/bin/pytest "$@" >"$PG_LOG" 2>&1 &
pg_pid=$!

echo "== SQLite"
sqlite_status=0
AIRWAVES_DATA_DIR=$SQLITE_DIR \
    AIRWAVES_TEST_REDIS_URL=redis://127.0.0.1:6379/13 \
    AIRWAVES_TEST_CACHE_REDIS_URL=redis://127.0.0.1:6379/12 \
    .venv/bin/pytest "$@" || sqlite_status=$?

pg_status=0
wait "$pg_pid" || pg_status=$?
pg_pid=""
echo "== PostgreSQL"
cat "$PG_LOG"

[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ]
