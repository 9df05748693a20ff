"""The server-error page. Django's own renders 500.html with an empty context (no context
processors: the failure may be in one of them), so the site's name is passed here."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"site_name": settings.SITE_NAME}))
