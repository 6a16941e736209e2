"""Every route against every role: the response matches the permission table.

Adding a route without a permission makes test_every_route_has_a_rule fail; the matrix then
checks what each role (and an anonymous visitor) gets from every route.
"""

import datetime as dt
import re

import pytest

from inventory.accounts import permissions
from inventory.accounts.auth import route_permission
from tests.conftest import ROLE_EMAILS
from tests.helpers import execute, query

ROLES = [*ROLE_EMAILS, "anonymous"]


def _routes(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods):
                if method in ("OPTIONS", "HEAD"):
                    continue
                yield route.path, method, handler


def test_every_route_has_a_rule():
    from inventory.app import create_app
    from inventory.core.settings import Settings

    app = create_app(Settings(database_url="sqlite:////tmp/permissions-probe.db"))
    missing = [f"{m} {path}" for path, m, h in _routes(app) if route_permission(h, path) is None]
    assert missing == []
    declared = {route_permission(h, path) for path, _m, h in _routes(app)}
    assert declared <= set(permissions.PERMISSIONS)


def _values():
    """Real identifiers, all on the demo director's own school (scoping is tested apart)."""
    site = query("SELECT id, code FROM site WHERE code = 'GS-FERRY'")[0]
    if not query("SELECT id FROM inventory_campaign"):
        execute("INSERT INTO inventory_campaign (site, started_at, started_by, closed_by, version) "
                "VALUES ({}, {}, 'test', '', 1)", site["id"], dt.datetime.now(dt.UTC))
    if not query("SELECT id FROM fault WHERE site = {}", site["id"]):
        now = dt.datetime.now(dt.UTC)
        execute("INSERT INTO fault (site, symptom, description, teaching_blocked, status, "
                "reported_by, assigned_to, reject_reason, created_at, updated_at, version) "
                "VALUES ({}, 'other', 'test', {}, 'new', 'test', '', '', {}, {}, 1)",
                site["id"], False, now, now)
    return {
        "fault_id": str(query("SELECT id FROM fault WHERE site = {} ORDER BY id LIMIT 1",
                              site["id"])[0]["id"]),
        "action": "acknowledge",
        "campaign_id": str(query("SELECT id FROM inventory_campaign ORDER BY id LIMIT 1"
                                 )[0]["id"]),
        "tag": query("SELECT tag FROM asset WHERE site = {} AND status = 'in_service' "
                     "ORDER BY id LIMIT 1",
                     site["id"])[0]["tag"],
        "site_code": site["code"],
        "room_id": str(query("SELECT id FROM room WHERE site = {} ORDER BY id LIMIT 1",
                             site["id"])[0]["id"]),
        "model_id": str(query("SELECT id FROM equipment_model ORDER BY id LIMIT 1")[0]["id"]),
        "user_id": str(query("SELECT id FROM app_user ORDER BY id LIMIT 1")[0]["id"]),
    }


def _concrete(path: str, values: dict) -> str:
    def fill(match):
        name = match.group(1)
        if name == "code":
            return "TNI" if path.startswith("/categories") else values["site_code"]
        return {"tag": values["tag"], "room_id": values["room_id"], "model_id": values["model_id"],
                "campaign_id": values["campaign_id"], "fault_id": values["fault_id"],
                "action": values["action"],
                "user_id": values["user_id"], "language": "en", "file_path": "app.css",
                "path": "nothing", "batch": "nobatch"}.get(name, "999999")  # others: absent ids

    return re.sub(r"\{(\w+):\w+\}", fill, path)


def _expected_refusal(role: str, permission: str, is_api: bool) -> int | None:
    """The status a role must get when it may not use the route (None: allowed)."""
    user_role = None if role == "anonymous" else role
    if permissions.allows(user_role, permission):
        return None
    if user_role is None:
        return 401 if is_api else 302
    return 403


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client_as, role):
    client = client_as(role)
    app = client.app
    values = _values()
    checked = 0
    for path, method, handler in _routes(app):
        permission = route_permission(handler, path)
        url = _concrete(path, values)
        is_api = url.startswith("/api/v1/")  # /api/docs is a page (sign-in redirect)
        client = client_as(role)  # a fresh session: a previous POST may have signed out
        kwargs = {"json": {}} if is_api and method != "GET" else {}
        if method in ("POST",) and not is_api:
            kwargs = {"data": {}}
        response = client.request(method, url, follow_redirects=False, **kwargs)
        refusal = _expected_refusal(role, permission, is_api)
        where = f"{role} {method} {url} ({permission}) -> {response.status_code}"
        assert response.status_code < 500, where
        if refusal is None:
            assert response.status_code not in (401, 403), where
            assert not response.headers.get("location", "").startswith("/login?"), where
        else:
            assert response.status_code == refusal, where
            if refusal == 302:
                assert response.headers["location"].startswith("/login?next="), where
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("role", ["planner", "technician", "director", "viewer"])
def test_pages_show_only_permitted_actions(client_as, role):
    client = client_as(role)
    tag = _values()["tag"]
    page = client.get(f"/a/{tag}").text
    assert (f'href="/a/{tag}/edit"' in page) == permissions.allows(role, permissions.ASSET_WRITE)
    sites = client.get("/sites").text
    assert ('href="/sites/new"' in sites) == permissions.allows(role, permissions.SITE_WRITE)
    nav = client.get("/").text
    assert ('href="/admin/users"' in nav) == permissions.allows(role, permissions.USER_ADMIN)
    assert ('href="/admin/audit"' in nav) == permissions.allows(role, permissions.AUDIT_READ)
