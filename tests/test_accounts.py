"""Sign-in, sessions, CSRF, throttling, passwords and account administration."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient

from inventory.accounts.rules import password_problem, safe_next
from inventory.accounts.service import DEMO_PASSWORD
from tests.conftest import ADMIN, ROLE_EMAILS
from tests.helpers import count, execute, query, with_csrf

DIRECTOR = ROLE_EMAILS["director"]


def _login(client, email, password=DEMO_PASSWORD, next_path=""):
    with_csrf(client)
    return client.post("/login", data={"email": email, "password": password, "next": next_path},
                       follow_redirects=False)


# Pure rules


@pytest.mark.parametrize("target,expected", [
    ("/a/BRN-000001", "/a/BRN-000001"), ("/assets?site=X&q=1", "/assets?site=X&q=1"),
    ("//evil.example/x", "/"), ("https://evil.example", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("", "/"), (None, "/"), ("/login?next=/x", "/"),
    ("/a/x\r\nSet-Cookie: y", "/"),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_password_policy():
    from inventory.core import i18n

    i18n.set_language("en")
    assert "at least 10" in password_problem("short")
    assert "too common" in password_problem("azertyuiop")
    assert "too common" in password_problem("aaaaaaaaaaaa")
    assert "email" in password_problem("camille.exemple-2026", "camille.exemple@x.example")
    assert password_problem("Correct-horse-battery") is None
    for pattern in ("abcdabcdab", "abcdefghijk", "9876543210", "qwertyuiop12"[:10],
                    "xyzxyzxyzxyz", "poiuytrezaq"[:10]):
        assert "too common" in password_problem(pattern), pattern
    assert password_problem("Ecole-Ferry-TNI-42") is None


def test_hsts_only_when_the_public_address_is_https(demo_url, tmp_path):
    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    for base, expected in (("https://inventaire.ville.example", True),
                           ("http://127.0.0.1:8000", False)):
        app = create_app(Settings(database_url=demo_url, data_dir=tmp_path, base_url=base))
        with TestClient(app, base_url="http://testserver.local") as anonymous:
            headers = anonymous.get("/login").headers
        assert ("strict-transport-security" in headers) is expected, base


def test_hsts_follows_the_public_address_of_the_setup_without_a_restart(client):
    """The public address is usually set on /admin/settings, not in the environment:
    HSTS follows it at once in the instance that saved it, within a minute in others."""
    import datetime as dt

    from inventory.core import clock
    from inventory.setup import service

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


def test_hsts_from_the_first_response_when_the_stored_address_is_https(demo_url, tmp_path):
    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    execute("INSERT INTO app_setting (key, value) VALUES ('public_url', {})",
            "https://inventaire.brenneville.example")
    app = create_app(Settings(database_url=demo_url, data_dir=tmp_path))
    with TestClient(app, base_url="http://testserver.local") as anonymous:
        assert "strict-transport-security" in anonymous.get("/login").headers


# Sign-in


def test_deep_link_goes_through_login_and_back(anonymous):
    execute("UPDATE app_setting SET value = '0' WHERE key = 'anonymous_reports'")
    response = anonymous.get("/a/BRN-000001", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=%2Fa%2FBRN-000001"
    page = anonymous.get(response.headers["location"])
    assert 'name="next" value="/a/BRN-000001"' in page.text
    signed = _login(anonymous, ADMIN, next_path="/a/BRN-000001")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/a/BRN-000001"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # http base URL
    assert anonymous.get("/a/BRN-000001").status_code == 200


def test_login_refuses_foreign_redirects(anonymous):
    for target in ("//evil.example/", "https://evil.example/x", "/\\evil.example"):
        response = _login(anonymous, ADMIN, next_path=target)
        assert response.headers["location"] == "/"
        anonymous.post("/logout", follow_redirects=False)


def test_cookies_are_secure_behind_https(demo_url, tmp_path):
    from inventory.app import create_app
    from inventory.core.settings import Settings

    app = create_app(Settings(database_url=demo_url, base_url="https://inventaire.example",
                              data_dir=tmp_path))
    with TestClient(app, base_url="https://testserver.local") as client:
        response = _login(client, ADMIN)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_and_audited(anonymous):
    response = _login(anonymous, ADMIN, password="not-the-password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.text
    assert count("audit_record", "entity = 'login' AND action = 'failed' AND entity_key = {}",
                 ADMIN) == 1
    assert _login(anonymous, "nobody@nowhere.example").status_code == 400


def test_account_throttling_answers_429_and_success_resets(anonymous):
    for _ in range(4):
        assert _login(anonymous, DIRECTOR, password="wrong-password").status_code == 400
    assert _login(anonymous, DIRECTOR).status_code == 303  # a success resets the counter
    anonymous.post("/logout")
    for _ in range(5):
        assert _login(anonymous, DIRECTOR, password="wrong-password").status_code == 400
    refused = _login(anonymous, DIRECTOR)  # even the right password waits now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Too many failed attempts" in refused.text
    assert count("audit_record", "action = 'throttled'") == 1
    # The counter lives in the database, shared by every instance of the service.
    assert query("SELECT failures FROM login_throttle WHERE key LIKE {}",
                 f"pair:{DIRECTOR}|%")[0]["failures"] == 5


def test_a_busy_address_slows_guessing_but_lets_people_who_know_their_password_in(anonymous):
    """20 failures from one address (a school behind one NAT): accounts that already failed
    from it wait; someone who knows their password still signs in (this used to be a 429
    for everyone behind the address); and signing in does not clear the address's count."""
    for i in range(19):
        _login(anonymous, f"someone{i}@nowhere.example", password="wrong-password")
    assert _login(anonymous, ADMIN).status_code == 303  # one's own account, right password
    anonymous.post("/logout")
    _login(anonymous, "someone0@nowhere.example", password="wrong-password")  # the 20th
    assert _login(anonymous, "someone0@nowhere.example", password="wrong").status_code == 429
    assert _login(anonymous, "someone1@nowhere.example", password="wrong").status_code == 429
    assert _login(anonymous, DIRECTOR).status_code == 303


def test_refused_attempts_leave_one_audit_record_per_address(anonymous):
    for _ in range(5):
        _login(anonymous, DIRECTOR, password="wrong-password")
    for _ in range(10):
        assert _login(anonymous, DIRECTOR, password="wrong-password").status_code == 429
    assert count("audit_record", "action = 'throttled'") == 1
    assert count("audit_record", "action = 'failed'") == 5


def test_a_burst_of_concurrent_guesses_gets_no_more_evaluations_than_the_limit(demo_url, run):
    import asyncio

    from inventory.accounts import service

    async def burst():
        return await asyncio.gather(*[service.authenticate(DIRECTOR, "wrong-password", "10.9.8.7")
                                      for _ in range(15)])

    results = run(burst())
    assert sum(1 for r in results if r.retry_after == 0) == 5
    assert count("audit_record", "action = 'failed'") == 5


def test_logout_ends_the_session(client):
    assert client.get("/").status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 302
    assert count("user_session") == 0


def test_idle_sessions_expire(client):
    execute("UPDATE user_session SET last_seen = {}", int(time.time()) - 9 * 3600)
    assert client.get("/", follow_redirects=False).status_code == 302
    assert count("user_session") == 0


def test_sessions_survive_a_restart(client, demo_url, tmp_path):
    from inventory.app import create_app
    from inventory.core.settings import Settings

    token = client.cookies["session"]
    with TestClient(create_app(Settings(database_url=demo_url, data_dir=tmp_path)),
                    base_url="http://testserver.local") as restarted:
        restarted.cookies.set("session", token)
        assert restarted.get("/", follow_redirects=False).status_code == 200


def test_csrf_is_required_for_every_change(client):
    before = query("SELECT notes FROM asset WHERE tag = 'BRN-000001'")[0]["notes"]
    no_token = client.post("/a/BRN-000001/edit", data={"notes": "x"},
                           headers={"x-csrftoken": ""}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = client.post("/a/BRN-000001/edit", data={"notes": "x", "_csrf_token": "forged"},
                        headers={"x-csrftoken": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403
    api = client.patch("/api/v1/assets/BRN-000001", json={"notes": "x"},
                       headers={"x-csrftoken": ""})
    assert api.status_code == 403
    assert query("SELECT notes FROM asset WHERE tag = 'BRN-000001'")[0]["notes"] == before


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/static/app.css", "/nothing-here", "/api/v1/assets", "/healthz"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_no_inline_script_in_pages(client):
    import re

    for path in ("/", "/assets", "/a/BRN-000001", "/sites", "/admin/users", "/login"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " onclick=" not in html and "style=" not in html, path


# Passwords


def test_change_own_password(client_as):
    client = client_as("technician")
    other = query("SELECT COUNT(*) AS n FROM user_session")[0]["n"]
    bad = client.post("/account/password", data={"current": "nope", "new": "x", "confirm": "y"})
    assert bad.status_code == 400
    assert "not your current password" in bad.text and "differ" in bad.text
    weak = client.post("/account/password", data={"current": DEMO_PASSWORD,
                                                   "new": "password123", "confirm": "password123"})
    assert "too common" in weak.text
    ok = client.post("/account/password", data={"current": DEMO_PASSWORD,
                                                "new": "Another-long-secret", "confirm":
                                                "Another-long-secret"}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    assert other >= 1
    assert _login(client, ROLE_EMAILS["technician"], "Another-long-secret").status_code in (303,)


# Administration


def test_admin_creates_disables_and_resets_accounts(client):
    created = client.post("/admin/users/new", data={
        "email": "Nouvelle.Directrice@Brenneville.example", "name": "Nouvelle Directrice",
        "role": "director", "sites": ["EE-CURIE"], "password": "Long-enough-secret"},
        follow_redirects=False)
    assert created.status_code == 303
    user = query("SELECT id, version FROM app_user WHERE email = "
                 "'nouvelle.directrice@brenneville.example'")[0]
    assert count("user_site", "\"user\" = {}", user["id"]) == 1
    no_site = client.post("/admin/users/new", data={"email": "d2@x.example", "role": "director",
                                                    "password": "Long-enough-secret"})
    assert "at least one site" in no_site.text
    duplicate = client.post("/admin/users/new", data={
        "email": ADMIN, "role": "viewer", "password": "Long-enough-secret"})
    assert "already uses this email" in duplicate.text

    # The new director signs in, then is disabled: their session ends at once.
    admin_session = client.cookies["session"]
    client.cookies.delete("session")
    assert _login(client, "nouvelle.directrice@brenneville.example",
                  "Long-enough-secret").status_code == 303
    director_session = client.cookies["session"]
    assert client.get("/sites/EE-CURIE").status_code == 200
    client.cookies.set("session", admin_session)
    disabled = client.post(f"/admin/users/{user['id']}", data={
        "name": "Nouvelle Directrice", "role": "director", "sites": ["EE-CURIE"],
        "version": user["version"]}, follow_redirects=False)
    assert disabled.status_code == 303
    client.cookies.set("session", director_session)
    assert client.get("/sites/EE-CURIE", follow_redirects=False).status_code == 302
    client.cookies.delete("session")
    assert _login(client, "nouvelle.directrice@brenneville.example",
                  "Long-enough-secret").status_code == 400
    client.cookies.set("session", admin_session)
    reset = client.post(f"/admin/users/{user['id']}/password", data={"password": "short"})
    assert "at least 10" in reset.text
    assert client.post(f"/admin/users/{user['id']}/password",
                       data={"password": "Brand-new-secret"}, follow_redirects=False
                       ).status_code == 303
    assert count("audit_record", "entity = 'user' AND action = 'password'") == 1


def test_audit_log_is_filterable_and_names_the_actor(client):
    client.post("/a/BRN-000002/status", data={"status": "in_repair", "version": query(
        "SELECT version FROM asset WHERE tag = 'BRN-000002'")[0]["version"]})
    page = client.get("/admin/audit?entity=asset&action=status")
    assert "1 record" in page.text and "BRN-000002" in page.text and ADMIN in page.text
    record = query("SELECT actor, user_id FROM audit_record WHERE action = 'status'")[0]
    assert record["actor"] == ADMIN and record["user_id"] is not None
    assert "0 records" in client.get("/admin/audit?actor=nobody@x.example").text
    assert client.get("/admin/audit?from=not-a-date&page=zz").status_code == 200


def test_friendly_translated_error_pages(client_as):
    viewer = client_as("viewer")
    refused = viewer.get("/assets/new")
    assert refused.status_code == 403
    assert "You are not allowed to do this." in refused.text
    viewer.cookies.set("lang", "fr")
    assert "autorisé" in viewer.get("/assets/new").text
    assert "Traceback" not in refused.text


def test_login_page_lists_demo_accounts_in_demo_mode(anonymous):
    assert "Demo accounts" in anonymous.get("/login").text


def test_login_page_hides_accounts_outside_demo_mode(empty_client):
    empty_client.post("/logout")
    page = empty_client.get("/login")
    assert page.status_code == 200 and "Demo accounts" not in page.text


def test_createuser_command(demo_url):
    env = {**os.environ, "INVENTORY_DATABASE_URL": demo_url}
    command = [str(Path(sys.executable).parent / "inventory"), "createuser",
               "chef@brenneville.example", "--role", "director", "--site", "0990002P",
               "--password-stdin"]
    uai = query("SELECT uai FROM site WHERE code = 'GS-JAURES'")[0]["uai"]
    command[6] = uai
    done = subprocess.run(command, input="Long-enough-secret\n", env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    user = query("SELECT id, role FROM app_user WHERE email = 'chef@brenneville.example'")[0]
    assert user["role"] == "director"
    assert query("SELECT site.code FROM user_site JOIN site ON site.id = user_site.site "
                 "WHERE user_site.\"user\" = {}", user["id"])[0]["code"] == "GS-JAURES"
    weak = subprocess.run([*command[:2], "x@brenneville.example", *command[3:]],
                          input="short\n", env=env, capture_output=True, text=True, timeout=60)
    assert weak.returncode == 1 and "password" in weak.stderr
