"""Bad input never gets a 500: odd JSON shapes, NUL bytes (which PostgreSQL refuses in text),
paths with control characters. Each case was a 500 found by an outside audit (issue 15)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import query, with_csrf


@pytest.mark.parametrize("status", [{}, [], None, 3, ""])
def test_asset_status_of_the_wrong_type_is_a_field_error(empty_client, make, status):
    client = empty_client
    tag = make.asset()["tag"]
    response = client.post(f"/api/v1/assets/{tag}/status", json={"status": status},
                           headers={"x-csrftoken": client.cookies.get("csrftoken", "")})
    assert response.status_code == 400, response.text
    assert "status" in response.json()["fields"]
    assert query("SELECT status FROM asset WHERE tag = {}", tag)[0]["status"] == "in_service"


@pytest.mark.parametrize("body", [
    {"name": "P", "budgets": [None, None], "first_year": 0, "years": 0},
    {"name": "P", "budgets": {"2027": None}, "first_year": "x", "years": []},
    {"name": "P", "first_year": 2027, "years": 5, "budgets": [1, "a"]},
])
def test_plan_documents_of_the_wrong_shape_are_refused(empty_client, body):
    client = empty_client
    headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    response = client.post("/api/v1/plans", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert query("SELECT COUNT(*) AS n FROM renewal_plan")[0]["n"] == 0
    plan = client.post("/api/v1/plans", json={"name": "Ok", "first_year": 2027, "years": 3},
                       headers=headers)
    assert plan.status_code == 201, plan.text
    doc = plan.json()
    patched = client.patch(f"/api/v1/plans/{doc['id']}", json={**body, "version": doc["version"]},
                           headers=headers)
    assert patched.status_code == 400, patched.text
    assert query("SELECT name, version FROM renewal_plan WHERE id = {}", doc["id"]) == \
        [{"name": "Ok", "version": doc["version"]}]


def test_static_path_with_a_nul_byte_is_not_found(empty_client, make):
    anonymous = empty_client
    make.sign_out(anonymous)
    response = anonymous.get("/static/x%00")
    assert response.status_code == 404


def test_nul_bytes_in_text_are_refused_or_removed(empty_client, make):
    anonymous = empty_client
    make.sign_out(anonymous)
    with_csrf(anonymous)
    response = anonymous.post("/login", data={"email": "a\x00b@x.example", "password": "x",
                                              "_csrf_token": anonymous.cookies.get("csrftoken")})
    assert response.status_code == 400  # refused (the NUL), or a wrong password: never a 500
    admin = anonymous
    make.sign_in(admin, "administrator")
    assert admin.get("/assets?q=a%00b").status_code == 200
    assert admin.get("/api/v1/assets?q=a%00b&limit=5").status_code == 200


def test_nul_bytes_in_the_public_report_and_the_forms_are_never_a_server_error(empty_client,
                                                                              make):
    """On PostgreSQL a NUL in text reached the database and came back as a 500 with a
    traceback: the public report form, the fault form, a site, an intervention."""
    make.installation()
    make.anonymous_reports(allowed=True)
    school = make.site(code="GS-FERRY")
    make.category(code="VP")
    tag = make.asset(site=school)["tag"]
    anonymous = empty_client
    make.sign_out(anonymous)
    public = anonymous.post(f"/r/{tag}", data={"symptom": "no_power", "name": "Pa\x00rent",
                                               "description": "Rien\x00 ne marche"})
    assert public.status_code == 200 and public.url.path == f"/r/{tag}", public.text
    assert public.history[0].status_code == 303  # sent, the NUL removed
    admin = anonymous
    make.sign_in(admin, "administrator")
    for path, data in (
            ("/faults/new", {"asset": tag, "symptom": "other", "description": "Noir\x00"}),
            ("/sites/new", {"name": "École\x00 Nul", "code": "EE-NUL", "kind": "elementaire"}),
            (f"/a/{tag}/interventions", {"kind": "repair", "minutes_spent": "5",
                                         "notes": "Lampe\x00"}),
            ("/assets/new", {"site": "GS-FERRY", "category": "VP", "notes": "a\x00b"})):
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code == 303, (path, response.text[-500:])  # NUL removed
    # A NUL in a filter is dropped, as from typed text: the same queue on both engines.
    with_nul, plain = admin.get("/faults?site=GS-FER%00RY"), admin.get("/faults?site=GS-FERRY")
    assert with_nul.status_code == 200

    def listed(page: str) -> list[str]:
        return re.findall(r'href="/faults/(\d+)"', page)

    assert listed(with_nul.text) == listed(plain.text) and len(set(listed(plain.text))) == 2
    for table, column in (("fault", "description"), ("fault", "reporter_contact"),
                          ("site", "name"), ("intervention", "notes"), ("asset", "notes")):
        stored = [r[column] for r in query(f"SELECT {column} FROM {table}")]
        assert not [v for v in stored if v and "\x00" in v], (table, column)
    assert query("SELECT description FROM fault ORDER BY id") == [
        {"description": "Rien ne marche"}, {"description": "Noir"}]
    assert "Parent" in query("SELECT reporter_contact FROM fault ORDER BY id")[0][
        "reporter_contact"]
    assert query("SELECT name FROM site WHERE code = 'EE-NUL'") == [{"name": "École Nul"}]
    assert query("SELECT notes FROM intervention") == [{"notes": "Lampe"}]
    assert query("SELECT notes FROM asset WHERE notes != ''") == [{"notes": "ab"}]


def test_a_path_with_a_nul_byte_leaves_no_traceback(empty_client, make, caplog):
    import logging

    anonymous = empty_client
    make.sign_out(anonymous)
    with caplog.at_level(logging.WARNING):
        for path in ("/static/x%00", "/a/x%00", "/faults/1%00"):
            assert anonymous.get(path).status_code == 404, path
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], \
        caplog.records
