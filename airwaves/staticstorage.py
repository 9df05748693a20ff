"""Static files under content-hashed names, collected when their sources change.

`{% static "airwaves/site.js" %}` gives `/static/airwaves/site.3f2a….js`: whitenoise
serves such names with a ten-year `immutable` Cache-Control (the name changes when the
content does), and the plain names with a short max-age for anything that still asks
for them. The hashed names come from the manifest `collectstatic` writes into
STATIC_ROOT, so `airwaves serve` runs it at start-up (clibase.ensure_static) when the
sources differ from the ones collected last: a checkout needs no collectstatic step.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Next to STATIC_ROOT, not inside it: whitenoise serves every file in there.
DIGEST_NAME = "static-sources.sha256"


class StaticStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's manifest storage (hashed names, gzip and brotli copies made once),
    without rewriting JavaScript: the vendored minified files end with a
    `sourceMappingURL` comment naming a map we do not ship, which Django's storage
    refuses as a missing file. Our scripts never name another static file by a relative
    URL; the templates hand them hashed ones (listen_button.html's data-hls-script)."""

    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )


def source_digest() -> str:
    """SHA-256 over the names and contents of every file the static finders find (about
    1 MB today, a few milliseconds to read)."""
    from django.contrib.staticfiles import finders

    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(None):
            prefix = getattr(storage, "prefix", None) or ""
            found.setdefault(f"{prefix}/{path}" if prefix else path, storage.path(path))
    digest = hashlib.sha256()
    for name in sorted(found):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(Path(found[name]).read_bytes()).digest())
    return digest.hexdigest()


def digest_path(static_root: Path) -> Path:
    return Path(static_root).parent / DIGEST_NAME


def collected_digest(static_root: Path) -> str:
    """The digest of the sources last collected into static_root, or "" when there is
    no complete collection (no manifest, or no digest written after it)."""
    if not (Path(static_root) / "staticfiles.json").is_file():
        return ""
    try:
        return digest_path(static_root).read_text().strip()
    except FileNotFoundError:
        return ""


class CollectedFinder(BaseFinder):
    """Finds the collected files (hashed names included) in STATIC_ROOT, for what serves
    static files through the finders alone: Django's test live server and runserver's
    static handler, and whitenoise with AIRWAVES_DEBUG (autorefresh). It lists nothing,
    so collectstatic never copies STATIC_ROOT into itself, and it comes last, so the
    sources win for plain names."""

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False):
        from django.conf import settings

        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return [str(candidate)] if find_all else str(candidate)
        return [] if find_all else None

    def list(self, ignore_patterns):
        return iter(())
