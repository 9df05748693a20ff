"""Sign up, log in, log out, change and reset passwords; hashing and cookies."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.listeners.conftest import ICE, page, text

PASSPHRASE = "a long listening passphrase"


def test_signing_up_creates_an_account_and_logs_in(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.org",
            "password1": PASSPHRASE,
            "password2": PASSPHRASE,
        },
    )

    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.org"
    assert client.session["_auth_user_id"] == str(carol.pk)
    doc = page(client, "/")
    assert doc.xpath('//details[@class="account-menu"]/summary/text()') == ["carol"]


@pytest.mark.real_passwords
def test_passwords_are_hashed_with_argon2(client, db):
    client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert User.objects.get(username="carol").password.startswith("argon2$argon2id$")


def test_signing_up_says_what_is_wrong(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "Alice", "password1": "password", "password2": "different"},
    )

    assert response.status_code == 200
    body = text(page_from(response))
    assert "A user with that username already exists." in body
    assert "The two password fields didn’t match." in body
    assert User.objects.count() == 1


def page_from(response):
    from lxml import html

    return html.fromstring(response.content)


def test_logging_in_and_out(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "password", "next": ICE}
    )
    assert response["Location"] == ICE
    assert client.session["_auth_user_id"] == str(alice.pk)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(page_from(response))
    assert "_auth_user_id" not in client.session


def test_the_header_offers_log_in_and_sign_up_to_guests(client, db):
    doc = page(client, "/")
    links = doc.xpath('//div[@class="account"]//a/text()')
    assert links == ["Log in", "Sign up"]


def test_the_account_menu_links_to_the_listener_pages(client, alice):
    client.force_login(alice)
    doc = page(client, "/")
    menu = doc.xpath('//details[@class="account-menu"]//a/@href')
    assert menu == ["/favourites/", "/new/", "/following/", "/history/", "/accounts/settings/"]
    assert doc.xpath('//details[@class="account-menu"]//form[@action="/accounts/logout/"]')


def test_changing_the_password(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {"old_password": "password", "new_password1": PASSPHRASE, "new_password2": PASSPHRASE},
    )
    assert response["Location"] == "/accounts/password/changed/"
    alice.refresh_from_db()
    assert alice.check_password(PASSPHRASE)
    # Still logged in on this device.
    assert client.get("/accounts/settings/").status_code == 200


def test_changing_the_password_needs_the_old_one(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": PASSPHRASE, "new_password2": PASSPHRASE},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("password")


def test_resetting_the_password_by_email(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your password on Live Radio & Podcasts"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_url = client.get(link)["Location"]  # Django hides the token behind a redirect
    response = client.post(form_url, {"new_password1": PASSPHRASE, "new_password2": PASSPHRASE})
    assert response["Location"] == "/accounts/password/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(PASSPHRASE)
    assert client.session["_auth_user_id"] == str(alice.pk)

    # The link works once (an invalid token is not redirected).
    assert "This link does not work" in text(page(client, link))


def test_reset_links_use_the_public_address_when_configured(client, alice, settings):
    settings.SITE_URL = "https://radio.example.net"
    client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert "https://radio.example.net/accounts/password/reset/" in mail.outbox[0].body


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_settings_saves_the_email_address(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/settings/", {"email": "new@example.org"})
    assert response["Location"] == "/accounts/settings/"
    alice.refresh_from_db()
    assert alice.email == "new@example.org"
    assert "Your e-mail address was saved." in text(page(client, "/accounts/settings/"))


def test_settings_needs_a_log_in(client, db):
    response = client.get("/accounts/settings/")
    assert response["Location"] == "/accounts/login/?next=/accounts/settings/"


def test_session_and_csrf_cookies_are_http_only_lax_and_secure_when_configured(
    client, alice, settings
):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})

    session = response.cookies["sessionid"]
    assert session["httponly"] and session["secure"]
    assert session["samesite"] == "Lax"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_the_email_backend_is_the_console_unless_smtp_is_configured():
    from airwaves import settings as airwaves_settings

    assert airwaves_settings.MAILERS["default"]["BACKEND"].endswith("console.EmailBackend")
