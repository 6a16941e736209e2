"""Sign-in, sessions, CSRF, throttling, passwords and account administration.
(The pure rules, safe_next and the password policy: tests/unit/test_account_rules.py.)"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.factories import PASSWORD, uai
from tests.helpers import count, execute, query, with_csrf


def _login(client, email, password=PASSWORD, next_path=""):
    with_csrf(client)
    return client.post("/login", data={"email": email, "password": password, "next": next_path},
                       follow_redirects=False)


@pytest.fixture
def admin(empty_client, make):
    """An administrator of an installation whose set-up is done."""
    make.installation()
    return empty_client


@pytest.fixture
def visitor(admin, make):
    """A visitor who has not signed in (with the CSRF cookie any page gives)."""
    make.sign_out(admin)
    return admin


def test_hsts_only_when_the_public_address_is_https(empty_url, tmp_path):
    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    for base, expected in (("https://inventaire.ville.example", True),
                           ("http://127.0.0.1:8000", False)):
        app = create_app(Settings(database_url=empty_url, data_dir=tmp_path, base_url=base))
        with TestClient(app, base_url="http://testserver.local") as anonymous:
            headers = anonymous.get("/login").headers
        assert ("strict-transport-security" in headers) is expected, base


def test_hsts_follows_the_public_address_of_the_setup_without_a_restart(empty_client):
    """The public address is usually set on /admin/settings, not in the environment:
    HSTS follows it at once in the instance that saved it, within a minute in others."""
    import datetime as dt

    from inventory.core import clock
    from inventory.setup import service

    client = empty_client  # a new installation: no public address yet
    assert "strict-transport-security" not in client.get("/login").headers
    saved = client.post("/admin/settings", data={
        "label_owner": "Commune de Brenneville", "tag_prefix": "BRN",
        "base_url": "https://inventaire.brenneville.example"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    for path in ("/login", "/", "/static/nowhere.css"):
        assert client.get(path).headers["strict-transport-security"] == "max-age=31536000"
    # Another instance (here: the database written directly) goes back to plain http: this
    # one follows once its cached value is older than the TTL, not on every request.
    start = clock.now()
    with clock.frozen(start):
        client.get("/login")
        execute("UPDATE app_setting SET value = {} WHERE key = 'public_url'",
                "http://inventaire.brenneville.example")
        assert "strict-transport-security" in client.get("/login").headers
    later = start + dt.timedelta(seconds=service.PUBLIC_ADDRESS_TTL_S + 1)
    with clock.frozen(later):
        assert "strict-transport-security" not in client.get("/login").headers


def test_hsts_from_the_first_response_when_the_stored_address_is_https(empty_url, tmp_path):
    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    execute("INSERT INTO app_setting (key, value) VALUES ('public_url', {})",
            "https://inventaire.brenneville.example")
    app = create_app(Settings(database_url=empty_url, data_dir=tmp_path))
    with TestClient(app, base_url="http://testserver.local") as anonymous:
        assert "strict-transport-security" in anonymous.get("/login").headers


# Sign-in


def test_deep_link_goes_through_login_and_back(visitor, make):
    # (Anonymous fault reports are off, as after any set-up: the label page asks to sign in.)
    link = f"/a/{make.asset()['tag']}"
    person = make.account("technician")
    response = visitor.get(link, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=" + link.replace("/", "%2F")
    page = visitor.get(response.headers["location"])
    assert f'name="next" value="{link}"' in page.text
    signed = _login(visitor, person["email"], next_path=link)
    assert signed.status_code == 303
    assert signed.headers["location"] == link
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # http base URL
    assert visitor.get(link).status_code == 200


def test_login_refuses_foreign_redirects(visitor, make):
    person = make.account("administrator")
    for target in ("//evil.example/", "https://evil.example/x", "/\\evil.example"):
        response = _login(visitor, person["email"], next_path=target)
        assert response.headers["location"] == "/"
        visitor.post("/logout", follow_redirects=False)


def test_cookies_are_secure_behind_https(empty_url, make, tmp_path):
    from inventory.app import create_app
    from inventory.core.settings import Settings

    person = make.account("viewer")
    app = create_app(Settings(database_url=empty_url, base_url="https://inventaire.example",
                              data_dir=tmp_path))
    with TestClient(app, base_url="https://testserver.local") as client:
        response = _login(client, person["email"])
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_and_audited(visitor, make):
    person = make.account("administrator")
    response = _login(visitor, person["email"], password="not-the-password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.text
    assert count("audit_record", "entity = 'login' AND action = 'failed' AND entity_key = {}",
                 person["email"]) == 1
    assert _login(visitor, "nobody@nowhere.example").status_code == 400


def test_account_throttling_answers_429_and_success_resets(visitor, make):
    director = make.account("director")["email"]
    for _ in range(4):
        assert _login(visitor, director, password="wrong-password").status_code == 400
    assert _login(visitor, director).status_code == 303  # a success resets the counter
    visitor.post("/logout")
    for _ in range(5):
        assert _login(visitor, director, password="wrong-password").status_code == 400
    refused = _login(visitor, director)  # even the right password waits now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Too many failed attempts" in refused.text
    assert count("audit_record", "action = 'throttled'") == 1
    # The counter lives in the database, shared by every instance of the service.
    assert query("SELECT failures FROM login_throttle WHERE key LIKE {}",
                 f"pair:{director}|%")[0]["failures"] == 5


def test_a_busy_address_slows_guessing_but_lets_people_who_know_their_password_in(visitor,
                                                                                    make):
    """20 failures from one address (a school behind one NAT): accounts that already failed
    from it wait; someone who knows their password still signs in (this used to be a 429
    for everyone behind the address); and signing in does not clear the address's count."""
    administrator = make.account("administrator")["email"]
    director = make.account("director")["email"]
    for i in range(19):
        _login(visitor, f"someone{i}@nowhere.example", password="wrong-password")
    assert _login(visitor, administrator).status_code == 303  # right password
    visitor.post("/logout")
    _login(visitor, "someone0@nowhere.example", password="wrong-password")  # the 20th
    assert _login(visitor, "someone0@nowhere.example", password="wrong").status_code == 429
    assert _login(visitor, "someone1@nowhere.example", password="wrong").status_code == 429
    assert _login(visitor, director).status_code == 303


def test_refused_attempts_leave_one_audit_record_per_address(visitor, make):
    director = make.account("director")["email"]
    for _ in range(5):
        _login(visitor, director, password="wrong-password")
    for _ in range(10):
        assert _login(visitor, director, password="wrong-password").status_code == 429
    assert count("audit_record", "action = 'throttled'") == 1
    assert count("audit_record", "action = 'failed'") == 5


def test_a_burst_of_concurrent_guesses_gets_no_more_evaluations_than_the_limit(empty_url, make,
                                                                                run):
    import asyncio

    from inventory.accounts import service

    director = make.account("director")["email"]

    async def burst():
        return await asyncio.gather(*[service.authenticate(director, "wrong-password",
                                                           "10.9.8.7") for _ in range(15)])

    results = run(burst())
    assert sum(1 for r in results if r.retry_after == 0) == 5
    assert count("audit_record", "action = 'failed'") == 5


def test_logout_ends_the_session(admin):
    assert admin.get("/").status_code == 200
    assert admin.post("/logout", follow_redirects=False).status_code == 303
    assert admin.get("/", follow_redirects=False).status_code == 302
    assert count("user_session") == 0


def test_idle_sessions_expire(admin):
    execute("UPDATE user_session SET last_seen = {}", int(time.time()) - 9 * 3600)
    assert admin.get("/", follow_redirects=False).status_code == 302
    assert count("user_session") == 0


def test_sessions_survive_a_restart(admin, empty_url, tmp_path):
    from inventory.app import create_app
    from inventory.core.settings import Settings

    token = admin.cookies["session"]
    with TestClient(create_app(Settings(database_url=empty_url, data_dir=tmp_path)),
                    base_url="http://testserver.local") as restarted:
        restarted.cookies.set("session", token)
        assert restarted.get("/", follow_redirects=False).status_code == 200


def test_csrf_is_required_for_every_change(admin, make):
    tag = make.asset(notes="Avant")["tag"]
    no_token = admin.post(f"/a/{tag}/edit", data={"notes": "x"},
                          headers={"x-csrftoken": ""}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = admin.post(f"/a/{tag}/edit", data={"notes": "x", "_csrf_token": "forged"},
                       headers={"x-csrftoken": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403
    api = admin.patch(f"/api/v1/assets/{tag}", json={"notes": "x"},
                      headers={"x-csrftoken": ""})
    assert api.status_code == 403
    assert query("SELECT notes FROM asset WHERE tag = {}", tag)[0]["notes"] == "Avant"


def test_security_headers_on_every_kind_of_response(admin):
    for path in ("/", "/static/app.css", "/nothing-here", "/api/v1/assets", "/healthz"):
        headers = admin.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_no_inline_script_in_pages(admin, make):
    import re

    asset = make.asset(room=make.room(), model=make.model(), notes="Une note")
    make.fault(asset)
    make.account("director")
    for path in ("/", "/assets", f"/a/{asset['tag']}", "/sites", "/admin/users", "/login"):
        html = admin.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " onclick=" not in html and "style=" not in html, path


# Passwords


def test_change_own_password(admin, make):
    client = admin
    technician = make.sign_in(client, "technician")
    bad = client.post("/account/password", data={"current": "nope", "new": "x", "confirm": "y"})
    assert bad.status_code == 400
    assert "not your current password" in bad.text and "differ" in bad.text
    weak = client.post("/account/password", data={"current": PASSWORD,
                                                   "new": "password123", "confirm": "password123"})
    assert "too common" in weak.text
    ok = client.post("/account/password", data={"current": PASSWORD,
                                                "new": "Another-long-secret", "confirm":
                                                "Another-long-secret"}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    client.post("/logout")
    assert _login(client, technician["email"], PASSWORD).status_code == 400
    assert _login(client, technician["email"], "Another-long-secret").status_code == 303


# Administration


def test_admin_creates_disables_and_resets_accounts(admin, make):
    client = admin
    school = make.site()["code"]
    existing = make.account("viewer")["email"]
    created = client.post("/admin/users/new", data={
        "email": "Nouvelle.Directrice@Commune.example", "name": "Nouvelle Directrice",
        "role": "director", "sites": [school], "password": "Long-enough-secret"},
        follow_redirects=False)
    assert created.status_code == 303
    user = query("SELECT id, version FROM app_user WHERE email = "
                 "'nouvelle.directrice@commune.example'")[0]
    assert count("user_site", "\"user\" = {}", user["id"]) == 1
    no_site = client.post("/admin/users/new", data={"email": "d2@x.example", "role": "director",
                                                    "password": "Long-enough-secret"})
    assert "at least one site" in no_site.text
    duplicate = client.post("/admin/users/new", data={
        "email": existing, "role": "viewer", "password": "Long-enough-secret"})
    assert "already uses this email" in duplicate.text

    # The new director signs in, then is disabled: their session ends at once.
    admin_session = client.cookies["session"]
    client.cookies.delete("session")
    assert _login(client, "nouvelle.directrice@commune.example",
                  "Long-enough-secret").status_code == 303
    director_session = client.cookies["session"]
    assert client.get(f"/sites/{school}").status_code == 200
    client.cookies.set("session", admin_session)
    disabled = client.post(f"/admin/users/{user['id']}", data={
        "name": "Nouvelle Directrice", "role": "director", "sites": [school],
        "version": user["version"]}, follow_redirects=False)
    assert disabled.status_code == 303
    client.cookies.set("session", director_session)
    assert client.get(f"/sites/{school}", follow_redirects=False).status_code == 302
    client.cookies.delete("session")
    assert _login(client, "nouvelle.directrice@commune.example",
                  "Long-enough-secret").status_code == 400
    client.cookies.set("session", admin_session)
    reset = client.post(f"/admin/users/{user['id']}/password", data={"password": "short"})
    assert "at least 10" in reset.text
    assert client.post(f"/admin/users/{user['id']}/password",
                       data={"password": "Brand-new-secret"}, follow_redirects=False
                       ).status_code == 303
    assert count("audit_record", "entity = 'user' AND action = 'password'") == 1


def test_audit_log_is_filterable_and_names_the_actor(admin, make):
    asset = make.asset()
    person = make.sign_in(admin, "administrator")["email"]
    admin.post(f"/a/{asset['tag']}/status", data={"status": "in_repair",
                                                  "version": asset["version"]})
    page = admin.get("/admin/audit?entity=asset&action=status")
    assert "1 record" in page.text and asset["tag"] in page.text and person in page.text
    record = query("SELECT actor, user_id FROM audit_record WHERE action = 'status'")[0]
    assert record["actor"] == person and record["user_id"] is not None
    assert "0 records" in admin.get("/admin/audit?actor=nobody@x.example").text
    assert admin.get("/admin/audit?from=not-a-date&page=zz").status_code == 200


def test_friendly_translated_error_pages(admin, make):
    viewer = admin
    make.sign_in(viewer, "viewer")
    refused = viewer.get("/assets/new")
    assert refused.status_code == 403
    assert "You are not allowed to do this." in refused.text
    viewer.cookies.set("lang", "fr")
    assert "autorisé" in viewer.get("/assets/new").text
    assert "Traceback" not in refused.text


def test_login_page_lists_demo_accounts_in_demo_mode(anonymous):
    # On the demo: its subject is the demo's own sign-in help.
    from inventory.accounts.service import DEMO_ACCOUNTS, DEMO_PASSWORD

    page = anonymous.get("/login").text
    assert "Demo accounts" in page and DEMO_PASSWORD in page
    for email, name, _role in DEMO_ACCOUNTS:
        assert f"<tr><td><code>{email}</code></td><td>{name}</td>" in page, email


def test_login_page_hides_accounts_outside_demo_mode(visitor, make):
    make.account("director")
    page = visitor.get("/login")
    assert page.status_code == 200 and "Demo accounts" not in page.text


def test_createuser_command(empty_url, make):
    env = {**os.environ, "INVENTORY_DATABASE_URL": empty_url}
    school = make.site(uai=uai(990_002))
    make.site()  # another school
    command = [str(Path(sys.executable).parent / "inventory"), "createuser",
               "chef@commune.example", "--role", "director", "--site", school["uai"],
               "--password-stdin"]
    done = subprocess.run(command, input="Long-enough-secret\n", env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    user = query("SELECT id, role FROM app_user WHERE email = 'chef@commune.example'")[0]
    assert user["role"] == "director"
    assert query("SELECT site.code FROM user_site JOIN site ON site.id = user_site.site "
                 "WHERE user_site.\"user\" = {}", user["id"]) == [{"code": school["code"]}]
    weak = subprocess.run([*command[:2], "x@commune.example", *command[3:]],
                          input="short\n", env=env, capture_output=True, text=True, timeout=60)
    assert weak.returncode == 1 and "password" in weak.stderr


def test_a_new_installation_s_sign_in_page_says_how_to_make_the_first_account(
        empty_url, tmp_path):
    """The first day: nobody can sign in until the first administrator is made on the
    server; the sign-in page says so (and stops saying it once an account exists)."""
    import contextlib

    from tests.conftest import _client

    with contextlib.contextmanager(_client)(empty_url, tmp_path, email=None) as visitor:
        assert "first-account" not in visitor.get("/login").text  # the test's administrator
        execute("DELETE FROM app_user")
        page = visitor.get("/login", headers={"accept-language": "fr"}).text
        assert "Cette installation n’a encore aucun compte." in page
        assert "inventory createuser vous@commune.example --role administrator" in page
        english = visitor.get("/login").text
        assert "This installation has no account yet." in english
