#!/bin/sh
# Creates .venv with a Python >= 3.12 (Django 6 needs it) and installs Airwaves into it.
#   sh scripts/setup.sh          the site (what `airwaves serve` needs)
#   sh scripts/setup.sh celery   the site plus Celery, for `airwaves worker` and a broker
#   sh scripts/setup.sh test     the site, Celery and the test tools
set -eu
cd "$(dirname "$0")/.."

find_python() {
    for candidate in python3.14 python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    # pyenv keeps other versions out of PATH unless selected; look there too.
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
        if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    python=$(find_python) || {
        echo "airwaves: Python 3.12 or newer is required (Django 6); install it and run again." >&2
        exit 1
    }
    "$python" -m venv .venv
fi

case "${1:-}" in
    "") extras="" ;;
    test | celery) extras="[$1]" ;;
    *) echo "airwaves: unknown set-up '$1' (use test or celery)" >&2; exit 2 ;;
esac
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
