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
    """Every (path, method, handler); deletions last, so what they remove is still there
    for the other routes."""
    found = list(_all_routes(app))
    return sorted(found, key=lambda r: r[0].endswith("/delete"))


def _all_routes(app):
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


def _values(email: str | None = None):
    """Real identifiers of every kind a route takes, all on the demo director's own school
    (scoping is tested apart), so an allowed route answers for real rather than 404."""
    site = query("SELECT id, code FROM site WHERE code = 'GS-FERRY'")[0]
    now = dt.datetime.now(dt.UTC)
    if not query("SELECT id FROM inventory_campaign"):
        execute("INSERT INTO inventory_campaign (site, started_at, started_by, closed_by, version) "
                "VALUES ({}, {}, 'test', '', 1)", site["id"], now)
    if not query("SELECT id FROM fault WHERE site = {}", site["id"]):
        execute("INSERT INTO fault (site, symptom, description, teaching_blocked, status, "
                "reported_by, assigned_to, reject_reason, created_at, updated_at, version) "
                "VALUES ({}, 'other', 'test', {}, 'new', 'test', '', '', {}, {}, 1)",
                site["id"], False, now, now)
    tag = query("SELECT tag FROM asset WHERE site = {} AND status = 'in_service' "
                "ORDER BY id LIMIT 1", site["id"])[0]["tag"]
    asset_id = query("SELECT id FROM asset WHERE tag = {}", tag)[0]["id"]
    campaign = query("SELECT id FROM inventory_campaign ORDER BY id LIMIT 1")[0]["id"]
    if not query("SELECT id FROM campaign_check"):  # a device found in another room
        execute("INSERT INTO campaign_check (campaign, tag, asset, found_room, result, "
                "checked_at, checked_by) VALUES ({}, {}, {}, {}, 'elsewhere', {}, 'test')",
                campaign, tag, asset_id, query("SELECT id FROM room WHERE site = {} "
                                               "ORDER BY id DESC LIMIT 1", site["id"])[0]["id"],
                now)
    if not query("SELECT id FROM renewal_plan"):
        execute("INSERT INTO renewal_plan (name, first_year, years, status, settings, summary, "
                "created_by, approved_by, version) VALUES ('Plan', 2027, 5, 'draft', {}, {}, "
                "'test', '', 1)", "{}", "{}")
    if not query("SELECT id FROM maintenance_item"):
        if not query("SELECT id FROM maintenance_task"):
            execute("INSERT INTO maintenance_task (name, asset, interval_days, active, version) "
                    "VALUES ('Nettoyer', {}, 90, {}, 1)", asset_id, True)
        execute("INSERT INTO maintenance_item (key, task, asset, due_on, done_by) VALUES "
                "('probe', {}, {}, {}, '')",
                query("SELECT id FROM maintenance_task ORDER BY id LIMIT 1")[0]["id"], asset_id,
                dt.date.today())
    if not query("SELECT id FROM outbox"):
        execute("INSERT INTO outbox (to_address, subject, body, created_at, attempts, "
                "next_attempt, last_error, message_id, state) VALUES "
                "('elu@commune.example', 'Essai', 'Essai', {}, 3, 0, 'down', '<probe>', 'failed')",
                now)
    if not query("SELECT id FROM import_profile"):
        execute("INSERT INTO import_profile (name, body, created_by, updated_at) "
                "VALUES ('Profil', {}, 'test', {})", "{}", now)
    if not query("SELECT id FROM reserved_tag"):
        execute("INSERT INTO reserved_tag (tag, batch, reserved_at, reserved_by) "
                "VALUES ('BRN-990001', 'probe', {}, 'test')", now)
    if not query("SELECT id FROM person"):  # a person holding the director's school's device
        execute("INSERT INTO person (name, mandates, email, version, created_at, updated_at) "
                "VALUES ('Camille Essai', '', '', 1, {}, {})", now, now)
        person = query("SELECT id FROM person ORDER BY id LIMIT 1")[0]["id"]
        organisation = query("SELECT id FROM organisation ORDER BY id LIMIT 1")[0]["id"]
        execute("INSERT INTO person_organisation (person, organisation) VALUES ({}, {})",
                person, organisation)
        loaned = query("SELECT id FROM asset WHERE site = {} AND status = 'in_service' "
                       "ORDER BY id DESC LIMIT 1", site["id"])[0]["id"]
        execute("INSERT INTO loan (asset, person, out_on, out_condition, accessories, "
                "for_term, acknowledge_token_hash, return_condition, missing_accessories, "
                "notes, created_by, version, created_at, updated_at) VALUES ({}, {}, {}, '', "
                "'', {}, '', '', '', '', 'test', 1, {}, {})", loaned, person, dt.date.today(),
                True, now, now)
        execute("INSERT INTO loan_organisation (loan, organisation) VALUES ({}, {})",
                query("SELECT id FROM loan ORDER BY id LIMIT 1")[0]["id"], organisation)
    if not query("SELECT id FROM contract"):
        owner = query("SELECT owner FROM site WHERE id = {}", site["id"])[0]["owner"]
        execute("INSERT INTO contract (reference, title, kind, supplier, maintenance_terms, "
                "amount_cents, share_mode, owner, notes, version, created_at, updated_at) "
                "VALUES ('PROBE-1', '', 'marche', '', '', 0, 'percent', {}, '', 1, {}, {})",
                owner, now, now)
        contract_id = query("SELECT id FROM contract")[0]["id"]
        execute("INSERT INTO contract_document (contract, filename, stored_as, media_type, "
                "size, uploaded_at, uploaded_by) VALUES ({}, 'probe.pdf', 'absent.pdf', "
                "'application/pdf', 0, {}, 'test')", contract_id, now)
        execute("INSERT INTO purchase (contract, reference, notes, version, created_at, "
                "updated_at) VALUES ({}, 'BC-PROBE', '', 1, {}, {})", contract_id, now, now)
    user = query("SELECT id FROM app_user WHERE email = {}", email)[0]["id"] if email else None
    if user is not None:  # a token of the person's own, to revoke
        execute("INSERT INTO api_token (\"user\", name, token_hash, hint, created) "
                "VALUES ({}, 'Essai', {}, 'probe', 0)", user, f"{user:064d}")
    return {
        "fault_id": str(query("SELECT id FROM fault WHERE site = {} ORDER BY id LIMIT 1",
                              site["id"])[0]["id"]),
        "action": "acknowledge",
        "campaign_id": str(campaign),
        "tag": tag,
        "site_code": site["code"],
        "room_id": str(query("SELECT id FROM room WHERE site = {} ORDER BY id LIMIT 1",
                             site["id"])[0]["id"]),
        "model_id": str(query("SELECT id FROM equipment_model ORDER BY id LIMIT 1")[0]["id"]),
        "user_id": str(query("SELECT id FROM app_user ORDER BY id LIMIT 1")[0]["id"]),
        "plan_id": str(query("SELECT id FROM renewal_plan ORDER BY id LIMIT 1")[0]["id"]),
        "item_id": str(query("SELECT id FROM maintenance_item ORDER BY id LIMIT 1")[0]["id"]),
        "message_id": str(query("SELECT id FROM outbox ORDER BY id LIMIT 1")[0]["id"]),
        "profile_id": str(query("SELECT id FROM import_profile ORDER BY id LIMIT 1")[0]["id"]),
        "person_id": str(query("SELECT id FROM person ORDER BY id LIMIT 1")[0]["id"]),
        "loan_id": str(query("SELECT id FROM loan ORDER BY id LIMIT 1")[0]["id"]),
        "contract_id": str(query("SELECT id FROM contract ORDER BY id LIMIT 1")[0]["id"]),
        "document_id": str(query("SELECT id FROM contract_document ORDER BY id LIMIT 1")[0]["id"]),
        "purchase_id": str(query("SELECT id FROM purchase ORDER BY id LIMIT 1")[0]["id"]),
        "token_id": str(query("SELECT id FROM api_token WHERE \"user\" = {} ORDER BY id DESC "
                              "LIMIT 1", user)[0]["id"]) if user else "999999",
    }


# Routes whose identifier cannot be real here: an allowed role gets exactly 404 from them.
ABSENT = {
    "/faults/{fault_id:int}/photo": "the fault has no photo",
    "/imports/{upload_id:str}": "an upload is a file POST /imports writes",
    "/imports/{upload_id:str}/done": "an upload is a file POST /imports writes",
    "/schema/{path:str}": "the one schema document has its own route, /schema/openapi.json",
    "/loans/acknowledge/{token:str}": "an acknowledgment token is only ever emailed",
    "/contracts/{contract_id:int}/documents/{document_id:int}": "the probe's document has no "
                                                                "file (uploads write it)",
}
# What a route needs besides its path to answer for real (the query or the form).
QUERY = {"/faults/new": "asset={tag}", "/labels/rooms.pdf": "site={site_code}"}
FORM = {"/inventory/{campaign_id:int}/move": {"tag": "{tag}"}, "/faults/new": {"asset": "{tag}"}}


def _concrete(path: str, values: dict) -> str:
    def fill(match):
        name = match.group(1)
        if name == "code":
            if "/organisations" in path:
                return "ORG"
            return "TNI" if "/categories" in path else values["site_code"]
        return {"language": "en", "file_path": "app.css", "path": "nothing",
                "batch": "probe", "kind": "assets", "upload_id": "nothing",
                "token": "nothing",
                }.get(name) or values[name]

    url = re.sub(r"\{(\w+):\w+\}", fill, path)
    return url + ("?" + QUERY[path].format(**values) if path in QUERY else "")


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
    values = _values(None if role == "anonymous" else ROLE_EMAILS[role])
    checked = 0
    for path, method, handler in _routes(app):
        permission = route_permission(handler, path)
        url = _concrete(path, values)
        is_api = url.startswith("/api/v1/")  # /api/docs is a page (sign-in redirect)
        client = client_as(role)  # a fresh session: a previous POST may have signed out
        kwargs = {"json": {}} if is_api and method != "GET" else {}
        if method in ("POST",) and not is_api:
            kwargs = {"data": {k: v.format(**values) for k, v in FORM.get(path, {}).items()}}
        response = client.request(method, url, follow_redirects=False, **kwargs)
        refusal = _expected_refusal(role, permission, is_api)
        where = f"{role} {method} {url} ({permission}) -> {response.status_code}"
        assert response.status_code < 500, where
        if refusal is None:
            # Allowed: a real answer (a page, a redirect, a form refused for its empty
            # fields, a conflict), never a refusal nor a "not found" that would hide one.
            if path in ABSENT:
                assert response.status_code == 404, where
            else:
                assert response.status_code in (200, 201, 204, 302, 303, 400, 409, 422), where
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


# Organisations: two organisations sharing the service, an agglomeration technician serving
# both, a director in one, an administrator of each, and the installation's administrator.
# Every route naming a record (a device, a site, a room, a fault, an inventory audit, a
# maintenance item, an organisation, a renewal plan made for it) is asked for a record of
# each organisation.
ORGANISATION_IDS = ("tag", "code", "room_id", "fault_id", "campaign_id", "item_id", "plan_id")


API_BODY = {"/api/v1/assets/{tag:str}/move": {"site": "{site_code}", "version": 1},
            "/api/v1/assets/{tag:str}/status": {"status": "in_repair", "version": 1},
            # To the organisation it has: an allowed account changes nothing.
            "/api/v1/assets/{tag:str}/transfer": {"owner": "{organisation_code}", "version": 1},
            "/api/v1/sites/{code:str}/transfer": {"owner": "{organisation_code}", "version": 1},
            "/api/v1/campaigns/{campaign_id:int}/checks": {"tag": "{tag}"}}


def _organisation_values(make, code: str) -> dict:
    organisation = make.organisation(code=code)
    site = make.site(owner=organisation)
    room = make.room(site=site)
    asset = make.asset(site=site, room=room)
    fault = make.fault(asset=asset)
    now = dt.datetime.now(dt.UTC)
    execute("INSERT INTO inventory_campaign (site, started_at, started_by, closed_by, version) "
            "VALUES ({}, {}, 'test', '', 1)", site["id"], now)
    campaign = query("SELECT id FROM inventory_campaign WHERE site = {}", site["id"])[0]["id"]
    other_room = make.room(site=site)  # the device found in another room
    execute("INSERT INTO campaign_check (campaign, tag, asset, found_room, result, "
            "checked_at, checked_by) VALUES ({}, {}, {}, {}, 'elsewhere', {}, 'test')",
            campaign, asset["tag"], asset["id"], other_room["id"], now)
    execute("INSERT INTO maintenance_task (name, asset, interval_days, active, version) "
            "VALUES ('Nettoyer', {}, 90, {}, 1)", asset["id"], True)
    task = query("SELECT id FROM maintenance_task WHERE asset = {}", asset["id"])[0]["id"]
    execute("INSERT INTO maintenance_item (key, task, asset, due_on, done_by) VALUES "
            "({}, {}, {}, {}, '')", f"probe-{code}", task, asset["id"], dt.date.today())
    return {
        "organisation": organisation, "site": site,
        "tag": asset["tag"], "site_code": site["code"], "organisation_code": code,
        "plan_id": str(make.plan(organisations=[code])["id"]),
        "room_id": str(room["id"]), "fault_id": str(fault["id"]), "action": "acknowledge",
        "campaign_id": str(campaign),
        "item_id": str(query("SELECT id FROM maintenance_item WHERE key = {}",
                             f"probe-{code}")[0]["id"]),
    }


def _organisation_url(path: str, values: dict) -> str:
    def fill(match):
        name = match.group(1)
        if name == "code":
            return values["organisation_code" if "/organisations" in path else "site_code"]
        return values[name]

    url = re.sub(r"\{(\w+):\w+\}", fill, path)
    return url + ("?" + QUERY[path].format(**values) if path in QUERY else "")


def _names_a_record(path: str) -> bool:
    names = re.findall(r"\{(\w+):\w+\}", path)
    return bool(names) and all(n in (*ORGANISATION_IDS, "action") for n in names) \
        and "/categories/" not in path and not path.startswith("/r/")


def test_organisation_matrix(empty_client, make):
    client = empty_client
    a = _organisation_values(make, "VILLE")
    b = _organisation_values(make, "AGGLO")
    accounts = {
        "installation administrator": (make.account("administrator"), {"VILLE", "AGGLO"}, True),
        "administrator of VILLE": (make.account("administrator", member_of=["VILLE"]),
                                   {"VILLE"}, False),
        "administrator of AGGLO": (make.account("administrator", member_of=["AGGLO"]),
                                   {"AGGLO"}, False),
        "technician of both": (make.account("technician", member_of=["VILLE", "AGGLO"]),
                               {"VILLE", "AGGLO"}, False),
        "director in VILLE": (make.account("director", sites=[a["site"]], member_of=["VILLE"]),
                              {"VILLE"}, False),
    }
    routes = [(path, method, handler) for path, method, handler in _routes(client.app)
              if _names_a_record(path)]
    checked = 0
    for who, (account, sees, wide) in accounts.items():
        for path, method, handler in routes:
            permission = route_permission(handler, path)
            if permission == permissions.PUBLIC:
                continue
            for values in (a, b):
                make.sign_in(client, account)
                # The device found elsewhere is moved by the first allowed account: found
                # elsewhere again for the next one.
                execute("UPDATE campaign_check SET result = 'elsewhere' WHERE campaign = {}",
                        int(values["campaign_id"]))
                # The plan a previous account deleted is made again (a new number).
                if not query("SELECT id FROM renewal_plan WHERE id = {}", int(values["plan_id"])):
                    values["plan_id"] = str(make.plan(
                        organisations=[values["organisation_code"]])["id"])
                url = _organisation_url(path, values)
                is_api = url.startswith("/api/v1/")
                # A body the API reads past its checks, so the record is looked up.
                kwargs = {"json": {k: v.format(**values) if isinstance(v, str) else v
                                   for k, v in API_BODY.get(path, {"version": 1}).items()}} \
                    if is_api and method != "GET" else {}
                if method == "POST" and not is_api:
                    kwargs = {"data": {k: v.format(**values)
                                       for k, v in FORM.get(path, {}).items()}}
                response = client.request(method, url, follow_redirects=False, **kwargs)
                where = f"{who} {method} {url} ({permission}) -> {response.status_code}"
                assert response.status_code < 500, where
                if not permissions.allows_account(account["role"], wide, permission):
                    assert response.status_code == 403, where
                elif values["organisation_code"] not in sees or path in ABSENT:
                    assert response.status_code == 404, where
                else:
                    assert response.status_code in (200, 201, 204, 302, 303, 400, 409, 422), \
                        where
                checked += 1
    assert checked > 200
