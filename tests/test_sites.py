"""Sites and rooms through the pages (plain POST/redirect, as without JavaScript)."""

import pytest

from tests.factories import uai
from tests.helpers import count, field_error, input_value, query

NEW_SITE = {
    "name": "École élémentaire Exemple", "code": "ee-exemple", "kind": "elementaire",
    "uai": "0750654D", "address": "1 rue de l'Exemple", "postal_code": "99100",
    "city": "Vallombreuse", "director_name": "Alex Fictif",
    "director_email": "direction@exemple.example", "director_phone": "01 99 00 12 34",
}


@pytest.fixture
def admin(empty_client):
    return empty_client


def test_sites_list_counts_and_links(admin, make):
    school = make.site()
    make.site(), make.site()
    response = admin.get("/sites")
    assert response.status_code == 200
    assert "3 sites" in response.text
    assert f'href="/sites/{school["code"]}"' in response.text


def test_site_page_shows_rooms_and_contacts(admin, make):
    school = make.site(name="Groupe scolaire Jules-Ferry",
                       director_email="direction.ferry@commune.example")
    for name in ("Classe 1", "Classe 2", "BCD"):
        make.room(school, name=name)
    make.room()  # another site's
    response = admin.get(f"/sites/{school['code']}")
    assert response.status_code == 200
    assert "Groupe scolaire Jules-Ferry" in response.text
    assert "Classe 1" in response.text
    assert "direction.ferry@commune.example" in response.text
    assert "3 rooms" in response.text


def test_create_site_redirects_and_audits(admin):
    response = admin.post("/sites/new", data=NEW_SITE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sites/EE-EXEMPLE"
    page = admin.get("/sites/EE-EXEMPLE")
    assert "0750654D" in page.text
    audit = query("SELECT actor, action FROM audit_record WHERE entity = 'site' "
                  "AND entity_key = 'EE-EXEMPLE'")
    assert [a["action"] for a in audit] == ["create"]


def test_wrong_uai_is_refused_at_the_field_and_input_kept(admin):
    before = count("site")
    response = admin.post("/sites/new", data={**NEW_SITE, "uai": "0750654E"})
    assert response.status_code == 400
    assert "should be D, not E" in field_error(response.text, "uai")
    assert input_value(response.text, "name") == "École élémentaire Exemple"
    assert input_value(response.text, "uai") == "0750654E"
    assert count("site") == before


def test_required_fields_and_email_are_checked_together(admin):
    response = admin.post("/sites/new", data={**NEW_SITE, "name": "", "code": "",
                                               "director_email": "not-an-email"})
    assert response.status_code == 400
    assert field_error(response.text, "name") == "This field is required."
    assert field_error(response.text, "code") == "This field is required."
    assert "email address" in field_error(response.text, "director_email")


def test_duplicate_code_and_uai_are_refused(admin, make):
    existing = make.site(uai=uai(350_002))
    response = admin.post("/sites/new", data={**NEW_SITE, "code": existing["code"],
                                               "uai": existing["uai"]})
    assert response.status_code == 400
    assert "already uses this code" in field_error(response.text, "code")
    assert "already has this UAI" in field_error(response.text, "uai")


def test_edit_site_and_stale_edit_is_detected(admin, make):
    code = make.site(director_name="Première Personne")["code"]
    client = admin
    form = client.get(f"/sites/{code}/edit")
    assert form.status_code == 200
    site = query("SELECT * FROM site WHERE code = {}", code)[0]
    data = {k: site[k] or "" for k in NEW_SITE}
    data["version"] = str(site["version"])
    first = client.post(f"/sites/{code}/edit", data={**data, "director_name": "Nouvelle Personne"},
                        follow_redirects=False)
    assert first.status_code == 303
    # A second person saves the form they opened before the first change.
    stale = client.post(f"/sites/{code}/edit", data={**data, "director_name": "Autre Personne"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert "Nouvelle Personne" in stale.text  # the current value is shown
    stored = query("SELECT director_name, version FROM site WHERE code = {}", code)[0]
    assert stored["director_name"] == "Nouvelle Personne"
    assert stored["version"] == site["version"] + 1


def test_rooms_create_edit_and_duplicate_name(admin, make):
    code = make.site()["code"]
    client = admin
    response = client.post(f"/sites/{code}/rooms/new",
                           data={"name": "Salle informatique", "kind": "classroom"},
                           follow_redirects=False)
    assert response.status_code == 303
    room_url = response.headers["location"]
    assert "Salle informatique" in client.get(room_url).text
    duplicate = client.post(f"/sites/{code}/rooms/new", data={"name": "Salle informatique",
                                                               "kind": "office"})
    assert duplicate.status_code == 400
    assert "already has a room" in field_error(duplicate.text, "name")
    room_id = int(room_url.rsplit("/", 1)[1])
    version = query("SELECT version FROM room WHERE id = {}", room_id)[0]["version"]
    edited = client.post(f"{room_url}/edit", data={"name": "Salle info", "kind": "classroom",
                                                    "version": version}, follow_redirects=False)
    assert edited.status_code == 303
    assert query("SELECT name FROM room WHERE id = {}", room_id)[0]["name"] == "Salle info"


def test_room_page_lists_its_equipment(admin, make):
    room = make.room()
    tags = [a["tag"] for a in make.assets(3, room=room)]
    other = make.asset()["tag"]
    response = admin.get(f"/rooms/{room['id']}")
    assert response.status_code == 200
    assert "3 assets" in response.text
    assert all(tag in response.text for tag in tags) and other not in response.text


def test_unknown_site_and_room_are_friendly_404s(admin):
    for path in ("/sites/NOPE", "/rooms/999999", "/sites/NOPE/edit"):
        response = admin.get(path)
        assert response.status_code == 404
        assert "This page does not exist." in response.text
        assert "Traceback" not in response.text


def test_empty_database_explains_what_to_do(empty_client):
    assert "No site yet" in empty_client.get("/sites").text
    assert "No site yet" in empty_client.get("/").text
    assert "No category yet" in empty_client.get("/categories").text


def test_site_choices_follow_every_change_to_the_sites(admin, make):
    """The filters' site list is kept between pages: a new site and a renamed one show on
    the next list page, the others unchanged."""
    import re

    def offered() -> dict[str, str]:
        page = admin.get("/assets").text
        select = re.search(r'<select id="f-site" name="site">(.*?)</select>', page, re.S)
        return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>',
                               select.group(1)))

    first = make.site(name="Groupe scolaire Jules-Ferry")
    before = offered()
    assert before == {first["code"]: "Groupe scolaire Jules-Ferry"}
    created = admin.post("/sites/new", data=NEW_SITE, follow_redirects=False)
    assert created.status_code == 303
    code = NEW_SITE["code"].upper()
    assert offered() == {**before, code: NEW_SITE["name"]}
    site = query("SELECT * FROM site WHERE code = {}", code)[0]
    data = {**{k: site[k] or "" for k in NEW_SITE}, "version": str(site["version"])}
    renamed = admin.post(f"/sites/{code}/edit", data={**data, "name": "Zèbre renommé"},
                         follow_redirects=False)
    assert renamed.status_code == 303
    assert offered() == {**before, code: "Zèbre renommé"}
