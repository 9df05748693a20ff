"""Content-Security-Policy on every page, no inline script or style for it to refuse
(the Django admin included), HSTS behind HTTPS."""

from __future__ import annotations

import os
import subprocess
import sys

import lxml.html
import pytest
from django.contrib.auth.models import User

from airwaves.radio.models import Station
from tests.conftest import watch_for_errors
from tests.radio import fixtures
from tests.radio.fixtures import SERVES_STATIC_FILES

REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def inline_code(html: str) -> list[str]:
    """Inline scripts, event-handler attributes, style attributes and <style> elements:
    what a policy without 'unsafe-inline' refuses."""
    found = []
    tree = lxml.html.fromstring(html)
    for script in tree.iter("script"):
        kind = (script.get("type") or "").lower()
        if not script.get("src") and kind not in ("application/ld+json", "application/json"):
            found.append(f"<script>{(script.text or '')[:60]}")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "style":
            found.append("<style>")
        for name in element.attrib:
            if name.startswith("on") or name == "style":
                found.append(f"<{element.tag} {name}=…>")
        if (element.get("href") or "").lower().startswith("javascript:"):
            found.append(f"<{element.tag} href=javascript:…>")
    return found


@pytest.fixture
def staff(client, db):
    user = User.objects.create_superuser("operator", "op@example.org", "pw")
    client.force_login(user)
    return user


@pytest.fixture
def station(db):
    item = Station(name="Header FM", url="http://radio.example.org/live", tags="jazz")
    item.save()
    item.sync_facets()
    return item


PAGES = [
    "/",
    "/podcasts/",
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/",
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/",
    "/search?q=backend",
    "/favourites/",
    "/radio/",
    "/radio/header-fm/",
    "/accounts/login/",
    "/accounts/signup/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_policy_and_nothing_inline(client, demo, station, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("text/html")
    directives = policy(response)
    for name, value in REQUIRED.items():
        assert directives[name] == value, name
    # Publishers' artwork and audio, until they are served from our own storage.
    assert {"https:", "http:"} <= set(directives["img-src"].split())
    assert {"https:", "http:"} <= set(directives["media-src"].split())
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == []


ADMIN_PAGES = [
    "/admin/",
    "/admin/radio/station/",
    "/admin/radio/station/add/",
    "/admin/radio/station/import/",
    "/admin/podcasts/podcast/",
    "/admin/auth/user/{staff}/change/",
    "/admin/auth/user/{staff}/password/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_the_admin_has_no_inline_code_for_the_policy_to_refuse(client, staff, station, path):
    path = path.format(staff=staff.pk)
    response = client.get(path)
    assert response.status_code == 200, path
    assert policy(response)["script-src"] == "'self'"
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("path", ["/following/", "/new/", "/history/", "/accounts/settings/"])
def test_a_listeners_pages_have_nothing_inline(client, alice, demo, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200
    assert policy(response)["script-src"] == "'self'"
    assert inline_code(response.content.decode()) == []


def test_the_station_import_progress_page_has_no_inline_script(async_client, staff):
    from asgiref.sync import async_to_sync
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "stations.m3u", b"#EXTM3U\n#EXTINF:-1,One FM\nhttp://one.example.org/live\n"
    )
    async_client.force_login(staff)

    async def post() -> str:
        response = await async_client.post("/admin/radio/station/import/", {"file": upload})
        assert response.status_code == 200
        return b"".join([part async for part in response.streaming_content]).decode()

    page = async_to_sync(post)()
    assert 'class="import-step" data-done="1" data-total="1"' in page
    assert inline_code(page) == []


def settings_in_subprocess(env: dict, expression: str) -> str:
    env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "airwaves.settings"}
    done = subprocess.run(
        [sys.executable, "-c", f"from airwaves import settings; print({expression})"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_hsts_is_on_with_secure_cookies_and_off_without():
    on = settings_in_subprocess({"AIRWAVES_SECURE_COOKIES": "1"}, "settings.SECURE_HSTS_SECONDS")
    off = settings_in_subprocess({"AIRWAVES_SECURE_COOKIES": ""}, "settings.SECURE_HSTS_SECONDS")
    assert int(on) >= 180 * 24 * 3600
    assert int(off) == 0


def test_a_secure_request_gets_hsts_when_it_is_on(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/healthz")


def test_https_ended_at_a_trusted_proxy_counts_as_https(client, db, settings):
    # Behind a proxy that ends TLS, the site hears plain HTTP from the proxy, which says
    # X-Forwarded-Proto: https. Believed from AIRWAVES_TRUSTED_PROXIES only.
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = client.get("/healthz", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_PROTO="https")
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"
    claimed = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in claimed
    plain = client.get("/healthz", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_PROTO="http")
    assert "Strict-Transport-Security" not in plain


def test_a_form_posted_over_https_through_the_proxy_passes_the_csrf_check(db, settings):
    # The browser sends Origin: https://…; without believing the proxy the site would
    # compare it with http://… and refuse every form (403).
    from django.test import Client

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    browser = Client(enforce_csrf_checks=True)
    token = browser.get("/accounts/login/").cookies["csrftoken"].value
    form = {"username": "nobody", "password": "wrong", "csrfmiddlewaretoken": token}

    def post(remote: str):
        return browser.post(
            "/accounts/login/",
            form,
            REMOTE_ADDR=remote,
            HTTP_HOST="testserver",
            HTTP_ORIGIN="https://testserver",
            HTTP_X_FORWARDED_PROTO="https",
        )

    assert post("10.1.2.3").status_code == 200  # the form again, with its error
    assert post("203.0.113.9").status_code == 403  # nobody else's word for it


# --- in a browser -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_fixture_catches_an_inline_script(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    errors = watch_for_errors(tab)
    tab.goto("/")
    tab.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.head.append(s); }"
    )
    ran = tab.evaluate("() => window.ran === 1")
    context.close()
    assert not ran
    assert any("Content Security Policy directive 'script-src 'self''" in e for e in errors), errors


asgi_server = fixtures.asgi_server


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@SERVES_STATIC_FILES
def test_the_admin_import_fills_its_progress_bar_under_the_policy(browser, asgi_server):
    # Under uvicorn: the progress page is an async stream, which WSGI cannot send.
    from django.test import Client

    User.objects.create_superuser("operator", "op@example.org", "pw")
    client = Client()
    client.login(username="operator", password="pw")
    context = browser.new_context(base_url=asgi_server.url)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
    context.add_cookies([{**cookie, "url": asgi_server.url}])
    # Chromium asks admin pages for /favicon.ico; under ASGI Django renders that 404 in a
    # thread of the shared pool, whose database connection (the session's user) nothing
    # closes, and PostgreSQL then cannot drop the test database.
    context.route("**/favicon.ico", lambda route: route.abort())
    tab = context.new_page()
    errors = watch_for_errors(tab)
    lines = ["#EXTM3U"] + [
        f"#EXTINF:-1,Station {n}\nhttp://s{n}.example.org/live" for n in range(120)
    ]
    tab.goto("/admin/radio/station/import/")
    playlist = {
        "name": "many.m3u",
        "mimeType": "audio/x-mpegurl",
        "buffer": "\n".join(lines).encode(),
    }
    tab.set_input_files("input[type=file]", files=[playlist])
    tab.locator("input[type=submit]").click()
    tab.get_by_text("120 of 120 stations").wait_for(timeout=20_000)
    value = tab.locator("#import-progress").evaluate("bar => bar.value")
    context.close()
    assert value == 120
    assert Station.objects.count() == 120
    assert errors == []
