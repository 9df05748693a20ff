"""A real Icecast server on 127.0.0.1 for tests, fed by ffmpeg.

    with Icecast() as icecast:
        icecast.add_source("/live.mp3", "mp3", bitrate=128, title="Artist - Song")
        check_stream(icecast.url("/live.mp3"))                 # a live MP3 station
        icecast.set_title("/live.mp3", "Motörhead – Ace of Spades")
        icecast.stop_source("/live.mp3")                      # the station goes off air

Debian's `icecast2` and `ffmpeg` are needed (scripts/install-radio-test-deps.sh installs
them). Icecast refuses to run as root, so when the tests run as root it is started as
Debian's `icecast2` system user (created by the package) through `setpriv`; its
configuration and logs live in a temporary directory that user may write.

Every source is an ffmpeg process generating a sine tone in real time (`-re`) and sending it
with an HTTP PUT, the way current source clients do, with `Ice-*` headers for the station's
name, genre, description, homepage and bitrate (ffmpeg's icecast:// protocol cannot send the
bitrate, and Icecast only announces `icy-br` to listeners when the source gave one).

Icecast and every ffmpeg run in their own process group; stop() (also called at interpreter
exit) kills the groups and removes the temporary directory. Should the test process die
without cleaning up (SIGKILL), the kernel sends them SIGTERM (`setpriv --pdeathsig`), so no
orphan keeps running either way. That signal follows the *thread* that started a process:
call start() and add_source() from the main thread (pytest fixtures and tests run there),
not from a worker thread that may end first.

Sources are sine tones (pink noise mixed in for Vorbis and Opus, see `_signal`); the
encoders' bitrates are the `bitrate` given, announced as `ice-audio-info: bitrate=N`.
"""

from __future__ import annotations

import atexit
import base64
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

ICECAST = shutil.which("icecast2") or "/usr/bin/icecast2"
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
SHARE = Path("/usr/share/icecast2")
RUN_AS = ("icecast2", "icecast")  # Debian's system user and group for icecast2

# What each source format sends: ffmpeg output options and the Content-Type.
FORMATS: dict[str, tuple[list[str], str]] = {
    "mp3": (["-c:a", "libmp3lame", "-f", "mp3"], "audio/mpeg"),
    "ogg": (["-c:a", "libvorbis", "-f", "ogg", "-page_duration", "100000"], "audio/ogg"),
    "opus": (["-c:a", "libopus", "-f", "ogg", "-page_duration", "100000"], "audio/ogg"),
    "aac": (["-c:a", "aac", "-f", "adts"], "audio/aac"),
}


class IcecastError(RuntimeError):
    pass


@dataclass
class Source:
    mount: str
    fmt: str
    process: subprocess.Popen[bytes]
    log: Path
    title: str | None  # set once the mount is up


class Icecast:
    """An Icecast server on a free port of 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        burst_size: int = 8192,
        mount_charset: str = "UTF-8",
        charsets: dict[str, str] | None = None,
    ) -> None:
        self.burst_size = burst_size
        # Icecast re-encodes titles set through the admin interface into the mount's
        # charset before putting them in the ICY metadata of MP3 streams; its default is
        # ISO-8859-1. UTF-8 is what current stations send (see the set_title() docstring).
        # `charsets` gives single mounts another one: {"/latin1.mp3": "ISO-8859-1"}.
        self.mount_charset = mount_charset
        self.charsets = {_mount(mount): charset for mount, charset in (charsets or {}).items()}
        self.source_password = secrets.token_hex(8)
        self.admin_password = secrets.token_hex(8)
        self.port = 0
        self.host = "127.0.0.1"
        self.sources: dict[str, Source] = {}
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Icecast:
        if not os.path.exists(ICECAST):
            raise IcecastError(
                f"{ICECAST} not found: run `sh scripts/install-radio-test-deps.sh` "
                "(scripts/test.sh does), which installs Debian's icecast2 and ffmpeg"
            )
        self._dir = Path(tempfile.mkdtemp(prefix="airwaves-icecast-"))
        (self._dir / "log").mkdir()
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(RUN_AS[0])
            except KeyError as exc:
                raise IcecastError(f"user {RUN_AS[0]} missing: reinstall icecast2") from exc
            os.chmod(self._dir, 0o755)
            os.chown(self._dir / "log", user.pw_uid, user.pw_gid)
        # Another process may take the port between our probe and Icecast's bind: retry.
        for _ in range(5):
            self.port = _free_port()
            config = self._dir / "icecast.xml"
            config.write_text(self._config())
            with open(self._dir / "icecast.out", "ab") as log:
                self._process = subprocess.Popen(
                    [*_supervised(as_user=os.geteuid() == 0), ICECAST, "-c", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            _ALIVE.add(self)
            if self._wait_until_listening(timeout):
                return self
            self._kill(self._process)
        raise IcecastError(f"icecast2 did not start: {self._logs()}")

    def stop(self) -> None:
        for source in self.sources.values():
            _signal_group(source.process, signal.SIGTERM)
        for source in self.sources.values():
            self._kill(source.process)
        self.sources.clear()
        if self._process is not None:
            self._kill(self._process)
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        _ALIVE.discard(self)

    def __enter__(self) -> Icecast:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, mount: str) -> str:
        return self.base_url + _mount(mount)

    # -- sources -------------------------------------------------------------------------

    def add_source(
        self,
        mount: str,
        fmt: str = "mp3",
        bitrate: int = 128,
        title: str | None = None,
        *,
        name: str = "Airwaves Test Radio",
        genre: str = "Test Tones",
        description: str = "A sine wave for the test suite",
        homepage: str = "https://example.org/radio",
        frequency: int = 440,
        timeout: float = 10.0,
        wait: bool = True,
    ) -> str:
        """Starts an ffmpeg source on `mount` and returns the mount's listener URL once
        Icecast serves it. `fmt` is "mp3", "ogg" (Vorbis), "opus" (Ogg Opus) or "aac" (ADTS).
        `title` is then set through the admin metadata URL (not for Ogg Opus mounts).
        With wait=False it returns at once: call wait_for_mount() before using the mount
        (starting several sources first, then waiting, saves time: Icecast re-pages Ogg
        Vorbis every half second, so a Vorbis mount, and each new listener of one, waits
        1-2 s for audio)."""
        mount = _mount(mount)
        if mount in self.sources:
            raise IcecastError(f"{mount} already has a source")
        if fmt not in FORMATS:
            raise IcecastError(f"unknown format {fmt!r}; use one of {sorted(FORMATS)}")
        codec_options, content_type = FORMATS[fmt]
        headers = {
            "Ice-Name": name,
            "Ice-Genre": genre,
            "Ice-Description": description,
            "Ice-URL": homepage,
            "Ice-Public": "0",
            "Ice-Audio-Info": f"bitrate={bitrate};samplerate=44100;channels=2",
        }
        sample_rate = "48000" if fmt == "opus" else "44100"
        assert self._dir is not None, "start() the server first"
        log = self._dir / f"ffmpeg{mount.replace('/', '_')}.log"
        # Basic auth in the header rather than the URL: ffmpeg would first try without it.
        auth = base64.b64encode(f"source:{self.source_password}".encode()).decode()
        headers["Authorization"] = f"Basic {auth}"
        header_text = "".join(f"{key}: {value}\r\n" for key, value in headers.items())
        command = [
            FFMPEG,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            _signal(fmt, frequency, sample_rate),
            "-ac",
            "2",
            "-ar",
            sample_rate,
            "-b:a",
            f"{bitrate}k",
            *codec_options,
            # Hand every page/frame to Icecast at once, so a new mount serves within ~0.1 s.
            "-flush_packets",
            "1",
            "-content_type",
            content_type,
            "-method",
            "PUT",
            "-chunked_post",
            "0",
            "-send_expect_100",
            "1",
            "-headers",
            header_text,
            self.url(mount),
        ]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*_supervised(as_user=False), *command],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.sources[mount] = Source(mount, fmt, process, log, title)
        if not wait:
            return self.url(mount)
        try:
            self.wait_for_mount(mount, timeout)
        except IcecastError:
            self.stop_source(mount)
            raise
        return self.url(mount)

    def stop_source(self, mount: str, timeout: float = 5.0) -> None:
        """Stops the mount's ffmpeg and waits until Icecast no longer lists the mount."""
        mount = _mount(mount)
        source = self.sources.pop(mount, None)
        if source is None:
            return
        self._kill(source.process)
        deadline = time.monotonic() + timeout
        while self._process is not None and mount in self.mounts():
            if time.monotonic() > deadline:
                raise IcecastError(f"{mount} still listed {timeout} s after its source stopped")
            time.sleep(0.05)

    def mounts(self) -> dict[str, int]:
        """The mounts Icecast serves now, with their listener counts."""
        root = ElementTree.fromstring(self.admin("/admin/listmounts"))
        return {
            element.get("mount", ""): int(element.findtext("listeners") or 0)
            for element in root.iter("source")
        }

    def wait_for_mount(self, mount: str, timeout: float = 10.0) -> None:
        """Waits until Icecast lists `mount` and has audio for a new listener."""
        mount = _mount(mount)
        deadline = time.monotonic() + timeout
        while True:
            source = self.sources.get(mount)
            if source is not None and source.process.poll() is not None:
                raise IcecastError(
                    f"ffmpeg for {mount} exited with {source.process.returncode}: "
                    f"{source.log.read_text(errors='replace').strip()[-2000:]}"
                )
            if mount in self.mounts() and self._has_audio(mount):
                if source is not None and source.title is not None:
                    self.set_title(mount, source.title)
                    source.title = None
                return
            if time.monotonic() > deadline:
                raise IcecastError(f"{mount} not served after {timeout} s: {self._logs()}")
            time.sleep(0.05)

    def set_title(self, mount: str, title: str) -> None:
        """Sets the now-playing title through Icecast's admin metadata URL, as station
        software does (`/admin/metadata?mount=...&mode=updinfo&song=...&charset=UTF-8`).

        The title is URL-encoded as UTF-8 (every byte outside unreserved characters escaped,
        so ';', "'", '&', '+' and non-ASCII arrive intact). Icecast 2.4 then writes the ICY
        block of MP3/AAC mounts as `StreamTitle='<title>';` in the mount's charset
        (`<charset>` in the mount's configuration, default ISO-8859-1 — this helper
        configures UTF-8), without escaping quotes or semicolons inside the title.
        Characters the charset cannot hold become numeric character references
        ("–" in an ISO-8859-1 mount arrives as "&#8211;"). Ogg mounts never get ICY
        metadata: Icecast rewrites the Vorbis comments of Ogg Vorbis mounts instead, and
        Ogg Opus mounts refuse the call.
        """
        query = urllib.parse.urlencode(
            {"mount": _mount(mount), "mode": "updinfo", "song": title, "charset": "UTF-8"},
            quote_via=urllib.parse.quote,
        )
        answer = self.admin(f"/admin/metadata?{query}")
        if b"Metadata update successful" not in answer:
            raise IcecastError(f"Icecast refused the title for {mount}: {answer[:300]!r}")

    def admin(self, path: str) -> bytes:
        """GETs an admin path with the admin credentials, returning the body."""
        request = urllib.request.Request(self.base_url + path)
        auth = base64.b64encode(f"admin:{self.admin_password}".encode()).decode()
        request.add_header("Authorization", f"Basic {auth}")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            return response.read()

    # -- internals -----------------------------------------------------------------------

    def _config(self) -> str:
        assert self._dir is not None
        mounts = "".join(
            f"  <mount><mount-name>{escape(mount)}</mount-name>"
            f"<charset>{escape(charset)}</charset></mount>\n"
            for mount, charset in self.charsets.items()
        )
        return f"""<icecast>
  <location>Airwaves test suite</location>
  <admin>tests@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>100</clients>
    <sources>20</sources>
    <queue-size>524288</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>5</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>{self.burst_size}</burst-size>
  </limits>
  <authentication>
    <source-password>{self.source_password}</source-password>
    <relay-password>{self.source_password}</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>{self.admin_password}</admin-password>
  </authentication>
  <listen-socket>
    <port>{self.port}</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <mount type="default">
    <charset>{escape(self.mount_charset)}</charset>
  </mount>
{mounts}  <fileserve>1</fileserve>
  <paths>
    <basedir>{SHARE}</basedir>
    <logdir>{self._dir / "log"}</logdir>
    <webroot>{SHARE / "web"}</webroot>
    <adminroot>{SHARE / "admin"}</adminroot>
    <alias source="/" destination="/status.xsl"/>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>3</loglevel>
    <logsize>10000</logsize>
  </logging>
  <security>
    <chroot>0</chroot>
  </security>
</icecast>
"""

    def _wait_until_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                self.admin("/admin/listmounts")
                return True
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        return False

    def _has_audio(self, mount: str) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=2) as sock:
                sock.sendall(f"GET {mount} HTTP/1.0\r\nHost: {self.host}\r\n\r\n".encode())
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return False
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.0 200"):
                    return False
                return bool(body or sock.recv(4096))
        except OSError:
            return False

    def _logs(self) -> str:
        if self._dir is None:
            return ""
        texts = []
        for name in ("icecast.out", "log/error.log"):
            path = self._dir / name
            if path.exists():
                texts.append(path.read_text(errors="replace").strip()[-2000:])
        return " | ".join(text for text in texts if text) or "(no log output)"

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        """Ends the process and anything it started (its own process group)."""
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
        process.wait()


def _supervised(*, as_user: bool) -> list[str]:
    """The command prefix that makes a child die with the test process (and, with
    as_user, run as Debian's icecast2 user instead of root)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # not Debian: stop() and atexit still clean up
        if as_user:
            raise IcecastError("setpriv (util-linux) is needed to run icecast2 as non-root")
        return []
    prefix = [setpriv, "--pdeathsig", "TERM"]
    if as_user:
        prefix += ["--reuid", RUN_AS[0], "--regid", RUN_AS[1], "--clear-groups"]
    return prefix


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _signal(fmt: str, frequency: int, sample_rate: str) -> str:
    """The lavfi source: a sine tone, with pink noise mixed in for the variable-bitrate
    codecs (Vorbis and Opus squeeze a pure tone to a few kbit/s, far below the nominal
    bitrate, so a listener would wait seconds for the first 16 KiB)."""
    tone = f"sine=frequency={frequency}:sample_rate={sample_rate}"
    if fmt not in ("ogg", "opus"):
        return tone
    noise = f"anoisesrc=color=pink:amplitude=0.3:sample_rate={sample_rate}"
    return f"{tone}[tone];{noise}[noise];[tone][noise]amix=inputs=2[out0]"


def _mount(mount: str) -> str:
    return mount if mount.startswith("/") else "/" + mount


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Servers still running when the interpreter exits (a test run interrupted with Ctrl-C).
_ALIVE: set[Icecast] = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_ALIVE):
        server.stop()
