"""Concurrent listeners of one 128 kbit/s station: through Airwaves' stream proxy, and
connected to Icecast directly, on this machine (loopback only).

    .venv/bin/python bench/bench_radio_proxy.py [--listeners 1000] [--seconds 20]

Starts Icecast (Debian's icecast2, see scripts/install-radio-test-deps.sh) with its client
limit raised, an ffmpeg MP3 source at 128 kbit/s, and `airwaves serve` (one uvicorn process,
as shipped) with a station on that mount. Then, for each mode, N listeners connect (8 at a
time) and read for --seconds; the listeners run in a separate process, on asyncio protocols.

Reported per mode:
- connected: listeners that got an HTTP 200 and audio, and how long after the first
  connection attempt the last of them got its first byte (the window starts then);
- dropouts: listeners that disconnected early, or whose received audio fell more than 2 s
  behind real time (received bytes / 16,000 B/s against the time since they connected);
- throughput: mean bytes received per listener per second during the window (which starts
  after everybody connected, so the burst on connecting is left out), in kbit/s; 128 is
  real time;
- CPU: the server processes' CPU time during the window, as % of one core;
- memory and threads of the server processes half-way through the window, and per
  listener: (half-way figure - figure before the first listener connected) / listeners.

Not a test; CI never runs it. Everything stops within about 2 x (--seconds + 100) seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.icecast import Icecast  # noqa: E402

REAL_TIME = 16_000  # bytes per second of a 128 kbit/s stream
MAX_LAG = 2.0  # seconds behind real time that count as a dropout
CONNECTING_AT_ONCE = 8
CONNECT_WAIT = 60.0
MOUNT = "/bench.mp3"


class BenchIcecast(Icecast):
    """The test suite's Icecast with room for the benchmark's listeners."""

    def __init__(self, clients: int) -> None:
        # Icecast's own default burst (64 KB): what a listener gets at once on connecting.
        super().__init__(burst_size=65536)
        self.clients = clients

    def _config(self) -> str:
        return (
            super()
            ._config()
            .replace("<clients>100</clients>", f"<clients>{self.clients}</clients>")
        )


# -- listeners (run in a child process) -----------------------------------------------------


@dataclass
class Result:
    status: int = 0
    connected_at: float = 0.0
    received: int = 0
    max_lag: float = 0.0
    closed_early: bool = False
    listened: float = 0.0  # seconds from the first audio byte to the end of the window
    window_bytes: int = 0  # received during the measuring window (after everybody connected)
    window: float = 0.0
    connect_time: float = 0.0  # from the first connection attempt to this one's first byte


class Listener(asyncio.Protocol):
    def __init__(self, result: Result, request: bytes) -> None:
        self.result = result
        self.request = request
        self.head = b""
        self.body_started = False
        self.finished = False  # set when the benchmark itself hangs up

    def connection_made(self, transport) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.body_started:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, _, rest = self.head.partition(b"\r\n\r\n")
            self.result.status = int(head.split(b" ", 2)[1])
            self.result.connected_at = time.monotonic()
            self.body_started = True
            data = rest
        # Chunked framing (proxy mode) is counted as audio: a few bytes per 4 KB chunk.
        self.result.received += len(data)

    def connection_lost(self, exc) -> None:
        if not self.finished:
            self.result.closed_early = True


async def listen(
    host: str, port: int, path: str, count: int, seconds: float, on_window=None
) -> list[Result]:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: bench\r\n\r\n".encode()
    results = [Result() for _ in range(count)]
    started = time.monotonic()
    transports: list[tuple[asyncio.Transport, Listener]] = []
    # A few connection attempts in flight at a time: Icecast listens with a backlog of 5,
    # and a flood of SYNs would be dropped and retried after seconds, measuring TCP's
    # back-off instead of the servers.
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(result: Result) -> None:
        async with gate:
            try:
                made = await loop.create_connection(lambda: Listener(result, request), host, port)
            except OSError:
                result.closed_early = True
                return
            transports.append(made)
            answered = time.monotonic() + 10
            while not result.status and not result.closed_early and time.monotonic() < answered:
                await asyncio.sleep(0.002)

    await asyncio.gather(*(connect(r) for r in results))
    # The window starts once every listener has its answer (Icecast admits new listeners
    # a few at a time), or after CONNECT_WAIT seconds.
    deadline = time.monotonic() + CONNECT_WAIT
    while time.monotonic() < deadline and any(not r.status and not r.closed_early for r in results):
        await asyncio.sleep(0.1)
    for result in results:
        if result.connected_at:
            result.connect_time = result.connected_at - started
    # Each listener's lag is sampled every 0.25 s until the end of the window.
    if on_window is not None:
        on_window()
    window_start = time.monotonic()
    at_start = [r.received for r in results]
    end = window_start + seconds
    while time.monotonic() < end:
        await asyncio.sleep(0.25)
        now = time.monotonic()
        for result in results:
            if result.connected_at and now - result.connected_at > MAX_LAG:
                lag = (now - result.connected_at) - result.received / REAL_TIME
                result.max_lag = max(result.max_lag, lag)
    window_end = time.monotonic()
    for transport, protocol in transports:
        protocol.finished = True
        transport.close()
    for result, before in zip(results, at_start, strict=True):
        result.window_bytes = result.received - before
        result.window = window_end - window_start
        if result.connected_at:
            result.listened = window_end - result.connected_at
    return results


def listener_process(host: str, port: int, path: str, count: int, seconds: float, out) -> None:
    results = asyncio.run(
        listen(host, port, path, count, seconds, on_window=lambda: out.send("window"))
    )
    out.send([r.__dict__ for r in results])


# -- measuring ----------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def threads(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(list(Path(f"/proc/{pid}/task").iterdir()))
        except FileNotFoundError:
            continue
    return total


def children(pid: int) -> list[int]:
    """pid and its descendants (the `airwaves` command runs uvicorn in-process)."""
    found = [pid]
    for task in Path("/proc").iterdir():
        if task.name.isdigit():
            try:
                if (
                    int(Path(f"/proc/{task.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
                    == pid
                ):
                    found += children(int(task.name))
            except (FileNotFoundError, IndexError, ValueError):
                continue
    return found


@dataclass
class ModeResult:
    mode: str
    listeners: int
    connected: int
    dropouts: int
    kbps: float
    cpu: dict[str, float]
    connect_seconds: float  # until the last listener had its first byte
    memory: dict[str, float]  # resident MB
    threads: dict[str, int]
    memory_idle: dict[str, float]  # before the first listener connected
    threads_idle: dict[str, int]

    def per_listener(self, name: str) -> tuple[float, float]:
        """(kB, threads) that each listener adds to server `name`."""
        kb = (self.memory[name] - self.memory_idle[name]) * 1024 / self.listeners
        return kb, (self.threads[name] - self.threads_idle[name]) / self.listeners


def run_mode(
    mode: str, url: str, count: int, seconds: float, servers: dict[str, int]
) -> ModeResult:
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=listener_process, args=(host, int(port), "/" + path, count, seconds, child)
    )
    pids = {name: children(pid) for name, pid in servers.items()}
    memory_idle = {name: rss_mb(p) for name, p in pids.items()}
    threads_idle = {name: threads(p) for name, p in pids.items()}
    process.start()
    # CPU is measured over the listening window, which starts after everybody connected.
    if not parent.poll(CONNECT_WAIT + 30) or parent.recv() != "window":
        process.kill()
        raise SystemExit(f"{mode}: listeners did not start")
    before = {name: cpu_seconds(p) for name, p in pids.items()}
    started = time.monotonic()
    # Memory and threads half-way through, while every listener is connected.
    time.sleep(seconds / 2)
    memory = {name: rss_mb(p) for name, p in pids.items()}
    thread_count = {name: threads(p) for name, p in pids.items()}
    if not parent.poll(seconds + 30):
        process.kill()
        raise SystemExit(f"{mode}: listeners did not finish")
    results = [Result(**r) for r in parent.recv()]
    elapsed = time.monotonic() - started
    after = {name: cpu_seconds(p) for name, p in pids.items()}
    process.join(10)
    connected = [r for r in results if r.status == 200 and r.received > 0]
    dropouts = sum(1 for r in results if r.status != 200 or r.closed_early or r.max_lag > MAX_LAG)
    # Over the window only: the burst Icecast sends on connecting is left out.
    rates = [r.window_bytes / r.window for r in connected if r.window > 0]
    return ModeResult(
        mode=mode,
        listeners=count,
        connected=len(connected),
        dropouts=dropouts,
        kbps=(sum(rates) / len(rates) * 8 / 1000) if rates else 0.0,
        cpu={name: 100 * (after[name] - before[name]) / elapsed for name in pids},
        connect_seconds=max((r.connect_time for r in connected), default=0.0),
        memory=memory,
        threads=thread_count,
        memory_idle=memory_idle,
        threads_idle=threads_idle,
    )


# -- main ---------------------------------------------------------------------------------


def start_airwaves(
    data_dir: Path, station_url: str, listeners: int
) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "AIRWAVES_DATA_DIR": str(data_dir),
        "AIRWAVES_ALLOW_PRIVATE_URLS": "1",
        "AIRWAVES_RADIO_MAX_PROXY_STREAMS": str(listeners + 100),
        # Every listener comes from 127.0.0.1 here.
        "AIRWAVES_RADIO_MAX_PROXY_LISTENERS": str(listeners + 100),
        "AIRWAVES_RADIO_MAX_STREAMS_PER_CLIENT": str(listeners + 100),
        "AIRWAVES_LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_URL", None)  # a throwaway SQLite database
    airwaves = str(ROOT / ".venv" / "bin" / "airwaves")
    playlist = data_dir / "bench.m3u"
    playlist.write_text(f"#EXTM3U\n#EXTINF:-1,Bench Radio\n{station_url}\n")
    subprocess.run(
        [airwaves, "import-stations", str(playlist)], env=env, check=True, capture_output=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [airwaves, "serve", "--port", str(port), "--no-crawl"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            import urllib.request

            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("airwaves serve did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--only", choices=["direct", "proxy"], help="measure one mode (default: both)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    # Each listener is a socket here, in Icecast and (proxied) twice in Airwaves.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 3 * args.listeners + 500
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))

    icecast = BenchIcecast(clients=2 * args.listeners + 100)
    results: list[ModeResult] = []
    with tempfile.TemporaryDirectory(prefix="airwaves-bench-") as tmp:
        icecast.start()
        server = None
        try:
            icecast.add_source(MOUNT, "mp3", bitrate=128, title="Bench - Tone")
            time.sleep(3)  # a fresh mount sends little for its first seconds
            server, base = start_airwaves(Path(tmp), icecast.url(MOUNT), args.listeners)
            assert icecast._process is not None
            ice_pid = icecast._process.pid
            if args.only != "proxy":
                results.append(
                    run_mode(
                        "Icecast directly",
                        icecast.url(MOUNT),
                        args.listeners,
                        args.seconds,
                        {"icecast": ice_pid},
                    )
                )
                time.sleep(2)  # let Icecast drop the first mode's listeners
            if args.only != "direct":
                results.append(
                    run_mode(
                        "Airwaves proxy",
                        base + "/radio/bench-radio/stream",
                        args.listeners,
                        args.seconds,
                        {"airwaves": server.pid, "icecast": ice_pid},
                    )
                )
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
            icecast.stop()

    if args.json:
        print(json.dumps([r.__dict__ for r in results], indent=2))
        return
    print(
        f"{args.listeners} listeners, {args.seconds:g} s, 128 kbit/s MP3, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(
        "| mode | listeners | connected | all connected after | dropouts "
        "| mean kbit/s per listener | CPU (% of one core) | memory (RSS) | threads "
        "| per listener (server) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|---|---|")
    for r in results:
        cpu = ", ".join(f"{name} {value:.0f}%" for name, value in r.cpu.items())
        memory = ", ".join(f"{name} {value:.0f} MB" for name, value in r.memory.items())
        count = ", ".join(f"{name} {value}" for name, value in r.threads.items())
        server = next(iter(r.memory))  # the first server named is the one measured
        kb, per_thread = r.per_listener(server)
        print(
            f"| {r.mode} | {r.listeners} | {r.connected} | {r.connect_seconds:.1f} s "
            f"| {r.dropouts} | {r.kbps:.1f} | {cpu} | {memory} | {count} "
            f"| {server} {kb:.0f} kB, {per_thread:.2f} threads |"
        )


if __name__ == "__main__":
    main()
