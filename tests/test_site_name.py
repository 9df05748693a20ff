"""The site's name comes from AIRWAVES_SITE_NAME on every page, never from the host name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import RequestFactory
from lxml import html

from airwaves.errorpages import server_error

NAME = "Night Owl Radio"
HOST = "127.0.0.1:8311"


@pytest.fixture
def named(settings):
    settings.SITE_NAME = NAME
    return NAME


def names_on(client, url: str) -> dict[str, str]:
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200, (url, response.status_code)
    doc = html.fromstring(response.content)
    return {
        "title": doc.findtext(".//title"),
        "header": doc.xpath('//header//a[@class="brand"]')[0].text_content(),
        "footer": " ".join(doc.xpath("//footer")[0].text_content().split()),
    }


def test_the_log_in_page_shows_the_default_name_and_not_the_host(client, db):
    names = names_on(client, "/accounts/login/")
    assert names == {
        "title": "Log in · Live Radio & Podcasts",
        "header": "Live Radio & Podcasts",
        "footer": "Live Radio & Podcasts runs on Airwaves, open-source software for podcasts "
        "and live radio. Sitemap",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/done/",
        "/favourites/",
        "/history/",
    ],
)
def test_every_account_page_uses_the_configured_name(client, db, named, url):
    names = names_on(client, url)
    assert names["title"].endswith(NAME) or names["title"] == NAME
    assert names["header"] == NAME
    assert names["footer"].startswith(NAME + " runs on Airwaves")
    assert HOST not in " ".join(names.values())


def test_the_password_reset_email_uses_the_configured_name(client, db, named, settings):
    settings.SITE_URL = "https://radio.example.net"
    User.objects.create_user("alice", "alice@example.org", "password")
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == f"Reset your password on {NAME}"
    assert f"your account on {NAME}" in message.body


def test_the_not_found_and_server_error_pages_use_the_configured_name(client, db, named):
    response = client.get("/no/such/page/", HTTP_HOST=HOST)
    assert response.status_code == 404
    assert html.fromstring(response.content).findtext(".//title") == f"Not found · {NAME}"

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert html.fromstring(response.content).findtext(".//title") == f"Server error · {NAME}"


def test_the_admin_is_named_after_the_site(client, db, named):
    response = client.get("/admin/login/", HTTP_HOST=HOST)
    doc = html.fromstring(response.content)
    assert doc.findtext(".//title").endswith(NAME)
    assert " ".join(doc.xpath('//*[@id="site-name"]')[0].text_content().split()) == NAME
