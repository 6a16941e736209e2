def test_healthz_reports_migrated_database(client, engine_kind):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "reachable"
    assert body["migrated"] is True
    assert body["engine"] == engine_kind


def test_dashboard_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Classroom coverage" in response.text
