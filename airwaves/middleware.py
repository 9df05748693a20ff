"""Request checks that hold for every view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest


def refuse_nul_characters(get_response):
    """A NUL character in the path or query string is never meaningful, and PostgreSQL
    refuses it in any query, which would turn a typo into a server error: answer 400
    here, once, instead of in every view that reads a URL parameter."""

    def middleware(request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(
                "Bad request: the address contains a NUL character (%00); remove it and try again.",
                content_type="text/plain",
            )
        return get_response(request)

    return middleware
