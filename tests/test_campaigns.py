"""Inventory audit campaigns: found, found elsewhere (and corrected), unknown, missing.
(The pure rule: tests/unit/test_campaign_rules.py.)"""

import csv
import io

from tests.helpers import count, field_error, query


def test_a_whole_campaign(empty_client, make):
    nursery = make.site()
    section_1, section_2 = make.room(nursery), make.room(nursery)
    here, moved = make.asset(room=section_1), make.asset(room=section_2)
    unseen = make.assets(2, room=section_1) + [make.asset(site=nursery)]  # one without room
    make.asset(site=nursery, status="retired")
    elsewhere_site_tag = make.asset()["tag"]
    other_room = section_1["id"]
    tech = empty_client
    tech_account = make.sign_in(tech, "technician")
    code = nursery["code"]
    started = tech.post(f"/sites/{code}/inventory", follow_redirects=False)
    assert started.status_code == 303
    url = started.headers["location"]
    campaign = int(url.rsplit("/", 1)[1])
    # Starting again joins the open campaign.
    assert tech.post(f"/sites/{code}/inventory", follow_redirects=False
                     ).headers["location"] == url

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
    assert "1 found, 2 found elsewhere, 1 unknown tag," in " ".join(page.split())

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
    missing = sorted(a["tag"] for a in unseen)
    assert sorted(r["tag"] for r in query(
        "SELECT tag FROM campaign_check WHERE campaign = {} AND result = 'missing'",
        campaign)) == missing
    assert query("SELECT last_seen_on FROM asset WHERE tag = {}", here["tag"])[0]["last_seen_on"]
    assert not query("SELECT last_seen_on FROM asset WHERE tag = {}", missing[0]
                     )[0]["last_seen_on"]
    # Dated through the assets service: a "seen" record for each device scanned, by the
    # person who closed, none for the missing ones.
    seen = query("SELECT entity_key, actor FROM audit_record WHERE action = 'seen'")
    assert sorted(r["entity_key"] for r in seen) == sorted(
        [here["tag"], moved["tag"], elsewhere_site_tag])
    assert {r["actor"] for r in seen} == {tech_account["email"]}
    # Closed means closed.
    late = tech.post(f"{url}/check", data={"tag": here["tag"], "room": str(here["room"])})
    assert late.status_code == 400 and "closed" in late.text

    report = tech.get(f"{url}/report.csv")
    assert report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text.lstrip("\ufeff"))))
    results = {r["tag"]: r["result"] for r in rows}
    assert results[here["tag"]] == "found" and results[moved["tag"]] == "found"
    assert results["ZZZ-424242"] == "unknown"
    assert sorted(t for t, r in results.items() if r == "missing") == missing


def test_campaign_input_is_checked(empty_client, make):
    nursery = make.site()
    tag = make.asset(room=make.room(nursery))["tag"]
    foreign_room = make.room()["id"]
    tech = empty_client
    make.sign_in(tech, "technician")
    url = tech.post(f"/sites/{nursery['code']}/inventory",
                    follow_redirects=False).headers["location"]
    wrong_room = tech.post(f"{url}/check", data={"tag": tag, "room": str(foreign_room)})
    assert wrong_room.status_code == 400 and "not in the chosen site" in wrong_room.text
    empty = tech.post(f"{url}/check", data={"tag": " ", "room": ""})
    assert empty.status_code == 400
    assert count("campaign_check") == 0


def test_campaigns_are_scoped(empty_client, make):
    school, own_school = make.site(), make.site()
    client = empty_client
    url = client.post(f"/sites/{school['code']}/inventory",
                      follow_redirects=False).headers["location"]
    make.sign_in(client, "director", sites=[school, own_school])
    assert client.get(url).status_code == 403  # directors do not run audits
    assert client.get(f"/sites/{school['code']}/inventory").status_code == 403
    make.sign_in(client, "viewer")
    assert client.post(f"/sites/{own_school['code']}/inventory").status_code == 403


def test_the_camera_page_scans_in_place(empty_client, make):
    """What audit.js relies on: the room's page lists what the room should hold and offers
    the camera (a static script, strings in the page); a scan sent with HX-Request answers
    the record's line, naming the other school of a device registered there; one tap moves
    it here; a refused scan answers its message."""
    school = make.site(name="École des Tilleuls")
    other = make.site(name="École du Moulin")
    hall = make.room(school, name="Salle 4")
    here = make.asset(room=hall)
    stray = make.asset(room=make.room(other, name="Bureau"))
    tech = empty_client
    make.sign_in(tech, "technician")
    url = tech.post(f"/sites/{school['code']}/inventory",
                    follow_redirects=False).headers["location"]
    page = tech.get(f"{url}?room={hall['id']}")
    assert page.status_code == 200
    assert 'id="audit-scan"' in page.text and "/static/audit." in page.text
    assert f'<li data-tag="{here["tag"]}"><strong>{here["tag"]}</strong>' in page.text
    assert "Not seen yet" in page.text
    fragment = {"HX-Request": "true"}

    line = tech.post(f"{url}/check", data={"tag": here["tag"].lower(), "room": str(hall["id"])},
                     headers=fragment)
    assert line.status_code == 200 and "HX-Request" in line.headers["vary"]
    assert line.text.lstrip().startswith(f'<li data-tag="{here["tag"]}"')
    assert 'data-result="found"' in line.text and "<html" not in line.text

    line = tech.post(f"{url}/check", data={"tag": stray["tag"], "room": str(hall["id"])},
                     headers=fragment)
    assert 'data-result="elsewhere"' in line.text
    assert "Registered at École du Moulin (Bureau)" in line.text
    assert "Move it here from École du Moulin" in line.text

    unknown = tech.post(f"{url}/check", data={"tag": "ZZZ-999999", "room": str(hall["id"])},
                        headers=fragment)
    assert 'data-result="unknown"' in unknown.text

    moved = tech.post(f"{url}/move", data={"tag": stray["tag"], "room": str(hall["id"])},
                      headers=fragment)
    assert moved.status_code == 200 and 'data-result="found"' in moved.text
    assert query("SELECT site, room FROM asset WHERE tag = {}", stray["tag"])[0] == {
        "site": school["id"], "room": hall["id"]}

    refused = tech.post(f"{url}/check", data={"tag": " ", "room": str(hall["id"])},
                        headers=fragment)
    assert refused.status_code == 400 and refused.text == "This field is required."
    assert count("campaign_check") == 3
    page = tech.get(f"{url}?room={hall['id']}").text
    assert "Not seen yet" not in page

    # Without JS: the notice after a scan names the other school too.
    other_stray = make.asset(site=other)
    notice = tech.post(f"{url}/check", data={"tag": other_stray["tag"], "room": str(hall["id"])})
    assert "found here, but it is registered at École du Moulin." in notice.text
