"""A director sees their own school only: everything else answers 404, and lists and counts
leave it out. The demo director is attached to GS-FERRY; GS-JAURES is another school."""

import pytest

from tests.helpers import count, query

OWN, OTHER = "GS-FERRY", "GS-JAURES"


@pytest.fixture
def director(client_as):
    return client_as("director")


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
    assert f"{own} assets" in director.get("/assets").text
    assert "No asset matches" in director.get(f"/assets?site={OTHER}").text
    assert director.get("/api/v1/assets").json()["total"] == own
    assert director.get(f"/api/v1/assets?site={OTHER}").json()["total"] == 0
    sites = director.get("/sites").text
    assert "1 site" in sites and OTHER not in sites
    assert [s["code"] for s in director.get("/api/v1/sites").json()["items"]] == [OWN]
    assert "Classe" not in director.get(f"/assets/room-options?site={OTHER}").text


def test_dashboard_and_category_counts_leave_other_sites_out(director):
    html = director.get("/").text
    assert f"/sites/{OWN}" in html and f"/sites/{OTHER}" not in html
    active = count("asset", "site = {} AND status != 'retired'", _site_id(OWN))
    categories = director.get("/api/v1/categories").json()["items"]
    assert categories  # reference data stays readable
    page = director.get("/categories").text
    numbers = [int(n) for n in __import__("re").findall(r'<a href="/assets\?category=[^"]+">(\d+)</a>',
                                                         page)]
    assert sum(numbers) == active


def test_history_of_other_sites_is_out_of_reach(director, client_as):
    tag = _tag(OTHER)
    assert director.get(f"/api/v1/assets/{tag}/history").status_code == 404
    admin = client_as("administrator")
    assert admin.get(f"/api/v1/assets/{tag}/history").status_code == 200


def test_a_device_moved_into_a_directors_school_keeps_its_past_elsewhere_private(client_as):
    """Moved from another school into the director's: the page and the API history say
    "previously elsewhere", never the other school, its rooms, its interventions or faults."""
    from tests.helpers import asset_doc, query

    tag = query("SELECT asset.tag FROM asset JOIN site ON site.id = asset.site "
                "WHERE site.code = 'EE-CURIE' AND asset.status = 'in_service' "
                "ORDER BY asset.id LIMIT 1")[0]["tag"]
    old_room = query("SELECT room.id FROM asset JOIN room ON room.id = asset.room "
                     "WHERE asset.tag = {}", tag)[0]["id"]
    admin = client_as("administrator")
    admin.post(f"/a/{tag}/interventions", data={"kind": "repair", "minutes_spent": "20",
                                                "notes": "Réparé à Curie, lampe changée"})
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

    director = client_as("director")
    page = director.get(f"/a/{tag}")
    assert page.status_code == 200
    for secret in ("Curie", "lampe changée", "Signalé à Curie", f"/rooms/{old_room}\""):
        assert secret not in page.text, secret
    assert "Previously at a site you do not see" in page.text
    history = director.get(f"/api/v1/assets/{tag}/history").json()["items"]  # issue 13: paged
    assert "CURIE" not in str(history).upper() and history[-1]["action"] == "elsewhere"
    listed = director.get(f"/api/v1/assets/{tag}/interventions").json()["items"]
    assert all("Curie" not in i["notes"] for i in listed)
