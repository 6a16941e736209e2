def test_healthz_reports_migrated_database(empty_client, engine_kind):
    response = empty_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "reachable"
    assert body["migrated"] is True
    assert body["engine"] == engine_kind


def test_dashboard_renders(client):
    # On the demo: the smoke check that the demo commune's dashboard renders whole.
    response = client.get("/")
    assert response.status_code == 200
    assert "Classroom coverage" in response.text
    assert "Equipment per site" in response.text and "Groupe scolaire Jules-Ferry" in response.text
