"""Dashboard figures agree with the data."""

import datetime as dt
import re

from tests.helpers import count, query


def test_coverage_figure_matches_the_rooms(empty_client, make):
    """A school is equipped when each of its classrooms has an interactive display (a
    retired one does not count); schools without classrooms and town halls are not
    counted."""
    make.installation()
    display = make.category(code="ENI", is_interactive_display="on")
    other = make.category(code="PC-FIXE")
    equipped_school = make.site(kind="elementaire")
    for n in (1, 2):
        make.asset(category=display, room=make.room(equipped_school, name=f"Classe {n}"))
    half = make.site(kind="groupe_scolaire")
    make.asset(category=display, room=make.room(half, name="Classe 1"))
    make.asset(category=display, room=make.room(half, name="Classe 2"), status="retired")
    make.asset(category=other, room=make.room(half, name="Classe 3"))
    make.room(make.site(kind="maternelle"), name="Bureau", kind="office")
    make.asset(category=display, room=make.room(make.site(kind="mairie"), name="Salle 1"))
    schools = query("SELECT id FROM site WHERE kind IN ('maternelle', 'elementaire', "
                    "'groupe_scolaire', 'college', 'lycee')")
    equipped = with_classrooms = 0
    for school in schools:
        classrooms = count("room", "site = {} AND kind = 'classroom'", school["id"])
        with_display = query(
            "SELECT COUNT(DISTINCT room.id) AS n FROM room JOIN asset ON asset.room = room.id "
            "JOIN category ON category.id = asset.category WHERE room.site = {} AND "
            "room.kind = 'classroom' AND category.is_interactive_display AND "
            "asset.status != 'retired'", school["id"])[0]["n"]
        equipped += classrooms > 0 and with_display == classrooms
        with_classrooms += classrooms > 0
    assert (equipped, with_classrooms, len(schools)) == (1, 2, 3)
    html = empty_client.get("/").text
    assert "1 of 2 schools equipped" in html


def test_end_of_life_and_warranty_counts(empty_client, make):
    make.installation()
    today = dt.date.today()
    old = make.category(lifespan_years=6)
    for years_ago in (10, 7):  # past their end of life
        make.asset(category=old, purchase_date=today.replace(year=today.year - years_ago,
                                                              day=1).isoformat())
    make.asset(category=old, status="retired",
               purchase_date=today.replace(year=today.year - 10, day=1).isoformat())
    make.asset(category=old, purchase_date=today.replace(day=1).isoformat(),
               warranty_end=(today + dt.timedelta(days=30)).isoformat())  # ends soon
    make.asset(category=old, purchase_date=today.replace(day=1).isoformat(),
               warranty_end=(today + dt.timedelta(days=200)).isoformat())  # not soon
    year = today.year
    past = count("asset", "eol_year <= {} AND status != 'retired'", year)
    soon = count("asset", "warranty_end >= {} AND warranty_end <= {} AND status != 'retired'",
                 today.isoformat(), (today + dt.timedelta(days=90)).isoformat())
    assert (past, soon) == (2, 1)
    html = empty_client.get("/").text
    figures = re.findall(r'<p class="figure"><a href="([^"]+)">(\d+) assets?</a>', html)
    assert ("/assets?eol=past", str(past)) in figures
    assert ("/assets?status=active&amp;warranty=ending&amp;sort=warranty_end", str(soon)) in figures


def test_per_site_table_counts_active_assets(empty_client, make):
    make.installation()
    school = make.site(code="GS-FERRY")
    make.assets(2, site=school)
    make.asset(site=school, status="in_stock")
    make.asset(site=school, status="retired")
    make.asset()  # elsewhere
    client = empty_client
    make.sign_in(client, "administrator")
    site = school["id"]
    active = count("asset", "site = {} AND status != 'retired'", site)
    assert active == 3
    html = client.get("/").text
    assert f'<a href="/assets?site=GS-FERRY&amp;status=active">{active}</a>' in html


def test_fault_figures_on_the_dashboard(empty_client, make):
    import datetime as dt

    from inventory.dashboard.service import mean_hours, rate_per_100

    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    assert mean_hours([(start, start + dt.timedelta(hours=4)),
                       (start, start + dt.timedelta(hours=8))]) == 6
    assert mean_hours([]) is None
    assert rate_per_100({"A": 2}, {"A": 50, "B": 10}) == [("A", 2, 50, 4.0), ("B", 0, 10, 0.0)]

    make.installation()
    computers = make.category(code="PC-FIXE", name="Ordinateur fixe")
    pcs = make.assets(3, category=computers)
    make.asset(category=computers, status="retired")
    make.fault(make.asset(category=make.category(name="Imprimante")))  # open, elsewhere
    admin = empty_client
    tags = [pc["tag"] for pc in pcs[:2]]
    urls = [admin.post("/faults/new", data={"asset": t, "symptom": "no_power"},
                       follow_redirects=False).headers["location"].split("?")[0] for t in tags]
    admin.post(f"{urls[0]}/start")
    assert admin.post(f"{urls[0]}/resolve", follow_redirects=False).status_code == 303
    html = admin.get("/").text
    still_open = count("fault", "status IN ('new', 'acknowledged', 'in_progress', "
                       "'waiting_parts')")
    assert f'Open faults</header><p class="figure"><a href="/faults">{still_open}</a>' in html
    pc_faults = count("fault", "asset IN (SELECT asset.id FROM asset JOIN category ON "
                      "category.id = asset.category WHERE category.code = 'PC-FIXE')")
    assert (still_open, pc_faults) == (2, 2)
    devices = count("asset", "category = (SELECT id FROM category WHERE code = 'PC-FIXE') "
                    "AND status != 'retired'")
    assert devices == 3
    assert re.search(rf'<th scope="row">Ordinateur fixe</th><td class="num"[^>]*>{pc_faults}</td>'
                     rf'<td class="num"[^>]*>{devices}</td>', html)
    assert "over 1 repaired fault" in html
