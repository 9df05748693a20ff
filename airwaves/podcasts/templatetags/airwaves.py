from __future__ import annotations

import json
from datetime import datetime

from django import template
from django.utils.safestring import mark_safe

from airwaves.lib.dates import format_date
from airwaves.lib.durations import format_duration

register = template.Library()

# Characters that could end a <script> element or open a comment, escaped the way
# django.utils.html.json_script does.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def hms(seconds: int | None) -> str:
    """3588 -> "00:59:48"."""
    return format_duration(seconds) if seconds else ""


@register.filter
def nice_date(value: datetime | None) -> str:
    """A datetime -> "Apr 15, 2026"."""
    return format_date(value) if value else ""


@register.filter
def jsonld(data) -> str:
    """A <script type="application/ld+json"> element holding `data`."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
