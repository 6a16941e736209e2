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
