"""Django settings for Airwaves, read from the environment.

Every setting has a default that works on a fresh checkout with no configuration:
SQLite under AIRWAVES_DATA_DIR (a per-user data directory by default, lib/datadir.py),
debug off, a generated secret key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from whitenoise.compress import Compressor as WhiteNoiseCompressor

from airwaves.lib.datadir import data_dir
from airwaves.lib.hosts import allowed_hosts

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def envsecret(name: str, default: str = "") -> str:
    """Reads NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return default


# The same directory wherever a command is run from (lib/datadir.py).
DATA_DIR = data_dir()


def _secret_key() -> str:
    configured = envsecret("AIRWAVES_SECRET_KEY")
    if configured:
        return configured
    # Keep a generated key in the data directory so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = envbool("AIRWAVES_DEBUG")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("AIRWAVES_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
# Absolute address of the site, used in canonical URLs, sitemaps, feeds' User-Agent and
# the links in e-mails. Empty means "whatever allowed host the request came to".
SITE_URL = os.environ.get("AIRWAVES_SITE_URL", "").rstrip("/")
# Hosts the site answers to: SITE_URL's, AIRWAVES_ALLOWED_HOSTS and loopback names;
# any other Host header gets a 400 (airwaves/lib/hosts.py says why).
ALLOWED_HOSTS = allowed_hosts(SITE_URL, os.environ.get("AIRWAVES_ALLOWED_HOSTS", ""))
SITE_NAME = os.environ.get("AIRWAVES_SITE_NAME", "Live Radio & Podcasts")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "airwaves.podcasts",
    "airwaves.listeners",
    "airwaves.radio",
    "airwaves.search",
    "airwaves.artwork",
    "airwaves.sync",
    "airwaves.api",
    "ninja",  # the API docs page's template and its vendored Swagger UI
]

MIDDLEWARE = [
    # X-Forwarded-Proto is believed from AIRWAVES_TRUSTED_PROXIES only, before anything
    # asks whether the request came over HTTPS (SECURE_PROXY_SSL_HEADER below).
    "airwaves.middleware.forwarded_proto",
    # brotli or gzip for pages (compression.py): first, so that it compresses the body
    # every other middleware has finished with.
    "airwaves.compression.compress_responses",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "airwaves.middleware.refuse_nul_characters",
    # whitenoise's, async-capable: a synchronous middleware makes the whole chain so.
    "airwaves.middleware.StaticFiles",
    # Kept pages for visitors without a session, before the middleware they do not need.
    "airwaves.pagecache.KeptPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous visitors' pages from the cache (airwaves/pagecache.py).
    "airwaves.pagecache.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Content-Security-Policy on every response that does not set its own (the stream proxy
# does): no inline script or style anywhere, the admin's included. Artwork is still
# hot-linked from publishers' hosts and episode audio is on them, so images and media
# may come from any http(s) origin; hls.js fetches playlists and segments from the
# stations (connect-src) and may run its worker from a blob: URL.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:", "http:"],
    "media-src": ["'self'", "blob:", "https:", "http:"],
    "connect-src": ["'self'", "https:", "http:"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# A reverse proxy that ends TLS says so in X-Forwarded-Proto; the header is kept only on
# requests from AIRWAVES_TRUSTED_PROXIES (airwaves.middleware.forwarded_proto).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind HTTPS (AIRWAVES_SECURE_COOKIES), browsers are told to keep to it for a year.
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if envbool("AIRWAVES_SECURE_COOKIES") else 0

ROOT_URLCONF = "airwaves.urls"
ASGI_APPLICATION = "airwaves.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "airwaves.podcasts.context.site",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must start with postgres:// or postgresql://, got {url!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    # No JIT: the site's queries read a few hundred rows, and compiling the plan of a
    # search (whose unused branches are costed high, search/engine.py) took 400 ms of a
    # 480 ms query at 1,000,000 episodes. ?options= in the URL replaces this.
    options.setdefault("options", "-c jit=off")
    max_age = envint("AIRWAVES_DB_CONN_MAX_AGE", 0)
    pool_size = envint("AIRWAVES_DB_POOL_SIZE", 10)
    if pool_size > 0 and max_age == 0:
        # Connections kept open between requests: a new one costs a server process
        # and its empty catalogue caches (5 ms to connect, and the first queries of a
        # search page planned from cold caches: 30 ms more at 1,000,000 episodes). At
        # most pool_size at once per process; a request waits for one beyond that.
        options["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 30}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "airwaves",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": max_age,
        "TEST": {"NAME": os.environ.get("AIRWAVES_TEST_DB_NAME") or None},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "airwaves.sqlite3",
            "OPTIONS": {
                # WAL lets the site read while the crawler writes; IMMEDIATE avoids
                # "database is locked" on lock upgrades inside write transactions.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not Django's default in-memory database: tests that run the
            # crawler's threads need real WAL locking, as in production.
            "TEST": {"NAME": str(DATA_DIR / "test-airwaves.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Argon2 for new and upgraded passwords; the others only read hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Every password check goes through this backend, which limits it (listeners/ratelimit.py).
AUTHENTICATION_BACKENDS = ["airwaves.listeners.backends.RateLimitedModelBackend"]
# Failed log-ins allowed within the window, counted in the database so the limits hold
# across processes: for one username from one client address (the one a listener meets),
# for one username from all addresses together (a ceiling against guessing from many
# addresses), and from one address whatever the username.
LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = envint(
    "AIRWAVES_LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS", 5
)
LOGIN_FAILURES_PER_USERNAME = envint("AIRWAVES_LOGIN_FAILURES_PER_USERNAME", 50)
LOGIN_FAILURES_PER_ADDRESS = envint("AIRWAVES_LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_FAILURE_WINDOW = envint("AIRWAVES_LOGIN_FAILURE_WINDOW", 15 * 60)  # seconds
# Accounts created, and password-reset e-mails asked for, per window (listeners/ratelimit.py).
SIGNUPS_PER_ADDRESS = envint("AIRWAVES_SIGNUPS_PER_ADDRESS", 5)
PASSWORD_RESETS_PER_ADDRESS = envint("AIRWAVES_PASSWORD_RESETS_PER_ADDRESS", 10)
PASSWORD_RESETS_PER_EMAIL = envint("AIRWAVES_PASSWORD_RESETS_PER_EMAIL", 3)
ACCOUNT_LIMIT_WINDOW = envint("AIRWAVES_ACCOUNT_LIMIT_WINDOW", 60 * 60)  # seconds
# Feeds new to the directory one account's OPML imports may add in a day (web and CLI);
# feeds the directory knows can always be followed.
OPML_NEW_FEEDS_PER_DAY = envint("AIRWAVES_OPML_NEW_FEEDS_PER_DAY", 200)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
try:
    # whitenoise warns on every start when this is missing; `collectstatic` fills it
    # for deployments, finders serve the files otherwise.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # The hashed names, for servers that look files up through finders only.
    "airwaves.staticstorage.CollectedFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names, served with a ten-year immutable Cache-Control; `airwaves
    # serve` collects them into STATIC_ROOT when the sources change (staticstorage.py).
    "staticfiles": {"BACKEND": "airwaves.staticstorage.StaticStorage"},
}
# Plain names are served from the app directories (a short max-age), so a file is
# found even before a collection and, with AIRWAVES_DEBUG, as it is edited.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Media elements ask for audio uncompressed (and by byte ranges): gzip and brotli copies
# of the demo's MP3s would never be sent, and making them slowed the first start by a minute.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*WhiteNoiseCompressor.SKIP_COMPRESS_EXTENSIONS, "mp3")
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("AIRWAVES_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Not HttpOnly: the player reads the token from this cookie to save play positions.
CSRF_COOKIE_SAMESITE = "Lax"
# Pages carry no token (pagecache.py); a form posted without one gets a page to confirm it.
CSRF_FAILURE_VIEW = "airwaves.listeners.views.csrf_failure"

# Django's cache: Redis when AIRWAVES_CACHE_URL is set (redis://…, needs the `redis`
# package), else files under the data directory, which every server process shares.
if os.environ.get("AIRWAVES_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["AIRWAVES_CACHE_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": envint("AIRWAVES_CACHE_MAX_ENTRIES", 5000)},
        }
    }
# Seconds an anonymous visitor's page is kept (0: pages are not cached), and the least
# time between two refreshes emptying the listing pages (pagecache.py says why).
PAGE_CACHE_SECONDS = envint("AIRWAVES_PAGE_CACHE_SECONDS", 600)
PAGE_CACHE_LISTING_SECONDS = envint("AIRWAVES_PAGE_CACHE_LISTING_SECONDS", 60)

# E-mail (password resets): printed to the console unless an SMTP host is configured.
if os.environ.get("AIRWAVES_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["AIRWAVES_EMAIL_HOST"],
                "port": envint("AIRWAVES_EMAIL_PORT", 587),
                "username": os.environ.get("AIRWAVES_EMAIL_USER", ""),
                "password": envsecret("AIRWAVES_EMAIL_PASSWORD"),
                "use_tls": envbool("AIRWAVES_EMAIL_USE_TLS", "1"),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("AIRWAVES_EMAIL_FROM", "airwaves@localhost")

# Outbound fetches (feeds, artwork, streams) refuse private and loopback addresses
# unless this is set: tests serving feeds from 127.0.0.1 turn it on.
ALLOW_PRIVATE_URLS = envbool("AIRWAVES_ALLOW_PRIVATE_URLS")
FEED_MAX_BYTES = envint("AIRWAVES_FEED_MAX_BYTES", 32 * 1024 * 1024)
FEED_TIMEOUT = envint("AIRWAVES_FEED_TIMEOUT", 30)

# Crawler schedule bounds (seconds, days) and concurrency; see crawler/schedule.py.
CRAWL_MIN_INTERVAL = envint("AIRWAVES_CRAWL_MIN_INTERVAL", 15 * 60)
CRAWL_MAX_INTERVAL = envint("AIRWAVES_CRAWL_MAX_INTERVAL", 24 * 3600)
CRAWL_DEAD_AFTER_DAYS = envint("AIRWAVES_CRAWL_DEAD_AFTER_DAYS", 14)
CRAWL_DEAD_RECHECK_DAYS = envint("AIRWAVES_CRAWL_DEAD_RECHECK_DAYS", 30)
CRAWL_CONCURRENCY = envint("AIRWAVES_CRAWL_CONCURRENCY", 32)
CRAWL_PER_HOST = envint("AIRWAVES_CRAWL_PER_HOST", 4)
# How long a claimed feed stays claimed if its refresh never finishes (crashed worker).
CRAWL_LEASE_SECONDS = envint("AIRWAVES_CRAWL_LEASE_SECONDS", 600)
# One refresh reads at most this many items (the newest) and may spend this many
# seconds parsing, cleaning and storing (0: no limit), so no feed holds up the others.
FEED_MAX_ITEMS = envint("AIRWAVES_FEED_MAX_ITEMS", 10_000)
REFRESH_TIME_BUDGET = envint("AIRWAVES_REFRESH_TIME_BUDGET", 120)
# Paged feeds (atom:link rel="next"): a refresh reads at most this many pages, the first
# included (1: the first page only); see crawler/paging.py.
FEED_MAX_PAGES = envint("AIRWAVES_FEED_MAX_PAGES", 10)

# With a broker (redis://… or amqp://…), refreshes run as Celery tasks on any number
# of worker machines; without one, in-process.
BROKER_URL = os.environ.get("AIRWAVES_BROKER_URL", "")
CELERY_QUEUE = os.environ.get("AIRWAVES_CELERY_QUEUE", "airwaves")

# Live radio. Addresses (IPs or CIDR ranges, comma-separated) of reverse proxies whose
# X-Forwarded-For header is believed; empty means the connecting address is the client.
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("AIRWAVES_TRUSTED_PROXIES", "").split(",") if p.strip()
]
# A station failing this many checks in a row is marked broken (and hidden).
STATION_BROKEN_AFTER = envint("AIRWAVES_STATION_BROKEN_AFTER", 3)
# Hours between checks of a working station; failing ones are retried sooner.
STATION_CHECK_INTERVAL_HOURS = envint("AIRWAVES_STATION_CHECK_INTERVAL_HOURS", 24)
# Streams passed through /radio/<slug>/stream at once, per server process; one upstream
# connection each. Listeners beyond it get a 503.
RADIO_MAX_PROXY_STREAMS = envint("AIRWAVES_RADIO_MAX_PROXY_STREAMS", 200)
# Listeners of /radio/<slug>/stream and open /radio/<slug>/events pages at once, per
# server process (503 beyond), and both together from one client address (429 beyond):
# each costs a file descriptor and a little memory for as long as it stays.
RADIO_MAX_PROXY_LISTENERS = envint("AIRWAVES_RADIO_MAX_PROXY_LISTENERS", 2000)
RADIO_MAX_EVENT_STREAMS = envint("AIRWAVES_RADIO_MAX_EVENT_STREAMS", 4000)
RADIO_MAX_STREAMS_PER_CLIENT = envint("AIRWAVES_RADIO_MAX_STREAMS_PER_CLIENT", 16)
# Streaming views refuse newcomers (503) while fewer file descriptors than this are left
# under the process's limit, so requests already in flight can still open files.
FD_RESERVE = envint("AIRWAVES_FD_RESERVE", 256)

# Request bodies, capped before Django reads or spools them (airwaves/serving.py's
# BodyLimit, wired in asgi.py): AIRWAVES_REQUEST_MAX_BYTES for every address but the few
# that take uploads, which have their own caps, a little above the largest file their
# forms accept so that the form can say what was wrong. Longest matching prefix wins.
REQUEST_MAX_BYTES = envint("AIRWAVES_REQUEST_MAX_BYTES", 1024 * 1024)
REQUEST_MAX_BYTES_BY_PATH = {
    # OPML import (listeners/forms.py takes files up to 5 MB).
    "/following/import": envint("AIRWAVES_OPML_UPLOAD_MAX_BYTES", 6 * 1024 * 1024),
    # The admin's station import (radio/admin.py takes files up to 64 MB).
    "/admin/radio/station/import/": envint("AIRWAVES_STATION_UPLOAD_MAX_BYTES", 65 * 1024 * 1024),
    # gPodder API v2 and Nextcloud gpoddersync: subscription and episode-action uploads.
    "/api/2/": envint("AIRWAVES_SYNC_UPLOAD_MAX_BYTES", 8 * 1024 * 1024),
    "/index.php/apps/gpoddersync/": envint("AIRWAVES_SYNC_UPLOAD_MAX_BYTES", 8 * 1024 * 1024),
    # The JSON API's writes are small objects (a feed URL, a play position).
    "/api/v1/": envint("AIRWAVES_API_MAX_BYTES", 64 * 1024),
}
# Seconds a client may take to send a request head (slowloris); see serving.py.
REQUEST_HEAD_TIMEOUT = envint("AIRWAVES_REQUEST_HEAD_TIMEOUT", 15)

# Artwork (airwaves/artwork/): publishers' images fetched once in the background, resized
# and served from our storage. Caps on what one image may cost us, and how often a fetched
# image is checked again (conditionally) for a new version at the same URL.
ARTWORK_MAX_BYTES = envint("AIRWAVES_ARTWORK_MAX_BYTES", 10 * 1024 * 1024)
ARTWORK_MAX_PIXELS = envint("AIRWAVES_ARTWORK_MAX_PIXELS", 50_000_000)
ARTWORK_TIMEOUT = envint("AIRWAVES_ARTWORK_TIMEOUT", 30)
ARTWORK_REFRESH_DAYS = envint("AIRWAVES_ARTWORK_REFRESH_DAYS", 30)
# Images downloaded at once by one job run, and from one host at once.
ARTWORK_CONCURRENCY = envint("AIRWAVES_ARTWORK_CONCURRENCY", 8)
ARTWORK_PER_HOST = envint("AIRWAVES_ARTWORK_PER_HOST", 2)

# Chapters and transcripts (airwaves/podcasts/extras.py): files episodes point at, fetched
# in the background. Caps on what one file may cost us, how many are downloaded at once,
# and how often a file read is fetched again for a new version.
MEDIA_MAX_BYTES = envint("AIRWAVES_MEDIA_MAX_BYTES", 2 * 1024 * 1024)
MEDIA_TIMEOUT = envint("AIRWAVES_MEDIA_TIMEOUT", 20)
MEDIA_CONCURRENCY = envint("AIRWAVES_MEDIA_CONCURRENCY", 4)
MEDIA_REFRESH_DAYS = envint("AIRWAVES_MEDIA_REFRESH_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("AIRWAVES_LOG_LEVEL", "WARNING")},
}

# Sync with podcast apps (airwaves/sync/): how long a right HTTP Basic password is
# remembered, so apps sending it on every request do not cost an Argon2 check each.
SYNC_BASIC_CACHE_SECONDS = envint("AIRWAVES_SYNC_BASIC_CACHE_SECONDS", 300)
# The JSON API (airwaves/api/): requests a minute from one client address, and from one
# personal token (which may come from many addresses), counted in Django's cache.
API_REQUESTS_PER_MINUTE = envint("AIRWAVES_API_REQUESTS_PER_MINUTE", 300)
API_TOKEN_REQUESTS_PER_MINUTE = envint("AIRWAVES_API_TOKEN_REQUESTS_PER_MINUTE", 1200)
