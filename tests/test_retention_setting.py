"""How long people's data is kept, on the installation's settings page: checked (1 to 120
months), translated, read by the retention job through setup.service.effective; the
environment (INVENTORY_PEOPLE_RETENTION_MONTHS) wins. Both engines."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from inventory.core.settings import Settings
from inventory.setup import service as setup
from tests.conftest import ADMIN
from tests.helpers import execute, field_error, query, sign_in, with_csrf

FORM = {"label_owner": "Commune de Villebois", "base_url": "https://inventaire.villebois.example",
        "tag_prefix": "VIL", "support_phone": ""}


def _client(url: str, tmp_path: Path, language: str = "en", **fixed) -> Iterator[TestClient]:
    from inventory.app import create_app

    if not query("SELECT key FROM app_setting WHERE key = 'setup_done'"):  # past /setup
        execute("INSERT INTO app_setting (key, value) VALUES ('setup_done', '1')")
    with TestClient(create_app(Settings(database_url=url, data_dir=tmp_path, **fixed)),
                    base_url="https://testserver.local") as client:
        client.headers["accept-language"] = language
        with_csrf(client)
        sign_in(client, ADMIN)
        yield client


def _stored() -> dict[str, str]:
    return {r["key"]: r["value"] for r in query("SELECT key, value FROM app_setting")}


def _months(run, **fixed) -> int | None:
    return run(setup.effective(Settings(database_url="", **fixed))).people_retention_months


def test_retention_is_set_on_the_settings_page(empty_url, tmp_path, run):
    clients = _client(empty_url, tmp_path)
    client = next(clients)
    try:
        assert _months(run) == 24  # never saved: the default
        page = client.get("/admin/settings").text
        assert 'name="people_retention_months"' in page and 'value="24"' in page
        for wrong, message in (("0", "Enter a number of at least 1."),
                               ("121", "Enter a number of at most 120."),
                               ("deux ans", "Enter a whole number.")):
            refused = client.post("/admin/settings",
                                  data={**FORM, "people_retention_months": wrong})
            assert refused.status_code == 400
            assert field_error(refused.text, "people_retention_months") == message
        assert "people_retention_months" not in _stored()
        saved = client.post("/admin/settings", data={**FORM, "people_retention_months": "6"},
                            follow_redirects=False)
        assert saved.status_code == 303, saved.text
        assert _stored()["people_retention_months"] == "6"
        assert _months(run) == 6
        assert 'value="6"' in client.get("/admin/settings").text
        audit = query("SELECT changes FROM audit_record WHERE entity = 'settings'")
        assert any("people_retention_months" in str(r["changes"]) for r in audit)
    finally:
        clients.close()


def test_the_page_speaks_french(empty_url, tmp_path):
    clients = _client(empty_url, tmp_path, language="fr")
    client = next(clients)
    try:
        refused = client.post("/admin/settings", data={**FORM, "people_retention_months": "0"})
        assert refused.status_code == 400
        assert field_error(refused.text, "people_retention_months") == \
            "Saisissez un nombre supérieur ou égal à 1."
        assert "Personnes oubliées après (mois)" in refused.text
    finally:
        clients.close()


def test_the_environment_wins(empty_url, tmp_path, run):
    clients = _client(empty_url, tmp_path, people_retention_months=12)
    client = next(clients)
    try:
        page = client.get("/admin/settings").text
        assert "Fixed by the environment variable INVENTORY_PEOPLE_RETENTION_MONTHS" in page
        assert 'name="people_retention_months"' not in page
        saved = client.post("/admin/settings", data={**FORM, "people_retention_months": "3"},
                            follow_redirects=False)
        assert saved.status_code == 303
        assert "people_retention_months" not in _stored()
        assert _months(run, people_retention_months=12) == 12
    finally:
        clients.close()


@pytest.mark.parametrize("env, months", [({}, None), ({"INVENTORY_PEOPLE_RETENTION_MONTHS": "36"},
                                                      36)])
def test_the_environment_variable(env, months):
    settings = Settings.from_env(env)
    assert settings.people_retention_months == months
    assert ("people_retention_months" in settings.fixed) == (months is not None)
