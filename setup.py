"""The one compiled part of Airwaves: crawler/_fastitems.c, which reads RSS items (the
same way as crawler/rss.py, in a sixth of the instructions). Everything else is in
pyproject.toml.

It is optional: without a C compiler, or without lxml's headers, the build goes on
without it and the parser reads every item in Python (the same results, slower).
AIRWAVES_NO_C=1 skips it on purpose.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from setuptools import Extension, setup


def _extensions() -> list[Extension]:
    if os.environ.get("AIRWAVES_NO_C", "") not in ("", "0"):
        # (An editable install keeps the module it built last in the source tree.)
        for built in Path(__file__).parent.glob("airwaves/crawler/_fastitems*.so"):
            built.unlink()
        return []
    try:
        import lxml  # the build environment's (pyproject.toml's build-system.requires)
    except ImportError:
        return []
    source = Path(__file__).parent / "airwaves" / "crawler" / "_fastitems.c"
    return [
        Extension(
            "airwaves.crawler._fastitems",
            [str(source.relative_to(Path(__file__).parent))],
            # rss.py compares it with the source beside it: a module built from another
            # version of the file (a pull without a new set-up) is not used.
            define_macros=[
                ("SOURCE_DIGEST", f'"{hashlib.sha256(source.read_bytes()).hexdigest()}"')
            ],
            # lxml ships libxml2's headers; the C reader reads libxml2's tree structs and
            # calls nothing in libxml2, so it links against nothing but Python.
            include_dirs=lxml.get_include(),
            optional=True,
        )
    ]


setup(ext_modules=_extensions())
