"""A director sees their own school only: everything else answers 404, and lists and counts
leave it out. The director is attached to GS-FERRY; GS-JAURES and EE-CURIE are other
schools."""

import pytest

from tests.helpers import count, query

OWN, OTHER = "GS-FERRY", "GS-JAURES"


@pytest.fixture
def people(empty_client, make) -> dict:
    """Three schools alike (two computers in a classroom, a board in another), a retired
    computer at the director's, and the director of GS-FERRY."""
    make.installation()
    own = make.site(code=OWN, name="Groupe scolaire Jules-Ferry")
    other = make.site(code=OTHER, name="Groupe scolaire Jean-Jaurès")
    curie = make.site(code="EE-CURIE", name="École élémentaire Marie-Curie")
    pc = make.category(code="PC-FIXE", name="Ordinateur fixe")
    board = make.category(code="TNI", name="Tableau interactif")
    for site in (own, other, curie):
        make.assets(2, site=site, category=pc, room=make.room(site, name="Classe 1"))
        make.asset(site=site, category=board, room=make.room(site, name="Classe 2"))
    make.asset(site=own, category=pc, status="retired")
    return {"director": make.account("director", sites=[own])}


@pytest.fixture
def director(empty_client, make, people):
    make.sign_in(empty_client, people["director"])
    return empty_client


def _as(client, make, who):
    make.sign_in(client, who)
    return client


def _site_id(code):
    return query("SELECT id FROM site WHERE code = {}", code)[0]["id"]


def _tag(code):
    return query("SELECT tag FROM asset WHERE site = {} ORDER BY id LIMIT 1", _site_id(code))[0]["tag"]


def _room(code):
    return query("SELECT id FROM room WHERE site = {} ORDER BY id LIMIT 1", _site_id(code))[0]["id"]


def test_objects_of_other_sites_do_not_exist(director):
    for path in (f"/a/{_tag(OTHER)}", f"/sites/{OTHER}", f"/rooms/{_room(OTHER)}",
                 f"/api/v1/assets/{_tag(OTHER)}", f"/api/v1/assets/{_tag(OTHER)}/history",
                 f"/api/v1/sites/{OTHER}"):
        assert director.get(path).status_code == 404, path
    for path in (f"/a/{_tag(OWN)}", f"/sites/{OWN}", f"/rooms/{_room(OWN)}",
                 f"/api/v1/assets/{_tag(OWN)}"):
        assert director.get(path).status_code == 200, path


def test_lists_and_counts_hold_only_the_own_site(director):
    own = count("asset", "site = {}", _site_id(OWN))
    assert own == 4
    assert f"{own} assets" in director.get("/assets").text
    assert "No asset matches" in director.get(f"/assets?site={OTHER}").text
    assert director.get("/api/v1/assets").json()["total"] == own
    # Another school's code is refused as an unknown one (its existence is not told).
    refused = director.get(f"/api/v1/assets?site={OTHER}")
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["site"]
    assert director.get("/api/v1/assets?site=NO-SUCH-SITE").json() == refused.json()
    sites = director.get("/sites").text
    assert "1 site" in sites and OTHER not in sites
    assert [s["code"] for s in director.get("/api/v1/sites").json()["items"]] == [OWN]
    assert "Classe" not in director.get(f"/assets/room-options?site={OTHER}").text


def test_dashboard_and_category_counts_leave_other_sites_out(director):
    html = director.get("/").text
    assert f"/sites/{OWN}" in html and f"/sites/{OTHER}" not in html
    active = count("asset", "site = {} AND status != 'retired'", _site_id(OWN))
    assert active == 3
    categories = director.get("/api/v1/categories").json()["items"]
    assert categories  # reference data stays readable
    page = director.get("/categories").text
    numbers = [int(n) for n in __import__("re").findall(r'<a href="/assets\?category=[^"]+">(\d+)</a>',
                                                         page)]
    assert sum(numbers) == active


def test_history_of_other_sites_is_out_of_reach(director, make):
    tag = _tag(OTHER)
    assert director.get(f"/api/v1/assets/{tag}/history").status_code == 404
    admin = _as(director, make, "administrator")
    assert admin.get(f"/api/v1/assets/{tag}/history").status_code == 200


def test_a_device_moved_into_a_directors_school_keeps_its_past_elsewhere_private(
        empty_client, make, people):
    """Moved from another school into the director's: the page and the API history say
    "previously elsewhere", never the other school, its rooms, its interventions or faults."""
    from tests.helpers import asset_doc, query

    tag = query("SELECT asset.tag FROM asset JOIN site ON site.id = asset.site "
                "WHERE site.code = 'EE-CURIE' AND asset.status = 'in_service' "
                "ORDER BY asset.id LIMIT 1")[0]["tag"]
    old_room = query("SELECT room.id FROM asset JOIN room ON room.id = asset.room "
                     "WHERE asset.tag = {}", tag)[0]["id"]
    admin = empty_client
    logged = admin.post(f"/a/{tag}/interventions", data={
        "kind": "repair", "minutes_spent": "20", "notes": "Réparé à Curie, lampe changée"},
        follow_redirects=False)
    assert logged.status_code == 303, logged.text
    fault = admin.post("/faults/new", data={"asset": tag, "symptom": "other",
                                            "description": "Signalé à Curie"},
                       follow_redirects=False)
    assert fault.status_code == 303
    room = query("SELECT room.id FROM room JOIN site ON site.id = room.site "
                 "WHERE site.code = 'GS-FERRY' ORDER BY room.id LIMIT 1")[0]["id"]
    moved = admin.post(f"/a/{tag}/move", data={"site": "GS-FERRY", "room": str(room),
                                               "version": asset_doc(admin, tag)["version"]},
                       follow_redirects=False)
    assert moved.status_code == 303
    assert "Curie" in admin.get(f"/a/{tag}").text  # the administrator sees everything
    make.intervention(tag, kind="installation", notes="Installé à Ferry")

    director = _as(admin, make, people["director"])
    page = director.get(f"/a/{tag}")
    assert page.status_code == 200
    for secret in ("Curie", "lampe changée", "Signalé à Curie", f"/rooms/{old_room}\""):
        assert secret not in page.text, secret
    assert "Previously at a site you do not see" in page.text
    history = director.get(f"/api/v1/assets/{tag}/history").json()["items"]  # issue 13: paged
    assert "CURIE" not in str(history).upper() and history[-1]["action"] == "elsewhere"
    listed = director.get(f"/api/v1/assets/{tag}/interventions").json()["items"]
    assert [i["notes"] for i in listed] == ["Installé à Ferry"]  # not the one at Curie


def test_a_fault_stays_readable_after_its_device_left_but_says_nothing_of_its_new_school(
        empty_client, make, people):
    """The director reported a fault in their school, then the device moved to another
    school: the report stays theirs to read (it happened in their school), but the page and
    the API show nothing of the new school: no link to the device, no later transitions or
    notes, no current status, and no action that would change the device over there."""
    from tests.helpers import asset_doc

    tag = query("SELECT tag FROM asset WHERE site = {} AND status = 'in_service' "
                "ORDER BY id LIMIT 1", _site_id(OWN))[0]["tag"]
    director = _as(empty_client, make, people["director"])
    made = director.post("/faults/new", data={"asset": tag, "symptom": "other",
                                               "description": "Écran noir en classe"},
                         follow_redirects=False)
    assert made.status_code == 303, made.text
    fault_id = int(made.headers["location"].split("/")[2].split("?")[0])
    admin = _as(director, make, "administrator")
    assert admin.post(f"/faults/{fault_id}/acknowledge", data={}).status_code == 200
    room = query("SELECT room.id FROM room JOIN site ON site.id = room.site "
                 "WHERE site.code = 'EE-CURIE' ORDER BY room.id LIMIT 1")[0]["id"]
    moved = admin.post(f"/a/{tag}/move", data={"site": "EE-CURIE", "room": str(room),
                                               "version": asset_doc(admin, tag)["version"]},
                       follow_redirects=False)
    assert moved.status_code == 303
    for action, note in (("start", "Pris en charge à Curie"),
                         ("resolve", "Réparé dans la salle 12 de Curie")):
        assert admin.post(f"/faults/{fault_id}/{action}", data={"note": note}).status_code == 200
    assert query("SELECT status FROM fault WHERE id = {}", fault_id)[0]["status"] == "resolved"
    # The reporter heard of the acknowledgement; not of what was done over there.
    mails = query("SELECT subject FROM outbox WHERE to_address = {} ORDER BY id",
                  people["director"]["email"])
    assert len(mails) == 1 and "Résolue" not in mails[0]["subject"], mails

    director = _as(admin, make, people["director"])
    page = director.get(f"/faults/{fault_id}")
    assert page.status_code == 200
    assert "Écran noir en classe" in page.text and "Acknowledged" in page.text and tag in page.text
    for secret in ("Curie", "salle 12", f'href="/a/{tag}"', "Resolved", "In progress",
                   "formaction="):
        assert secret not in page.text, secret
    assert "has since moved to a site you do not see" in page.text
    doc = director.get(f"/api/v1/faults/{fault_id}").json()
    assert doc["status"] == "acknowledged" and not doc["assigned_to"], doc
    assert "Curie" not in str(doc) and doc["site"] == OWN
    listed = director.get("/api/v1/faults", params={"status": "all", "limit": 500}).json()
    mine = [f for f in listed["items"] if f["id"] == fault_id]
    assert mine and mine[0]["status"] == "acknowledged" and "Curie" not in str(mine)
    assert "Curie" not in director.get("/faults?all=1").text
    exported = [line for line in director.get("/exports/faults?format=csv").text.splitlines()
                if line.split(";")[0].strip('"\ufeff') == str(fault_id)
                or line.split(",")[0].strip('"\ufeff') == str(fault_id)]
    assert len(exported) == 1 and "admin@" not in exported[0], exported  # not who took it there
    assert "Resolved" not in exported[0] and "Acknowledged" in exported[0]
    # Closing (or reopening) it from afar would change a device of another school: refused.
    assert director.post(f"/faults/{fault_id}/close", data={}).status_code == 400
    assert director.post(f"/api/v1/faults/{fault_id}/close", json={}).status_code == 400
    assert query("SELECT status FROM fault WHERE id = {}", fault_id)[0]["status"] == "resolved"
    # The administrator still sees the whole story.
    assert "Réparé dans la salle 12 de Curie" in _as(director, make, "administrator").get(
        f"/faults/{fault_id}").text
