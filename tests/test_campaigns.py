"""Inventory audit campaigns: found, found elsewhere (and corrected), unknown, missing."""

import csv
import io

from inventory.campaigns import rules
from tests.helpers import count, field_error, query


def _site(code):
    return query("SELECT id FROM site WHERE code = {}", code)[0]["id"]


def test_scan_result_rule():
    asset = {"site": 1, "room": 10}
    assert rules.scan_result(asset, 1, 10) == rules.FOUND
    assert rules.scan_result(asset, 1, 11) == rules.ELSEWHERE
    assert rules.scan_result(asset, 2, 10) == rules.ELSEWHERE
    assert rules.scan_result(None, 1, 10) == rules.UNKNOWN
    assert rules.missing_tags({"A", "B", "C"}, {"B", "Z"}) == ["A", "C"]


def test_a_whole_campaign(client_as):
    tech = client_as("technician")
    site = _site("EM-FONTAINE")
    started = tech.post("/sites/EM-FONTAINE/inventory", follow_redirects=False)
    assert started.status_code == 303
    url = started.headers["location"]
    campaign = int(url.rsplit("/", 1)[1])
    # Starting again joins the open campaign.
    assert tech.post("/sites/EM-FONTAINE/inventory", follow_redirects=False
                     ).headers["location"] == url
    assets = query("SELECT tag, room FROM asset WHERE site = {} AND status != 'retired' "
                   "AND room IS NOT NULL ORDER BY tag", site)
    here, moved = assets[0], assets[1]
    other_room = query("SELECT id FROM room WHERE site = {} AND id != {} ORDER BY id LIMIT 1",
                       site, moved["room"])[0]["id"]
    elsewhere_site_tag = query("SELECT tag FROM asset WHERE site = {} LIMIT 1",
                               _site("GS-FERRY"))[0]["tag"]

    def scan(tag, room):
        response = tech.post(f"{url}/check", data={"tag": tag, "room": str(room)},
                             follow_redirects=False)
        assert response.status_code == 303, response.text
        return response.headers["location"]

    assert "result=found" in scan(here["tag"].lower(), here["room"])
    assert "result=elsewhere" in scan(moved["tag"], other_room)
    assert "result=elsewhere" in scan(elsewhere_site_tag, here["room"])
    assert "result=unknown" in scan("ZZZ-424242", here["room"])
    page = tech.get(f"{url}?room={here['room']}").text
    assert "1 found,\n  2 found elsewhere,\n  1 unknown tag," in page

    # One tap corrects the room of a device found elsewhere.
    assert tech.post(f"{url}/move", data={"tag": moved["tag"]},
                     follow_redirects=False).status_code == 303
    assert query("SELECT room FROM asset WHERE tag = {}", moved["tag"])[0]["room"] == other_room

    # Closing cannot be undone: the box must be ticked (the page says so beside it).
    unconfirmed = tech.post(f"{url}/close", follow_redirects=False)
    assert unconfirmed.status_code == 400
    assert "cannot be undone" in field_error(unconfirmed.text, "confirm")
    assert query("SELECT closed_at FROM inventory_campaign WHERE id = {}",
                 campaign)[0]["closed_at"] is None
    closed = tech.post(f"{url}/close", data={"confirm": "1"}, follow_redirects=False)
    assert closed.status_code == 303
    expected = len(query("SELECT id FROM asset WHERE site = {} AND status != 'retired'", site))
    assert count("campaign_check", "campaign = {} AND result = 'missing'", campaign) == \
        expected - 2
    assert query("SELECT last_seen_on FROM asset WHERE tag = {}", here["tag"])[0]["last_seen_on"]
    assert not query("SELECT last_seen_on FROM asset WHERE tag = {}", assets[2]["tag"]
                     )[0]["last_seen_on"]
    # Closed means closed.
    late = tech.post(f"{url}/check", data={"tag": here["tag"], "room": str(here["room"])})
    assert late.status_code == 400 and "closed" in late.text

    report = tech.get(f"{url}/report.csv")
    assert report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text.lstrip("\ufeff"))))
    results = {r["tag"]: r["result"] for r in rows}
    assert results[here["tag"]] == "found" and results[moved["tag"]] == "found"
    assert results["ZZZ-424242"] == "unknown"
    assert list(results.values()).count("missing") == expected - 2


def test_campaign_input_is_checked(client_as):
    tech = client_as("technician")
    url = tech.post("/sites/EM-FONTAINE/inventory", follow_redirects=False).headers["location"]
    foreign_room = query("SELECT id FROM room WHERE site = {} LIMIT 1", _site("GS-FERRY"))[0]["id"]
    wrong_room = tech.post(f"{url}/check", data={"tag": "BRN-000001", "room": str(foreign_room)})
    assert wrong_room.status_code == 400 and "not in the chosen site" in wrong_room.text
    empty = tech.post(f"{url}/check", data={"tag": " ", "room": ""})
    assert empty.status_code == 400


def test_campaigns_are_scoped(client_as):
    admin = client_as("administrator")
    url = admin.post("/sites/GS-JAURES/inventory", follow_redirects=False).headers["location"]
    director = client_as("director")
    assert director.get(url).status_code == 403  # directors do not run audits
    assert director.get("/sites/GS-JAURES/inventory").status_code == 403
    viewer = client_as("viewer")
    assert viewer.post("/sites/GS-FERRY/inventory").status_code == 403
