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
