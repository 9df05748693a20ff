#!/bin/sh
# Installs everything the tests need and runs them on SQLite, then on PostgreSQL.
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

# Each run gets its own data directory (secret key, SQLite files, static root).
AIRWAVES_DATA_DIR=$(mktemp -d -t airwaves-test-XXXXXX)
export AIRWAVES_DATA_DIR
trap 'rm -rf "$AIRWAVES_DATA_DIR"' EXIT

.venv/bin/ruff check .

echo "== SQLite"
.venv/bin/pytest "$@"

echo "== PostgreSQL"
DATABASE_URL="${AIRWAVES_TEST_DATABASE_URL:-postgresql://postgres@$PG_HOST:5432/test}" \
    .venv/bin/pytest "$@"
