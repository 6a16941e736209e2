"""The first-day set-up and the installation's settings, on both engines: first sign-in,
environment over database, public address warnings, labels pointing at the configured
address with the configured prefix, starter categories, display names, foreign labels."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from litestar.testing import TestClient

from inventory.accounts.service import DEMO_PASSWORD
from inventory.core.settings import PROJECT_ROOT, Settings
from inventory.setup.rules import STARTER_CATEGORIES
from tests.conftest import ADMIN
from tests.helpers import count, query, sign_in, with_csrf

PUBLIC = "https://inventaire.villebois.example"


def _codes(pdf_bytes: bytes) -> list[str]:
    found = []
    for page in pdfium.PdfDocument(pdf_bytes):
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil())]
    return sorted(found)


def _app_client(url: str, tmp_path: Path, **fixed) -> Iterator[TestClient]:
    """A client on an app whose installation settings come from the database, except
    `fixed` (as environment variables would fix them)."""
    from inventory.app import create_app

    with TestClient(create_app(Settings(database_url=url, data_dir=tmp_path, **fixed)),
                    base_url="https://testserver.local") as client:
        client.headers["accept-language"] = "en"
        with_csrf(client)
        yield client


@pytest.fixture
def fresh(empty_url, tmp_path) -> Iterator[TestClient]:
    """A new installation (one administrator, no demo), nothing fixed by the environment;
    not signed in."""
    yield from _app_client(empty_url, tmp_path)


def _starter_form(**changes) -> dict[str, str]:
    form = {}
    for s in STARTER_CATEGORIES:
        form[f"cat-{s.code}"] = "on"
        form[f"life-{s.code}"] = str(s.lifespan_years)
        form[f"cost-{s.code}"] = f"{s.replacement_cost_cents // 100}"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _setup_form(**changes) -> dict[str, str]:
    form = {"label_owner": "Commune de Villebois", "base_url": PUBLIC, "tag_prefix": "",
            "support_phone": "01 99 00 00 00", "display_name": "Camille Roux",
            **_starter_form()}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _login(client: TestClient, email: str = ADMIN) -> str:
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                           "next": "/assets"}, follow_redirects=False)
    assert response.status_code == 303
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return response.headers["location"]


def test_first_sign_in_goes_to_setup_and_not_after_it_is_done(fresh):
    assert _login(fresh) == "/setup"
    page = fresh.get("/setup")
    assert page.status_code == 200
    assert 'name="label_owner"' in page.text and 'name="display_name"' in page.text
    # The address the page was reached at is proposed; starter categories are offered.
    assert 'value="https://testserver.local"' in page.text
    assert all(f'name="cat-{s.code}"' in page.text for s in STARTER_CATEGORIES)
    # Missing answers: said next to the fields, nothing written.
    bad = fresh.post("/setup", data=_setup_form(label_owner="", base_url="not an address",
                                                **{"life-TNI": "0", "cost-VP": "cher"}))
    assert bad.status_code == 400
    assert 'id="e-label_owner"' in bad.text and 'id="e-base_url"' in bad.text
    assert 'id="e-life-TNI"' in bad.text and 'id="e-cost-VP"' in bad.text
    assert count("category") == 0 and count("app_setting", "key = 'setup_done'") == 0
    done = fresh.post("/setup", data=_setup_form(**{"cat-NAS": None, "life-TNI": "10"}),
                      follow_redirects=False)
    assert done.status_code == 303, done.text
    stored = {r["key"]: r["value"] for r in query("SELECT key, value FROM app_setting")}
    assert stored["organisation_name"] == "Commune de Villebois"
    assert stored["public_url"] == PUBLIC
    assert stored["tag_prefix"] == "VIL"  # proposed from the organisation's name
    assert stored["support_phone"] == "01 99 00 00 00" and stored["setup_done"] == "1"
    assert query("SELECT name FROM app_user WHERE email = {}", ADMIN)[0]["name"] == "Camille Roux"
    # Starter categories: the ticked ones, with the figures typed.
    assert count("category") == len(STARTER_CATEGORIES) - 1
    assert count("category", "code = 'NAS'") == 0
    assert query("SELECT lifespan_years FROM category WHERE code = 'TNI'")[0]["lifespan_years"] == 10
    # Afterwards: sign-ins go where they were going, and /setup is the settings page.
    fresh.cookies.delete("session")
    assert _login(fresh) == "/assets"
    assert fresh.get("/setup", follow_redirects=False).headers["location"] == "/admin/settings"
    # The administrator appears by name.
    assert "Camille Roux" in fresh.get("/admin/audit").text


def test_other_roles_are_not_sent_to_setup(fresh):
    from tests.helpers import execute

    execute("INSERT INTO app_user (email, name, password_hash, role, active, language, "
            "notify_new_faults, version) SELECT 'tech@villebois.example', '', password_hash, "
            "'technician', active, language, notify_new_faults, 1 FROM app_user WHERE email = {}",
            ADMIN)
    assert _login(fresh, "tech@villebois.example") == "/assets"
    assert fresh.get("/setup").status_code == 403


def test_demo_is_not_sent_to_setup(anonymous):
    # On the demo: its subject is the demo's own settings (the demo counts as set up).
    assert _login(anonymous) == "/assets"


def test_a_loopback_address_warns_and_must_be_confirmed(fresh):
    _login(fresh)
    local = "http://127.0.0.1:8000"
    warned = fresh.post("/setup", data=_setup_form(base_url=local))
    assert warned.status_code == 400
    assert "only works on the computer running the service" in warned.text
    assert f'name="confirm_address" value="{local}"' in warned.text
    assert count("app_setting", "key = 'setup_done'") == 0
    private = fresh.post("/setup", data=_setup_form(base_url="http://192.168.1.20"))
    assert private.status_code == 400 and "private network" in private.text
    confirmed = fresh.post("/setup", data=_setup_form(base_url=local, confirm_address=local),
                           follow_redirects=False)
    assert confirmed.status_code == 303
    # Printing labels with it asks for a confirmation, then prints.
    fresh.post("/sites/new", data={"name": "École Jules Ferry", "code": "EE-FERRY",
                                   "kind": "elementaire"})
    made = fresh.post("/assets/new", data={"site": "EE-FERRY", "category": "VP"},
                      follow_redirects=False)
    assert made.headers["location"] == "/a/VIL-000001"
    page = fresh.get("/labels")
    assert "which phones that scan them cannot reach" in page.text
    refused = fresh.get("/labels/assets.pdf", params={"format": "avery-l7160"})
    assert refused.status_code == 400 and "Confirm that you want labels pointing at" in refused.text
    printed = fresh.get("/labels/assets.pdf", params={"format": "avery-l7160",
                                                      "confirm_local": "1"})
    assert printed.status_code == 200
    assert _codes(printed.content) == [f"{local}/a/VIL-000001"]


def test_labels_carry_the_configured_address_and_new_tags_the_prefix(fresh):
    _login(fresh)
    fresh.post("/setup", data=_setup_form(tag_prefix="vlb"))
    fresh.post("/sites/new", data={"name": "École Jules Ferry", "code": "EE-FERRY",
                                   "kind": "elementaire"})
    first = fresh.post("/assets/new", data={"site": "EE-FERRY", "category": "TNI"},
                       follow_redirects=False)
    assert first.headers["location"] == "/a/VLB-000001"
    api = fresh.post("/api/v1/assets", json={"site": "EE-FERRY", "category": "VP"})
    assert api.status_code == 201 and api.json()["tag"] == "VLB-000002"
    pdf = fresh.get("/labels/assets.pdf", params={"format": "avery-l7160"})
    assert pdf.status_code == 200, pdf.text
    assert _codes(pdf.content) == [f"{PUBLIC}/a/VLB-000001", f"{PUBLIC}/a/VLB-000002"]
    text = pdfium.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Commune de Villebois" in text and "01 99 00 00 00" in text  # owner line, phone
    assert "cannot reach" not in fresh.get("/labels").text
    # A new prefix affects new tags only: the printed ones never change.
    changed = fresh.post("/admin/settings", data={"label_owner": "Commune de Villebois",
                                                  "base_url": PUBLIC, "tag_prefix": "VILB"},
                         follow_redirects=False)
    assert changed.status_code == 303
    third = fresh.post("/assets/new", data={"site": "EE-FERRY", "category": "VP"},
                       follow_redirects=False)
    assert third.headers["location"] == "/a/VILB-000001"
    assert count("asset", "tag LIKE {}", "VLB-%") == 2
    assert fresh.post("/admin/settings", data={"label_owner": "X", "base_url": PUBLIC,
                                               "tag_prefix": "V1"}).status_code == 400


def test_the_environment_wins_over_the_database(empty_url, tmp_path):
    from tests.helpers import execute

    for key, value in (("public_url", PUBLIC), ("tag_prefix", "VIL"),
                       ("organisation_name", "Commune de Villebois"), ("setup_done", "1")):
        execute("INSERT INTO app_setting (key, value) VALUES ({}, {})", key, value)
    clients = _app_client(empty_url, tmp_path, tag_prefix="ENV",
                          base_url="https://env.example")
    client = next(clients)
    try:
        sign_in(client, ADMIN)
        page = client.get("/admin/settings")
        assert "Fixed by the environment variable INVENTORY_TAG_PREFIX" in page.text
        assert "Fixed by the environment variable INVENTORY_BASE_URL" in page.text
        assert 'name="tag_prefix"' not in page.text and 'name="label_owner"' in page.text
        client.post("/categories/starter", data=_starter_form())
        client.post("/sites/new", data={"name": "Mairie", "code": "MAIRIE", "kind": "mairie"})
        made = client.post("/assets/new", data={"site": "MAIRIE", "category": "PC-PORT"},
                           follow_redirects=False)
        assert made.headers["location"] == "/a/ENV-000001"
        pdf = client.get("/labels/assets.pdf", params={"format": "avery-l7160"})
        assert _codes(pdf.content) == ["https://env.example/a/ENV-000001"]
        # Saving the page changes what is not fixed, and leaves the fixed ones alone.
        saved = client.post("/admin/settings", data={"label_owner": "Ville de Villebois",
                                                     "tag_prefix": "ZZZ"},
                            follow_redirects=False)
        assert saved.status_code == 303
        stored = {r["key"]: r["value"] for r in query("SELECT key, value FROM app_setting")}
        assert stored["organisation_name"] == "Ville de Villebois"
        assert stored["tag_prefix"] == "VIL"
    finally:
        clients.close()


def test_starter_categories_on_the_empty_categories_page(empty_client):
    page = empty_client.get("/categories")
    assert 'action="/categories/starter"' in page.text and "PC portable" in page.text
    bad = empty_client.post("/categories/starter", data=_starter_form(**{"cost-TNI": "-5"}))
    assert bad.status_code == 400 and 'id="e-cost-TNI"' in bad.text
    assert count("category") == 0
    done = empty_client.post("/categories/starter",
                             data=_starter_form(**{"cat-VISU": None, "cost-ENI": "3 900,50"}),
                             follow_redirects=False)
    assert done.status_code == 303
    assert count("category") == len(STARTER_CATEGORIES) - 1
    eni = query("SELECT replacement_cost_cents, is_interactive_display FROM category "
                "WHERE code = 'ENI'")[0]
    assert eni["replacement_cost_cents"] == 390050 and eni["is_interactive_display"]
    assert count("audit_record", "entity = 'category' AND action = 'create'") == \
        len(STARTER_CATEGORIES) - 1
    # The "Add a device" form now has its categories; the list no longer offers them.
    assert "PC portable" in empty_client.get("/assets/new").text
    assert 'action="/categories/starter"' not in empty_client.get("/categories").text


def test_empty_lists_say_what_to_do_next(empty_client):
    assert 'href="/sites/new"' in empty_client.get("/sites").text
    form = empty_client.get("/assets/new").text
    assert 'id="first-steps"' in form and 'href="/categories"' in form
    assert 'href="/imports"' in empty_client.get("/assets").text
    labels = empty_client.get("/labels").text
    assert "No site yet, so no label to print" in labels


def test_people_appear_by_their_names(empty_client, make):
    school = make.site()
    tag = make.asset()["tag"]
    site_tag = make.asset(site=school)["tag"]
    technician = make.account("technician", name="Nadia Benali")
    tech = empty_client
    make.sign_in(tech, technician)
    tech.post(f"/a/{tag}/interventions", data={"kind": "repair", "notes": "Lampe changée"})
    page = tech.get(f"/a/{tag}").text
    # The email stays only in the menus' "My account" tooltips (the page has two menus
    # since the phone's bottom bar: the wide one and "More"), not in the intervention.
    tooltip = f'title="{technician["email"]}"'
    assert "Nadia Benali" in page
    assert page.count(technician["email"]) == page.count(tooltip) == 2
    director = empty_client
    make.sign_in(director, make.account("director", sites=[school], name="Thomas Lemoine"))
    reported = director.post("/faults/new", data={"asset": site_tag, "symptom": "other",
                                                  "description": "Plus d'image"},
                             follow_redirects=False)
    assert reported.status_code == 303, reported.text
    fault_page = director.get(reported.headers["location"]).text
    assert "Thomas Lemoine" in fault_page
    admin = empty_client
    make.sign_in(admin, "administrator")
    audit = admin.get("/admin/audit").text
    assert "Nadia Benali" in audit
    users = admin.get("/admin/users").text
    assert "Nadia Benali" in users and technician["email"] in users  # both shown
    # A rename shows at once; an account without a name shows its email.
    tech_id = query("SELECT id, version FROM app_user WHERE email = {}", technician["email"])[0]
    admin.post(f"/admin/users/{tech_id['id']}", data={
        "name": "", "role": "technician", "active": "on", "version": str(tech_id["version"])})
    history = admin.get(f"/a/{tag}").text
    assert technician["email"] in history and "Nadia Benali" not in history


def test_a_label_of_another_installation_is_never_opened_as_ours(empty_client, make):
    client = empty_client
    make.assets(2)  # BRN-000001 and BRN-000002
    other = "https://inventaire.autre-commune.example/a/BRN-000001"
    page = client.get("/scan", params={"tag": other}, follow_redirects=False)
    assert page.status_code == 200
    assert "belongs to another installation" in page.text and other in page.text
    ours = client.get("/scan", params={"tag": "http://testserver.local/a/BRN-000001"},
                      follow_redirects=False)
    assert ours.headers["location"] == "/a/BRN-000001"
    assert client.get("/scan", params={"tag": "brn-000002"},
                      follow_redirects=False).headers["location"] == "/a/BRN-000002"
    assert 'data-public="http://127.0.0.1:8000"' in client.get("/scan").text


def test_labels_command_warns_about_a_local_address(empty_url, make, tmp_path):
    assert make.asset()["tag"] == "BRN-000001"
    out = tmp_path / "labels.pdf"
    env = {k: v for k, v in os.environ.items() if k != "INVENTORY_BASE_URL"}
    env["INVENTORY_DATABASE_URL"] = empty_url
    # This checkout's code (the installed `inventory` script may be another checkout's).
    done = subprocess.run([sys.executable, "-m", "inventory.cli", "labels", "--tag",
                           "BRN-000001", "--format", "avery-l7160", "-o", str(out)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert "Warning" in done.stderr and "127.0.0.1:8000" in done.stderr
    assert _codes(out.read_bytes()) == ["http://127.0.0.1:8000/a/BRN-000001"]


def test_migration_keeps_an_existing_installation_as_it_was(empty_url, make, run):
    from tests.helpers import execute

    assert make.asset()["tag"] == "BRN-000001"  # an installation in use: tags given out
    execute("DELETE FROM app_setting WHERE key IN ('tag_prefix', 'setup_done')")
    execute("UPDATE app_user SET last_login_at = CURRENT_TIMESTAMP WHERE email = {}", ADMIN)

    async def apply():
        from inventory.core.piccolo_migrations import m0017_installation_settings as m

        manager = await m.forwards()
        await manager.run()

    run(apply())
    stored = {r["key"]: r["value"] for r in query("SELECT key, value FROM app_setting")}
    assert stored["tag_prefix"] == "BRN" and stored["setup_done"] == "1"


def test_demo_command_stores_the_demo_communes_settings(tmp_path):
    import sqlite3

    path = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    env.update(INVENTORY_DATABASE_URL=f"sqlite:///{path}", INVENTORY_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "inventory.cli", "demo", "--assets", "40"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT key, value FROM app_setting").fetchall())
        tags = [r[0] for r in conn.execute("SELECT tag FROM asset LIMIT 3")]
    assert stored["tag_prefix"] == "BRN" and "Brenneville" in stored["organisation_name"]
    assert stored["demo_mode"] == "1" and "setup_done" not in stored
    assert tags and all(t.startswith("BRN-") for t in tags)
