"""A broker configured without Celery installed: a clear message and a non-zero exit,
not an ImportError traceback. Celery is hidden from the command's process here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WITHOUT_CELERY = (
    "import sys; sys.modules['celery'] = None; "  # `import celery` now raises ImportError
    "from airwaves.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize(
    "args", [["crawl", "--once"], ["crawl"], ["worker"], ["serve", "--port", "0"]]
)
def test_a_broker_without_celery_says_what_to_install(tmp_path, args):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a SQLite of its own
    env.update(AIRWAVES_DATA_DIR=str(tmp_path), AIRWAVES_BROKER_URL="redis://127.0.0.1:6379/15")

    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_CELERY, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1, done.stderr
    assert "Celery is not installed: install airwaves[celery]" in done.stderr
    assert "Traceback" not in done.stderr
