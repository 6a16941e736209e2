"""Bad input never gets a 500: odd JSON shapes, NUL bytes (which PostgreSQL refuses in text),
paths with control characters. Each case was a 500 found by an outside audit (issue 15)."""

from __future__ import annotations

import pytest

from tests.helpers import with_csrf


def _first_tag(client) -> str:
    return client.get("/api/v1/assets?limit=1").json()["items"][0]["tag"]


@pytest.mark.parametrize("status", [{}, [], None, 3, ""])
def test_asset_status_of_the_wrong_type_is_a_field_error(client, status):
    tag = _first_tag(client)
    response = client.post(f"/api/v1/assets/{tag}/status", json={"status": status},
                           headers={"x-csrftoken": client.cookies.get("csrftoken", "")})
    assert response.status_code == 400, response.text
    assert "status" in response.json()["fields"]


@pytest.mark.parametrize("body", [
    {"name": "P", "budgets": [None, None], "first_year": 0, "years": 0},
    {"name": "P", "budgets": {"2027": None}, "first_year": "x", "years": []},
    {"name": "P", "first_year": 2027, "years": 5, "budgets": [1, "a"]},
])
def test_plan_documents_of_the_wrong_shape_are_refused(client, body):
    headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    response = client.post("/api/v1/plans", json=body, headers=headers)
    assert response.status_code == 400, response.text
    plan = client.post("/api/v1/plans", json={"name": "Ok", "first_year": 2027, "years": 3},
                       headers=headers)
    assert plan.status_code in (200, 201), plan.text
    doc = plan.json()
    patched = client.patch(f"/api/v1/plans/{doc['id']}", json={**body, "version": doc["version"]},
                           headers=headers)
    assert patched.status_code == 400, patched.text


def test_static_path_with_a_nul_byte_is_not_found(anonymous):
    response = anonymous.get("/static/x%00")
    assert response.status_code == 404


def test_nul_bytes_in_text_are_refused_or_removed(client_as):
    anonymous = client_as("anonymous")
    with_csrf(anonymous)
    response = anonymous.post("/login", data={"email": "a\x00b@x.example", "password": "x",
                                              "_csrf_token": anonymous.cookies.get("csrftoken")})
    assert response.status_code == 400  # refused (the NUL), or a wrong password: never a 500
    admin = client_as("administrator")
    assert admin.get("/assets?q=a%00b").status_code == 200
    assert admin.get("/api/v1/assets?q=a%00b&limit=5").status_code == 200


def test_nul_bytes_in_the_public_report_and_the_forms_are_never_a_server_error(client_as):
    """On PostgreSQL a NUL in text reached the database and came back as a 500 with a
    traceback: the public report form, the fault form, a site, an intervention."""
    from tests.helpers import query

    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    anonymous = client_as("anonymous")
    public = anonymous.post(f"/r/{tag}", data={"symptom": "no_power", "name": "Pa\x00rent",
                                               "description": "Rien\x00 ne marche"})
    assert public.status_code < 500, public.text
    admin = client_as("administrator")
    for path, data in (
            ("/faults/new", {"asset": tag, "symptom": "other", "description": "Noir\x00"}),
            ("/sites/new", {"name": "École\x00 Nul", "code": "EE-NUL", "kind": "elementaire"}),
            (f"/a/{tag}/interventions", {"kind": "repair", "minutes_spent": "5",
                                         "notes": "Lampe\x00"}),
            ("/assets/new", {"site": "GS-FERRY", "category": "VP", "notes": "a\x00b"})):
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code < 500, (path, response.text[-500:])
    assert admin.get("/faults?site=GS%00").status_code < 500
    for table, column in (("fault", "description"), ("fault", "reporter_contact"),
                          ("site", "name"), ("intervention", "notes"), ("asset", "notes")):
        stored = [r[column] for r in query(f"SELECT {column} FROM {table}")]
        assert not [v for v in stored if v and "\x00" in v], (table, column)


def test_a_path_with_a_nul_byte_leaves_no_traceback(anonymous, caplog):
    import logging

    with caplog.at_level(logging.WARNING):
        for path in ("/static/x%00", "/a/x%00", "/faults/1%00"):
            assert anonymous.get(path).status_code in (400, 404), path
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], \
        caplog.records
