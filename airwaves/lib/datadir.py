"""Where Airwaves keeps its data when AIRWAVES_DATA_DIR does not say: one per-user
directory, the platform's usual place, so that a command run from any folder uses the
same database (a directory relative to the working folder would silently start an empty
one elsewhere).

- Linux and other Unix: `$XDG_DATA_HOME/airwaves`, by default `~/.local/share/airwaves`
  (the XDG Base Directory specification; a relative XDG_DATA_HOME is ignored, as it says).
- macOS: `~/Library/Application Support/Airwaves`.
- Windows: `%LOCALAPPDATA%\\Airwaves` (the data is large and belongs to this machine,
  not to a roaming profile).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path


def default_data_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if platform == "win32":
        base = environ.get("LOCALAPPDATA") or environ.get("APPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "Airwaves"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Airwaves"
    xdg = environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "airwaves"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """AIRWAVES_DATA_DIR when set, else the per-user default; absolute either way."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("AIRWAVES_DATA_DIR")
    return Path(chosen).expanduser().resolve() if chosen else default_data_dir(environ)
