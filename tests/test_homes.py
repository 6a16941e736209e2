"""Each role's home at "/": a technician's tools, a director's school, the others' dashboard.
On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from inventory.accounts import permissions
from inventory.maintenance.service import create_due_items


def _bar(html: str) -> list[str]:
    """The hrefs of the phone's bottom bar, in order ("More" not included)."""
    bar = re.search(r'<nav class="bottom-bar".*?</nav>', html, re.S).group(0)
    first = bar.split('<details', 1)[0]
    return re.findall(r'<a href="([^"]+)"', first)


def test_planner_and_administrator_keep_the_dashboard(empty_client, make):
    make.installation()
    make.asset()
    for role in ("planner", "administrator", "viewer"):
        make.sign_in(empty_client, role)
        html = empty_client.get("/").text
        assert "<h1>Dashboard</h1>" in html, role
        assert "Equipment per site" in html
        assert "My fault queue" not in html


def test_technician_home(empty_client, make, run):
    make.installation()
    tech = make.account("technician")
    school, other_school = make.site(), make.site()
    # One taken by someone else, one taken by the technician, one by nobody: two stay.
    other = make.fault(make.asset(site=school), status="in_progress",
                       handled_by="autre@commune.example")["id"]
    mine = make.fault(make.asset(site=other_school), status="in_progress",
                      handled_by=tech)["id"]
    nobodys = make.fault(make.asset(site=school))["id"]
    make.fault(make.asset(site=school), status="resolved")  # closed to the queue
    campaign = make.campaign(school, by=tech)
    filtered = make.asset(site=school, category=make.category(name="Vidéoprojecteur"))
    make.maintenance_task(asset=filtered, name="Nettoyer le filtre", interval_days=90,
                          starts_on=(dt.date.today() - dt.timedelta(days=88)).isoformat())
    assert run(create_due_items(dt.date.today())) == 1

    make.sign_in(empty_client, tech)
    html = empty_client.get("/").text
    assert 'href="/scan" role="button"' in html
    assert 'action="/scan"' in html
    assert "My fault queue" in html
    assert f'href="/faults/{mine}"' in html and f'href="/faults/{nobodys}"' in html
    assert f'href="/faults/{other}"' not in html
    assert "2 open faults, taken by me or by nobody" in html
    assert "Maintenance due this week" in html
    assert f'<strong>Nettoyer le filtre</strong> · <a href="/a/{filtered["tag"]}"' in html
    assert "Audit in progress" in html
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


def _director(make) -> dict:
    """A director's school (two rooms, an open fault) and another school (a room, an open
    fault)."""
    make.installation()
    own, other = make.site(name="École des Tilleuls"), make.site(name="École des Chênes")
    mine = [make.room(own, name=f"Classe {n}") for n in (1, 2)]
    others = [make.room(other, name="Classe 1")]
    faults = {"mine": make.fault(make.asset(room=mine[0]))["id"],
              "other": make.fault(make.asset(room=others[0]))["id"],
              "closed": make.fault(make.asset(room=mine[1]), status="closed")["id"]}
    return {"account": make.account("director", sites=[own]), "mine": mine,
            "others": others, "faults": faults}


def test_director_home_shows_their_school_only(empty_client, make):
    school = _director(make)
    make.sign_in(empty_client, school["account"])
    html = empty_client.get("/").text
    assert "Report a problem" in html
    assert all(f'href="/faults/new?room={r["id"]}"' in html for r in school["mine"])
    assert not any(f'href="/faults/new?room={r["id"]}"' in html for r in school["others"])
    assert f'href="/faults/{school["faults"]["mine"]}"' in html
    assert f'href="/faults/{school["faults"]["other"]}"' not in html
    assert f'href="/faults/{school["faults"]["closed"]}"' not in html  # open ones only
    assert "Open faults at my school" in html
    assert "Equipment per site" not in html
    assert _bar(html) == ["/", "/faults", "/sites", "/scan"]


def test_director_report_from_home_reaches_their_queue(empty_client, make):
    school = _director(make)
    director = empty_client
    make.sign_in(director, school["account"])
    room = re.search(r'href="/faults/new\?room=(\d+)"', director.get("/").text).group(1)
    assert int(room) in {r["id"] for r in school["mine"]}
    form = director.get(f"/faults/new?room={room}&another=1")
    assert form.status_code == 200
    sent = director.post("/faults/new", data={"room": room, "device": "room",
                                              "symptom": "no_power"},
                         follow_redirects=False)
    assert sent.status_code == 303, re.findall(r'field-error">([^<]*)', sent.text)
    fault_id = re.search(r"/faults/(\d+)", sent.headers["location"]).group(1)
    html = director.get("/").text
    card = re.search(rf'<a href="/faults/{fault_id}".*?</li>', html, re.S).group(0)
    assert '<span class="pill">New</span>' in card  # its state
    assert "Does not switch on" in card


def test_every_role_menu_has_five_items_at_most_on_a_phone():
    for role in permissions.ROLES:
        bar, more = permissions.bottom_bar(role)
        assert 1 <= len(bar) + 1 <= 5  # with "More"
        assert bar[0].href == "/"
        assert {i.key for i in bar} | {i.key for i in more} == {
            i.key for i in permissions.menu(role)}
        assert all(permissions.allows(role, i.permission) for i in bar + more)
