"""Every route against every role: the response matches the permission table.

Adding a route without a permission makes test_every_route_has_a_rule fail; the matrix then
checks what each role (and an anonymous visitor) gets from every route.
"""

import datetime as dt
import re

import pytest

from inventory.accounts import permissions
from inventory.accounts.auth import route_permission
from inventory.maintenance.service import create_due_items
from tests.helpers import execute, query

ROLES = ["administrator", "planner", "technician", "director", "viewer", "anonymous"]


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


def _values(make, run, data_dir, role: str | None = None) -> tuple[dict, dict | None]:
    """Real identifiers of every kind a route takes, all on the director's own school
    (scoping is tested apart), so an allowed route answers for real rather than 404. Every
    record is made through its service; the one email is then marked failed, a state only
    the sending job reaches. With the account of `role` (a director's at that school)."""
    from inventory.notifications import outbox

    make.anonymous_reports(allowed=True)  # so the public report form answers for real
    site = make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry")
    board = make.category(code="TNI", is_interactive_display="on")
    model = make.model(board)
    room, other_room = make.room(site, name="Classe 1"), make.room(site, name="Classe 2")
    asset = make.asset(site=site, category=board, room=room, model=model)
    lent = make.asset(site=site, category=board, room=room)
    fault = make.fault(asset, photo=_png(), data_dir=data_dir)
    campaign = make.campaign(site)
    assert make.campaign_check(campaign, asset, other_room) == "elsewhere"
    plan = make.plan()
    make.maintenance_task(asset=asset, name="Nettoyer", interval_days=90,
                          starts_on=(dt.date.today() - dt.timedelta(days=89)).isoformat())
    run(create_due_items(dt.date.today()))
    run(outbox.queue("elu@commune.example", "Essai", "Essai"))
    execute("UPDATE outbox SET state = 'failed', attempts = 3, last_error = 'down'")
    profile = make.import_profile("Profil")
    batch = make.reserved_tags(1)
    organisation = query("SELECT code FROM organisation ORDER BY id LIMIT 1")[0]["code"]
    person = make.person(organisations=[organisation], name="Camille Essai")
    loan = make.loan(lent, person)
    contract = make.contract(reference="PROBE-1")
    document = make.document(contract, data_dir, filename="probe.pdf")
    purchase = make.purchase(contract, reference="BC-PROBE")
    account = None if role in (None, "anonymous") else make.account(
        role, sites=[site] if role == "director" else None)
    token = make.token(account) if account is not None else None  # one of their own, to revoke
    return {
        "fault_id": str(fault["id"]),
        "action": "acknowledge",
        "campaign_id": str(campaign),
        "tag": asset["tag"],
        "site_code": site["code"],
        "room_id": str(room["id"]),
        "model_id": str(model["id"]),
        "user_id": str(query("SELECT id FROM app_user ORDER BY id LIMIT 1")[0]["id"]),
        "plan_id": str(plan["id"]),
        "item_id": str(query("SELECT id FROM maintenance_item")[0]["id"]),
        "message_id": str(query("SELECT id FROM outbox")[0]["id"]),
        "profile_id": str(profile["id"]),
        "person_id": str(person["id"]),
        "loan_id": str(loan["id"]),
        # Other loans' emailed links (one to open, one to accept: accepting spends it),
        # which the routes acknowledging `loan` do not spend.
        **{f"loan_token_{method}": make.loan(make.asset(site=site), make.person(
            name=f"Dominique Essai {method}"))["token"] for method in ("get", "post")},
        "contract_id": str(contract["id"]),
        "document_id": str(document["id"]),
        "purchase_id": str(purchase["id"]),
        "token_id": str(token["id"]) if token else "999999",
        "batch": batch,
    }, account


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _uploads(client) -> dict[str, str]:
    """Two files the signed-in person uploaded on the import page: one waiting for its
    columns, one imported (its outcome page)."""
    content = b"serial;site;category\nIMP-1;GS-FERRY;TNI\n"
    ids = []
    for name in ("waiting.csv", "imported.csv"):
        sent = client.post("/imports", files={"file": (name, content, "text/csv")},
                           follow_redirects=False)
        assert sent.status_code == 303, sent.text
        ids.append(sent.headers["location"].rsplit("/", 1)[1])
    done = client.post(f"/imports/{ids[1]}", data={
        "col_0": "serial", "col_1": "site", "col_2": "category", "action": "import"},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/done"), done.text
    return {"upload_id": ids[0], "done_upload_id": ids[1]}


# Routes whose identifier cannot be real here: an allowed role gets exactly 404 from them.
ABSENT = {
    "/schema/{path:str}": "the one schema document has its own route, /schema/openapi.json",
}
# What a route needs besides its path to answer for real (the query or the form).
QUERY = {"/faults/new": "asset={tag}", "/labels/rooms.pdf": "site={site_code}"}
FORM = {"/inventory/{campaign_id:int}/move": {"tag": "{tag}"}, "/faults/new": {"asset": "{tag}"}}


def _concrete(path: str, values: dict, method: str = "GET") -> str:
    def fill(match):
        name = match.group(1)
        if name == "code":
            if "/organisations" in path:
                return "ORG"
            return "TNI" if "/categories" in path else values["site_code"]
        if name == "upload_id":  # the person's own uploads (if they may import)
            return values.get("done_upload_id" if path.endswith("/done") else "upload_id",
                              "nothing")
        if name == "token":  # an emailed acknowledgment link
            return values[f"loan_token_{method.lower()}"]
        return {"language": "en", "file_path": "app.css", "path": "nothing",
                "kind": "assets"}.get(name) or values[name]

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
def test_matrix(empty_client, make, run, tmp_path, role):
    client = empty_client
    make.installation()
    app = client.app
    values, account = _values(make, run, tmp_path, role)

    def client_as(role):
        if account is None:
            make.sign_out(client)
        else:
            make.sign_in(client, account)
        return client

    if permissions.allows(role if account else None, permissions.IMPORT_RUN):
        values.update(_uploads(client_as(role)))
    checked = 0
    for path, method, handler in _routes(app):
        permission = route_permission(handler, path)
        url = _concrete(path, values, method)
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
def test_pages_show_only_permitted_actions(empty_client, make, run, tmp_path, role):
    make.installation()
    values, account = _values(make, run, tmp_path, role)
    tag = values["tag"]
    client = empty_client
    make.sign_in(client, account)
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


def _organisation_values(make, run, data_dir, code: str) -> dict:
    organisation = make.organisation(code=code)
    site = make.site(owner=organisation)
    room = make.room(site=site)
    asset = make.asset(site=site, room=room)
    fault = make.fault(asset=asset, photo=_png(), data_dir=data_dir)
    campaign = make.campaign(site)
    other_room = make.room(site=site)  # the device found in another room
    assert make.campaign_check(campaign, asset, other_room) == "elsewhere"
    make.maintenance_task(asset=asset, name="Nettoyer", interval_days=90,
                          starts_on=(dt.date.today() - dt.timedelta(days=89)).isoformat())
    run(create_due_items(dt.date.today()))
    return {
        "organisation": organisation, "site": site,
        "tag": asset["tag"], "site_code": site["code"], "organisation_code": code,
        "plan_id": str(make.plan(organisations=[code])["id"]),
        "room_id": str(room["id"]), "fault_id": str(fault["id"]), "action": "acknowledge",
        "campaign_id": str(campaign),
        "item_id": str(query("SELECT id FROM maintenance_item WHERE asset = {}",
                             asset["id"])[0]["id"]),
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


def test_organisation_matrix(empty_client, make, run, tmp_path):
    client = empty_client
    a = _organisation_values(make, run, tmp_path, "VILLE")
    b = _organisation_values(make, run, tmp_path, "AGGLO")
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
