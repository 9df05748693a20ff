"""schema.org JSON-LD for station pages."""

from __future__ import annotations

from collections.abc import Callable

from airwaves.radio.models import Station

Absolute = Callable[[str], str]


def radio_station(station: Station, absolute: Absolute, image: str = "") -> dict:
    """image: the 1200×630 share card (og:image); a station's own logo is favicon-sized,
    so it is only the logo."""
    page = absolute(station.get_absolute_url())
    data: dict = {
        "@context": "https://schema.org",
        "@type": "RadioStation",
        "name": station.name,
        "url": page,
        "identifier": str(station.uuid),
    }
    if station.favicon:
        data["logo"] = station.favicon
    if image:
        data["image"] = image
    if station.homepage:
        data["sameAs"] = station.homepage
    if station.tag_list:
        data["keywords"] = ", ".join(station.tag_list)
    if station.language_code_list:
        data["knowsLanguage"] = station.language_code_list
    if station.country_code or station.state:
        address = {"@type": "PostalAddress"}
        if station.country_code:
            address["addressCountry"] = station.country_code
        if station.state:
            address["addressRegion"] = station.state
        data["address"] = address
    if station.geo_lat is not None and station.geo_long is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": station.geo_lat,
            "longitude": station.geo_long,
        }
    if not station.broken:
        data["potentialAction"] = {"@type": "ListenAction", "target": page}
    return data
