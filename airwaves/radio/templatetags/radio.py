from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("radio/partials/home_stations.html", takes_context=True)
def home_stations(context, limit: int = 6) -> dict:
    """The home page's Live Radio list: a few working stations, or (for staff) how to
    add some."""
    from airwaves.radio.views import home_stations as pick

    return {"stations": pick(limit), "user": context.get("user")}
