"""`airwaves serve` with no configuration answers to loopback names and its --host only."""

from __future__ import annotations

import os
import signal

import httpx

from tests.test_serve import site_env, start  # noqa: F401 (site_env is a fixture)


def test_serve_refuses_hosts_nobody_configured_and_says_which_it_answers(site_env):  # noqa: F811
    proc, base = start(site_env, "--no-crawl")
    port = base.rsplit(":", 1)[1]
    try:
        assert httpx.get(base + "/healthz", headers={"Host": "evil.example"}).status_code == 400
        assert (
            httpx.get(base + "/healthz", headers={"Host": f"localhost:{port}"}).status_code == 200
        )
        assert httpx.get(base + "/healthz").status_code == 200  # 127.0.0.1, the --host
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        err = proc.stderr.read().decode()
        proc.stderr.close()
    lines = err.splitlines()
    running = next(i for i, line in enumerate(lines) if "Airwaves is running at" in line)
    assert lines[running + 1].startswith(
        "Answering to the host names localhost, 127.0.0.1, [::1]; others get 400"
    )
