"""Personal API tokens: created on the account page or from the shell, shown once, stored
hashed, acting with their owner's role and sites, stopping at once when revoked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.helpers import count, execute, query

INVENTORY = str(Path(sys.executable).parent / "inventory")


def _create(client, name="Script de synchro") -> str:
    page = client.post("/account/tokens", data={"name": name})
    assert page.status_code == 201
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    assert token.startswith("inv_")
    return token


@pytest.fixture
def as_role(empty_client, make):
    """as_role("technician") signs the test's client in with a new account of that role
    and returns (client, account)."""
    def sign(role: str, **overrides):
        return empty_client, make.sign_in(empty_client, role, **overrides)
    return sign


def _bearer(client, token: str) -> None:
    client.cookies.clear()  # a script holds no session and no CSRF cookie
    client.headers["authorization"] = f"Bearer {token}"


def test_token_is_shown_once_stored_hashed_and_acts_as_its_owner(as_role, make):
    school = make.site()
    make.assets(2, site=school)
    make.asset()  # another site's
    tech, account = as_role("technician")
    token = _create(tech)
    again = tech.get("/account")
    assert token not in again.text and token[:8] in again.text  # only its first characters
    stored = query("SELECT token_hash, hint FROM api_token")
    assert len(stored) == 1 and token not in str(stored) and stored[0]["hint"] == token[:8]
    assert count("audit_record", "entity = 'token' AND action = 'create'") == 1

    _bearer(tech, token)
    listed = tech.get(f"/api/v1/assets?site={school['code']}")
    assert listed.status_code == 200 and listed.json()["total"] == 2
    tag = listed.json()["items"][0]["tag"]
    version = tech.get(f"/api/v1/assets/{tag}").json()["version"]
    # A write with the token alone: no cookie, no CSRF header.
    changed = tech.patch(f"/api/v1/assets/{tag}", json={"notes": "Vu par le script",
                                                         "version": version})
    assert changed.status_code == 200, changed.text
    assert changed.json()["notes"] == "Vu par le script"
    actor = query("SELECT actor FROM audit_record WHERE entity_key = {} ORDER BY id DESC LIMIT 1",
                  tag)[0]["actor"]
    assert actor == account["email"]


def test_revoked_token_stops_at_once(as_role):
    tech, _account = as_role("technician")
    token = _create(tech)
    token_id = query("SELECT id FROM api_token")[0]["id"]
    revoked = tech.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    _bearer(tech, token)
    answer = tech.get("/api/v1/assets")
    assert answer.status_code == 401 and answer.json()["error"] == "not_authenticated"


def test_unknown_token_and_disabled_account_are_refused(as_role):
    tech, account = as_role("technician")
    token = _create(tech)
    _bearer(tech, "inv_" + "x" * 43)
    assert tech.get("/api/v1/sites").status_code == 401
    _bearer(tech, token)
    assert tech.get("/api/v1/sites").status_code == 200
    execute("UPDATE app_user SET active = FALSE WHERE email = {}", account["email"])
    assert tech.get("/api/v1/sites").status_code == 401


def test_token_keeps_its_owners_role_and_sites(as_role, make):
    school, town_hall = make.site(), make.site(kind="mairie")
    director, _account = as_role("director", sites=[school])
    token = _create(director)
    _bearer(director, token)
    own = director.get("/api/v1/sites")
    assert own.status_code == 200
    assert [s["code"] for s in own.json()["items"]] == [school["code"]]
    assert director.get(f"/api/v1/sites/{town_hall['code']}").status_code == 404
    assert director.post("/api/v1/sites", json={"code": "X", "name": "X",
                                                 "kind": "other"}).status_code == 403


def test_token_create_command_prints_the_token_alone(empty_url, make):
    env = {**os.environ, "INVENTORY_DATABASE_URL": empty_url}
    viewer = make.account("viewer")["email"]
    done = subprocess.run([INVENTORY, "token", "create", viewer, "--name",
                           "Tableau de bord des élus"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"inv_[A-Za-z0-9_-]{43}\n", done.stdout)
    assert query("SELECT name FROM api_token")[0]["name"] == "Tableau de bord des élus"
    unknown = subprocess.run([INVENTORY, "token", "create", "personne@ailleurs.example"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "No active account" in unknown.stderr
    assert unknown.stdout == ""


def test_token_name_is_required(as_role):
    tech, _account = as_role("technician")
    page = tech.post("/account/tokens", data={"name": "  "})
    assert page.status_code == 400
    assert 'id="e-token-name"' in page.text and "This field is required." in page.text
    assert count("api_token") == 0


def test_tokens_end_when_the_password_or_the_role_changes(as_role):
    tech, owner = as_role("technician")
    first = _create(tech, "Synchro 1")
    page = tech.post("/account/tokens", data={"name": "Synchro 2"})
    assert page.headers["cache-control"] == "no-store"  # the page that shows a token
    second = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    changed = tech.post("/account/password", data={
        "current": PASSWORD, "new": "Another-long-secret",
        "confirm": "Another-long-secret"}, follow_redirects=False)
    assert changed.status_code == 303
    account = tech.get("/account")
    assert "Synchro 1" in account.text and "ended" in account.text  # says why scripts stop
    assert count("api_token", "revoked IS NULL") == 0
    third = _create(tech, "Synchro 3")
    admin, _admin = as_role("administrator")
    user = query("SELECT id, version FROM app_user WHERE email = {}", owner["email"])[0]
    promoted = admin.post(f"/admin/users/{user['id']}", data={
        "name": "Tech", "role": "planner", "active": "on", "version": user["version"]},
        follow_redirects=False)
    assert promoted.status_code == 303, promoted.text
    for token in (first, second, third):
        _bearer(admin, token)
        assert admin.get("/api/v1/assets?limit=1").status_code == 401
    assert count("audit_record", "entity = 'token' AND action = 'revoke'") == 3


def test_a_patch_without_version_is_refused(as_role, make):
    make.asset(notes="Avant")
    tech, _account = as_role("technician")
    _bearer(tech, _create(tech))
    tag = tech.get("/api/v1/assets?limit=1").json()["items"][0]["tag"]
    before = tech.get(f"/api/v1/assets/{tag}").json()
    answer = tech.patch(f"/api/v1/assets/{tag}", json={"notes": "sans version"})
    assert answer.status_code == 400 and "version" in answer.json()["fields"]
    assert tech.get(f"/api/v1/assets/{tag}").json()["notes"] == before["notes"]


def test_tokens_end_when_an_administrator_resets_the_password(as_role, make):
    """The other path of a password change (issue 15, defect 6): the administrator's reset."""
    make.installation()
    make.asset()
    tech, user = as_role("technician")
    token = _create(tech, "Synchro atelier")
    admin, _admin = as_role("administrator")
    _bearer(admin, token)
    assert admin.get("/api/v1/assets?limit=1").status_code == 200  # it worked until then
    admin.headers.pop("authorization")
    make.sign_in(admin, _admin)
    reset = admin.post(f"/admin/users/{user['id']}/password",
                       data={"password": "Nouveau-secret-long-42"}, follow_redirects=False)
    assert reset.status_code == 303, reset.text
    assert count("api_token", "revoked IS NULL") == 0
    _bearer(admin, token)
    assert admin.get("/api/v1/assets?limit=1").status_code == 401
