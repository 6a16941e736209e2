"""Each role's home at "/": a technician's tools, a director's school, the others' dashboard.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from inventory.accounts import permissions
from tests.conftest import ROLE_EMAILS
from tests.helpers import execute, query


def _bar(html: str) -> list[str]:
    """The hrefs of the phone's bottom bar, in order ("More" not included)."""
    bar = re.search(r'<nav class="bottom-bar".*?</nav>', html, re.S).group(0)
    first = bar.split('<details', 1)[0]
    return re.findall(r'<a href="([^"]+)"', first)


def test_planner_and_administrator_keep_the_dashboard(client_as):
    for role in ("planner", "administrator", "viewer"):
        html = client_as(role).get("/").text
        assert "<h1>Dashboard</h1>" in html, role
        assert "Equipment per site" in html
        assert "My fault queue" not in html


def test_technician_home(client_as, run):
    tech = ROLE_EMAILS["technician"]
    open_faults = query("SELECT fault.id, fault.assigned_to, site.name AS site_name FROM fault "
                        "JOIN site ON site.id = fault.site WHERE fault.status IN "
                        "('new', 'acknowledged', 'in_progress', 'waiting_parts')")
    assert open_faults, "the demo commune has open faults"
    # One taken by someone else, one taken by the technician: only the second stays.
    other, mine = open_faults[0]["id"], open_faults[1]["id"]
    execute("UPDATE fault SET assigned_to = {} WHERE id = {}", "autre@brenneville.example",
            other)
    execute("UPDATE fault SET assigned_to = {} WHERE id = {}", tech, mine)
    site = query("SELECT id, code, name FROM site ORDER BY id LIMIT 1")[0]
    execute("INSERT INTO inventory_campaign (site, started_by, version) VALUES ({}, {}, 1)",
            site["id"], tech)

    html = client_as("technician").get("/").text
    assert 'href="/scan" role="button"' in html
    assert 'action="/scan"' in html
    assert "My fault queue" in html
    assert f'href="/faults/{mine}"' in html
    assert f'href="/faults/{other}"' not in html
    expected = sum(1 for f in open_faults if f["id"] != other)
    assert f"{expected} open faults, taken by me or by nobody" in html
    assert "Maintenance due this week" in html
    assert "Audit in progress" in html
    campaign = query("SELECT id FROM inventory_campaign WHERE closed_at IS NULL")[-1]["id"]
    assert f'href="/inventory/{campaign}"' in html
    assert "Equipment per site" not in html  # not the planner's dashboard
    assert _bar(html) == ["/", "/scan", "/faults", "/maintenance"]


def test_technician_queue_groups_by_site_own_sites_first():
    from inventory.dashboard.homes import by_site

    rows = [{"site": 1, "site_code": "A", "site_name": "Alpha", "id": 1},
            {"site": 2, "site_code": "B", "site_name": "Bravo", "id": 2},
            {"site": 1, "site_code": "A", "site_name": "Alpha", "id": 3}]
    assert [(g.code, [r["id"] for r in g.rows]) for g in by_site(rows)] == [
        ("A", [1, 3]), ("B", [2])]
    assert [g.code for g in by_site(rows, {2})] == ["B", "A"]


def test_director_home_shows_their_school_only(client_as):
    director = query("SELECT id FROM app_user WHERE email = {}", ROLE_EMAILS["director"])[0]
    own = {r["site"] for r in query("SELECT site FROM user_site WHERE \"user\" = {}",
                                    director["id"])}
    assert own
    rooms = query("SELECT id, site FROM room")
    mine = [r["id"] for r in rooms if r["site"] in own]
    others = [r["id"] for r in rooms if r["site"] not in own]
    faults = query("SELECT id, site FROM fault WHERE status IN "
                   "('new', 'acknowledged', 'in_progress', 'waiting_parts')")

    html = client_as("director").get("/").text
    assert "Report a problem" in html
    assert all(f'href="/faults/new?room={r}"' in html for r in mine)
    assert not any(f'href="/faults/new?room={r}"' in html for r in others)
    for fault in faults:
        assert (f'href="/faults/{fault["id"]}"' in html) == (fault["site"] in own)
    assert "Open faults at my school" in html
    assert "Equipment per site" not in html
    assert _bar(html) == ["/", "/faults", "/sites", "/scan"]


def test_director_report_from_home_reaches_their_queue(client_as):
    director = client_as("director")
    room = re.search(r'href="/faults/new\?room=(\d+)"', director.get("/").text).group(1)
    form = director.get(f"/faults/new?room={room}")
    assert form.status_code == 200
    sent = director.post("/faults/new", data={"room": room, "device": "room",
                                              "symptom": "no_power"},
                         follow_redirects=False)
    assert sent.status_code == 303, re.findall(r'field-error">([^<]*)', sent.text)
    fault_id = re.search(r"/faults/(\d+)", sent.headers["location"]).group(1)
    html = director.get("/").text
    assert f'href="/faults/{fault_id}"' in html
    assert "New" in html  # its state


def test_every_role_menu_has_five_items_at_most_on_a_phone():
    for role in permissions.ROLES:
        bar, more = permissions.bottom_bar(role)
        assert 1 <= len(bar) + 1 <= 5  # with "More"
        assert bar[0].href == "/"
        assert {i.key for i in bar} | {i.key for i in more} == {
            i.key for i in permissions.menu(role)}
        assert all(permissions.allows(role, i.permission) for i in bar + more)
