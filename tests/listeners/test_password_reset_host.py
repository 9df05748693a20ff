"""Password-reset e-mails link to the configured site only, never to a Host header the
operator did not configure (password-reset poisoning)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

EVIL = "evil.example"


def reset(client: Client, host: str, email: str = "alice@example.org"):
    return client.post("/accounts/password/reset/", {"email": email}, HTTP_HOST=host)


def links() -> list[str]:
    return [url for m in mail.outbox for url in re.findall(r"https?://\S+", m.body)]


def test_a_reset_asked_for_with_a_foreign_host_is_refused(client, alice):
    response = reset(client, EVIL)

    assert response.status_code == 400
    assert mail.outbox == []


def test_the_link_goes_to_the_configured_site_whatever_the_host(client, alice, settings):
    settings.SITE_URL = "https://radio.example.org"
    settings.ALLOWED_HOSTS = ["*"]  # even an operator allowing every host

    assert reset(client, EVIL).status_code == 302

    assert len(mail.outbox) == 1
    assert EVIL not in mail.outbox[0].body
    assert EVIL not in mail.outbox[0].subject
    (link,) = links()
    assert re.fullmatch(r"https://radio\.example\.org/accounts/password/reset/[^/]+/[^/]+/", link)


def test_without_a_site_url_the_link_uses_the_allowed_host_asked_on(client, alice):
    assert reset(client, "testserver").status_code == 302
    (link,) = links()
    assert link.startswith("http://testserver/accounts/password/reset/")


def test_allowing_every_host_without_a_site_url_sends_no_link(client, alice, settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]

    response = reset(client, EVIL)

    assert response.status_code == 400
    assert "AIRWAVES_SITE_URL" in response.content.decode()
    assert mail.outbox == []


def test_a_wildcard_entry_still_needs_the_host_to_match_it(client, alice, settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = [".example.org"]

    assert reset(client, "radio.example.org").status_code == 302
    assert links()[0].startswith("http://radio.example.org/accounts/password/reset/")
    assert reset(client, EVIL).status_code == 400
    assert len(mail.outbox) == 1
