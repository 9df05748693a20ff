from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("radio/partials/home_stations.html")
def home_stations(limit: int = 6) -> dict:
    """The home page's Live Radio list: a few working stations, or how to add some."""
    from airwaves.radio.views import home_stations as pick

    return {"stations": pick(limit)}
