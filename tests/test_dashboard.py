"""Dashboard figures agree with the data."""

import datetime as dt
import re

from tests.helpers import count, query


def test_coverage_figure_matches_the_rooms(client):
    schools = query("SELECT id FROM site WHERE kind IN ('maternelle', 'elementaire', "
                    "'groupe_scolaire', 'college', 'lycee')")
    equipped = 0
    for school in schools:
        classrooms = count("room", "site = {} AND kind = 'classroom'", school["id"])
        with_display = query(
            "SELECT COUNT(DISTINCT room.id) AS n FROM room JOIN asset ON asset.room = room.id "
            "JOIN category ON category.id = asset.category WHERE room.site = {} AND "
            "room.kind = 'classroom' AND category.is_interactive_display AND "
            "asset.status != 'retired'", school["id"])[0]["n"]
        equipped += classrooms > 0 and with_display == classrooms
    html = client.get("/").text
    assert f"{equipped} of {len(schools)} schools equipped" in html
    assert 0 < equipped < len(schools)  # the demo commune is partly equipped


def test_end_of_life_and_warranty_counts(client):
    year = dt.date.today().year
    past = count("asset", "eol_year <= {} AND status != 'retired'", year)
    today = dt.date.today()
    soon = count("asset", "warranty_end >= {} AND warranty_end <= {} AND status != 'retired'",
                 today.isoformat(), (today + dt.timedelta(days=90)).isoformat())
    html = client.get("/").text
    figures = re.findall(r'<p class="figure"><a href="([^"]+)">(\d+) assets?</a>', html)
    assert ("/assets?eol=past", str(past)) in figures
    assert ("/assets?status=active&amp;warranty=ending&amp;sort=warranty_end", str(soon)) in figures


def test_per_site_table_counts_active_assets(client):
    site = query("SELECT id FROM site WHERE code = 'GS-FERRY'")[0]["id"]
    active = count("asset", "site = {} AND status != 'retired'", site)
    html = client.get("/").text
    assert f'<a href="/assets?site=GS-FERRY&amp;status=active">{active}</a>' in html
