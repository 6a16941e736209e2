"""The free-text search through each engine's substring index (m0029: an FTS5 trigram table
on SQLite, a pg_trgm GIN index on PostgreSQL), on both engines.

Every search is checked against the rule written out in Python (`expected`): an asset is
found when the folded term is part of one of its searched fields, of its model's maker and
name, or of its room's name. Whatever path a search takes (the index for terms of three
characters or more, a plain LIKE for shorter ones, SQLite's narrowing by rare trigrams, its
walk in tag order), the result is that rule's."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from inventory.accounts.scope import EVERYTHING
from inventory.assets import rules
from inventory.assets import service as assets
from inventory.core import db
from tests.helpers import asset_doc, edit_form, execute, migrate_current, query


@pytest.fixture
def admin(empty_client):
    return empty_client


def expected(term: str, where: str = "1 = 1", *args) -> list[str]:
    """The tags the search should find (tag order), by the rule, from the stored rows."""
    folded = rules.fold(term)
    rows = query(
        "SELECT asset.tag, asset.site, asset.category, asset.status, "
        f"{', '.join('asset.' + f for f in rules.SEARCHED_FIELDS)}, "
        "equipment_model.manufacturer, equipment_model.name AS model_name, "
        "room.name AS room_name FROM asset "
        "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
        f"LEFT JOIN room ON room.id = asset.room WHERE {where}", *args)
    found = []
    for row in rows:
        lines = rules.search_text(row).split("\n")
        model = rules.fold(f"{row['manufacturer']} {row['model_name']}") if row["model_name"] \
            else ""
        room = rules.fold(row["room_name"] or "")
        if any(folded in line for line in lines) or (model and folded in model) or \
                (row["room_name"] and folded in room):
            found.append(row["tag"])
    return sorted(found)


def searched(client, **params) -> list[str]:
    """The tags the API finds, every cursor page read (tag order)."""
    tags, cursor = [], None
    while True:
        response = client.get("/api/v1/assets", params={
            **params, "limit": 7, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        tags += [item["tag"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return tags


def listed(client, **params) -> tuple[int, list[str]]:
    """The list page: the count it shows and the tags of its rows."""
    response = client.get("/assets", params=params)
    assert response.status_code == 200, response.text
    count = re.search(r"([\d\u202f\xa0,]+) assets?\b", response.text)
    total = int(re.sub(r"\D", "", count.group(1))) if count else 0
    return total, re.findall(r'<td><a href="/a/([A-Z]+-\d+)">', response.text)


def check(client, term: str) -> list[str]:
    """The API finds exactly what the rule says; returns it."""
    want = expected(term)
    assert searched(client, q=term) == want, term
    return want


@pytest.fixture
def fleet(make):
    return build_fleet(make)


def build_fleet(make) -> dict:
    """Devices whose every searched field holds something to find, and others beside."""
    school = make.site(name="École des Tilleuls")
    other = make.site(name="Groupe scolaire Jaurès")
    refectory = make.room(school, name="Réfectoire Église")
    network = make.room(other, name="Local réseau")
    visualiser = make.model(manufacturer="Lumens", name="Ladibug DC125")
    laptop = make.model(manufacturer="Dell", name="Latitude 5540")
    found = {
        "serial": make.asset(school, serial="SN-ÆQUO-7731", room=refectory),
        "holder": make.asset(school, holder="Zoé Lefèvre-Dubœuf"),
        "order": make.asset(school, order_ref="MAPA-2024-011"),
        "network": make.asset(other, hostname="sw-tilleuls-01.commune.example",
                              ip_address="10.20.30.40", mac_address="00:1a:2b:3c:4d:5e",
                              room=network),
        "notes": make.asset(other, notes="Écran fissuré, remise de 100% sur_site « ok »"),
        "model": make.asset(other, model=visualiser),
        "laptop": make.asset(school, model=laptop),
    }
    for n in range(5):  # found by none of the above
        make.asset(other, serial=f"AUTRE-{n}", notes="Rien à signaler")
    return {"school": school, "other": other, "refectory": refectory, "network_room": network,
            "visualiser": visualiser, "laptop": laptop,
            **{k: v["tag"] for k, v in found.items()}}


def test_any_part_of_every_searched_field_finds_the_device(admin, fleet):
    stored = asset_doc(admin, fleet["network"])
    assert stored["mac_address"] == "00:1A:2B:3C:4D:5E"  # as the service stores it
    parts = {
        "serial": ("ÆQUO-77", "quo", "7731", "sn-aequo-7731"),
        "holder": ("Lefèvre", "ZOE LEF", "dubœ", "duboeuf"),
        "order": ("2024-011", "pa-20"),
        "network": ("tilleuls-01", "commune.example", "20.30.4", "10.20.30.40",
                    "3c:4d", "1A:2B:3C", "00:1a"),
        "notes": ("fissur", "100% sur_site", "« ok »"),
        "model": ("ladibug", "Lumens Ladibug", "DC125", "mens lad"),
        "laptop": ("Latitude", "dell lat", "5540"),
        "serial+refectory": ("refectoire", "Église", "toire egl"),
        "network+room": ("local res", "RÉSEAU"),
    }
    for name, terms in parts.items():
        tag = fleet[name.split("+")[0]]
        for term in terms:
            assert tag in check(admin, term), (name, term)
    # The tag itself, in part.
    tag = fleet["holder"]
    assert tag in check(admin, tag[-5:]) and check(admin, tag.lower()) == [tag]


def test_accents_case_and_spaces_are_ignored_on_both_sides(admin, fleet):
    for term in ("ecran FISSURE", "ÉCRAN  fissuré", "zoe lefevre", "ZOÉ LEFÈVRE-DUBOEUF",
                 "aequo", "Æquo", "reFECtoire ÉGLISE", "egl", "é", "Œ", "oe"):
        check(admin, term)
    assert check(admin, "ecran fissure") == [fleet["notes"]]
    assert check(admin, "dubœuf") == check(admin, "DUBOEUF") == [fleet["holder"]]


def test_very_short_terms_are_found_without_the_index(admin, fleet):
    """One and two characters are fewer than a trigram: read with LIKE, same rule."""
    for term in ("4", "é", "%", "_", "-", ":", "00", "5e", "sn", "éc", "ae", "a", " a"):
        check(admin, term)
    assert fleet["network"] in check(admin, "5e")
    assert check(admin, "æ") == check(admin, "ae")  # one letter folded to two


def test_very_long_terms(admin, make, fleet):
    long_note = ("Vidéoprojecteur remplacé après la panne du 12 mars ; " * 6).strip()
    tag = make.asset(fleet["school"], notes=long_note)["tag"]
    assert len(long_note) > 200
    # The search box and the API take 100 characters: the first 100 of the note find it.
    assert searched(admin, q=long_note[:100]) == [tag]
    assert listed(admin, q=long_note)[1] == [tag]  # longer: cut to 100 by the list page
    assert searched(admin, q=long_note[50:150].upper()) == [tag]
    # One character off at the end: nothing.
    assert searched(admin, q=long_note[:99] + "x") == []
    assert check(admin, "remplace apres la panne du 12 mars ; videoprojecteur") == [tag]


def test_wildcards_and_full_text_syntax_are_plain_characters(admin, fleet):
    """% and _ are LIKE's wildcards, quotes, stars, AND, NEAR, ^ and : are FTS5's syntax:
    all of them are searched as typed."""
    assert check(admin, "100%") == check(admin, "% sur_") == [fleet["notes"]]
    assert check(admin, "sur_site") == [fleet["notes"]]
    for term in ("%%", "%_%", "__", "0%0", "1_0", '"', '"ok"', '""', "a\"b", "sur*",
                 "* AND *", "NEAR(", "fissuré OR rien", "^ecran", "notes:ecran", "-30-",
                 "\\", "\\%", "'", "()", "{}", "« ok »"):
        response = admin.get("/assets", params={"q": term})
        assert response.status_code == 200, term
        check(admin, term)
    assert check(admin, "« ok »") == [fleet["notes"]]
    assert check(admin, "sur*") == [] and check(admin, "%%") == []


def test_search_with_the_list_s_filters_sorting_and_pages(admin, make, fleet):
    school, other = fleet["school"], fleet["other"]
    kind = make.category(code="TABLETTE", name="Tablette")
    many = make.assets(55, site=school, category=kind, holder="Classe de Mme Rivière")
    make.asset(other, category=kind, holder="Classe de Mme Rivière")
    retired = make.asset(school, category=kind, holder="Mme Rivière", status="retired")

    total, first = listed(admin, q="riviere", site=school["code"])
    assert total == 56 and len(first) == 50
    assert first == sorted(a["tag"] for a in [*many, retired])[:50]
    total, second = listed(admin, q="riviere", site=school["code"], page=2)
    assert total == 56 and set(second).isdisjoint(first) and len(second) == 6
    # A page past the last shows the last; no match is an empty page; tags backwards too
    # (PostgreSQL reads a search within a site, counted and paged, in one query).
    assert listed(admin, q="riviere", site=school["code"], page=9) == (56, second)
    assert listed(admin, q="no such words", site=school["code"]) == (0, [])
    assert listed(admin, q="riviere", site=school["code"], sort="-tag") == \
        (56, sorted(a["tag"] for a in [*many, retired])[::-1][:50])
    assert listed(admin, q="riviere", site=school["code"], category="TABLETTE",
                  status="retired") == (1, [retired["tag"]])
    assert listed(admin, q="riviere", status="active")[0] == 56
    total, descending = listed(admin, q="riviere", sort="-tag")
    assert total == 57 and descending == sorted(expected("riviere"), reverse=True)[:50]
    assert searched(admin, q="RIVIÈRE", site=other["code"]) == \
        expected("riviere", "asset.site = {}", other["id"])
    # Model and room matches combine with the filters too.
    assert searched(admin, q="latitude", site=school["code"]) == [fleet["laptop"]]
    assert searched(admin, q="latitude", site=other["code"]) == []
    assert searched(admin, q="local reseau", room=fleet["network_room"]["id"]) == \
        [fleet["network"]]
    # The API's numbered pages give the list's count.
    body = admin.get("/api/v1/assets", params={"q": "riviere", "page": 2}).json()
    assert body["total"] == 57 and body["pages"] == 2 and len(body["items"]) == 7


def test_a_director_searches_within_their_sites(admin, make, fleet):
    make.sign_in(admin, "director", sites=[fleet["school"]])
    assert searched(admin, q="a") == expected("a", "asset.site = {}", fleet["school"]["id"])
    assert searched(admin, q="fissure") == []  # the other school's device
    assert searched(admin, q="zoe") == [fleet["holder"]]


def test_the_index_follows_every_write(admin, make, run, fleet):
    """Creation, an edit, a move, a room's and a model's new names, a change of status,
    an import: each is searchable at once, the old words no longer are."""
    tag = fleet["notes"]
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes="Lampe changée en mai"))
    assert check(admin, "lampe changee") == [tag] and check(admin, "fissure") == []

    admin.post(f"/a/{tag}/move", data={"site": fleet["school"]["code"],
                                       "room": str(fleet["refectory"]["id"]),
                                       "version": asset_doc(admin, tag)["version"]})
    assert tag in check(admin, "refectoire")
    room = query("SELECT kind, version FROM room WHERE id = {}", fleet["refectory"]["id"])[0]
    response = admin.post(f"/rooms/{fleet['refectory']['id']}/edit", data={
        "name": "Salle polyvalente", "kind": room["kind"], "version": str(room["version"])},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    assert check(admin, "polyvalente") == sorted([tag, fleet["serial"]])
    assert check(admin, "refectoire") == []

    from inventory.catalog import service as catalog

    run(catalog.update_model(fleet["visualiser"]["id"], {"name": "Visionneuse VX9"}, None,
                             "test", partial=True))
    assert check(admin, "visionneuse") == [fleet["model"]] and check(admin, "ladibug") == []

    admin.post(f"/a/{tag}/status", data={"status": "faulty",
                                         "version": asset_doc(admin, tag)["version"]})
    assert check(admin, "lampe changee") == [tag]

    new = make.asset(fleet["other"], serial="NOUVEAU-4242")["tag"]
    assert check(admin, "nouveau-42") == [new]
    _index_is_whole()


def _index_is_whole() -> None:
    """SQLite's full-text table holds exactly what the asset rows say (FTS5 compares its
    index with the content table); PostgreSQL keeps its index itself."""
    if db.current_url.startswith("sqlite"):
        execute("INSERT INTO asset_search (asset_search, rank) VALUES ('integrity-check', 1)")


def test_an_import_is_searchable(empty_url, make, fleet, tmp_path):
    """The import writes through the assets service: what it creates or changes is found
    at once (the command line here, as in test_imports)."""
    import csv
    import io
    import os
    import subprocess
    import sys
    from pathlib import Path

    def cli(*args: str) -> subprocess.CompletedProcess:
        # PYTHONPATH: this checkout's code, whichever one the virtualenv was installed from.
        done = subprocess.run([str(Path(sys.executable).parent / "inventory"), *args],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "INVENTORY_DATABASE_URL": empty_url,
                                   "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        assert done.returncode == 0, done.stderr
        return done

    rows = list(csv.DictReader(io.StringIO(cli("export", "assets", "--format", "csv").stdout)))
    changed = next(r for r in rows if r["tag"] == fleet["order"])
    changed["notes"] = "Importé du tableur de la régie"
    added = dict(changed, tag="", serial="IMP-98765", notes="")
    path = tmp_path / "parc.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(changed))
        writer.writeheader()
        writer.writerows([changed, added])
    before = query("SELECT COUNT(*) AS n FROM asset")[0]["n"]
    cli("import", str(path))
    assert query("SELECT COUNT(*) AS n FROM asset")[0]["n"] == before + 1
    (new,) = [r["tag"] for r in query("SELECT tag FROM asset WHERE serial = 'IMP-98765'")]
    assert expected("tableur de la regie") == [fleet["order"]]
    assert asyncio_run_list("tableur de la regie") == [fleet["order"]]
    assert asyncio_run_list("imp-987") == [new] == expected("imp-987")
    _index_is_whole()


def test_sqlite_s_ways_to_read_a_search_all_give_the_rule_s_result(admin, make, fleet,
                                                                    monkeypatch):
    """SQLite chooses between its trigram table (rare trigrams only) and reading the column,
    and for a search over every site between walking the tags in order and reading the
    matches' ids: forced each way, the same devices, in the same order. On PostgreSQL
    these choices are its planner's (the same checks pass)."""
    make.assets(12, site=fleet["school"], notes="Chariot mobile n° 12")
    terms = ("chariot", "mobile n° 12", "12", "a", "latitude", "refectoire", "zoe", "x")
    want = {term: expected(term) for term in terms}

    def results() -> dict[str, list[str]]:
        assets._trigram_counts.clear()
        return {term: searched(admin, q=term) for term in terms}

    assert results() == want
    for name, value in (("narrow_below", lambda fleet: 0),  # never the trigram table
                        ("narrow_below", lambda fleet: 10**9)):  # always
        monkeypatch.setattr(rules, name, value)
        assert results() == want, name
    monkeypatch.setattr(rules, "WALK_AT_LEAST", 0)
    for walk in (True, False):
        monkeypatch.setattr(rules, "walk_in_tag_order", lambda *a, walk=walk: walk)
        for term in terms:
            total, tags = listed(admin, q=term)
            assert total == len(want[term]) and tags == want[term][:50], (walk, term)
            assert listed(admin, q=term, sort="-tag")[1] == want[term][::-1][:50]


def test_the_search_reads_through_the_substring_index(admin, fleet):
    """The shape of the query: SQLite asks its trigram table, PostgreSQL can answer the
    LIKE from its GIN index (on a table this small its planner would rather read it all:
    sequential scans are switched off to see the index is usable)."""
    import asyncio

    from inventory.assets import queries

    async def where():
        engine = db.use(db.engine_from_url(db.current_url))
        await db.start_pool(engine, size=1)
        try:
            return await assets.where_clause(assets.AssetFilter(q="fissure"), EVERYTHING)
        finally:
            await db.close_pool(engine)

    clause, args = asyncio.run(where())
    sql = "SELECT COUNT(*) AS n FROM asset" + clause
    if db.current_url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(db.current_url.removeprefix("sqlite:///"))
        try:
            plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql.replace("{}", "?"),
                                               args)]
        finally:
            conn.close()
        assert queries.SEARCH_TABLE in clause
        assert any("asset_search VIRTUAL TABLE" in line for line in plan), plan
    else:
        import psycopg

        with psycopg.connect(db.current_url) as conn:
            conn.execute("SET enable_seqscan = off")
            plan = [r[0] for r in conn.execute("EXPLAIN " + sql.replace("{}", "%s"), args)]
        assert any("Bitmap Index Scan on asset_search" in line for line in plan), plan


def _filled(make) -> dict:
    """The fleet above and, at the Jaurès school, 45 laptops in its classrooms: a school
    whose searches run to pages."""
    fleet = build_fleet(make)
    rooms = [make.room(fleet["other"], name=f"Salle de classe {n}") for n in (1, 2, 3)]
    laptop = make.model(manufacturer="Dell", name="Latitude 7440")
    for n in range(45):
        make.asset(fleet["other"], model=laptop, room=rooms[n % 3],
                   serial=f"PC-{n:03d}", ip_address=f"10.0.1.{n + 1}" if n % 2 else None)
    return fleet


def test_the_migration_indexes_a_filled_database(empty_url, make):
    """m0029 on a database that already holds devices: the index is built from them
    (searches find what the rule says), on both engines."""
    import asyncio

    _filled(make)
    if empty_url.startswith("sqlite"):
        for statement in ("DROP TRIGGER asset_search_insert", "DROP TRIGGER asset_search_delete",
                          "DROP TRIGGER asset_search_update", "DROP TABLE asset_search"):
            execute(statement)
    else:
        execute("DROP INDEX asset_search")
    execute("DELETE FROM migration WHERE name = {}", "2026-12-02T13:00:00:000000")
    assert asyncio.run(migrate_current()) == ["2026-12-02T13:00:00:000000"]
    _index_is_whole()
    for term in ("brn-00001", "latitude", "mapa-20", "salle", "10.", "ec", "rien de tel"):
        found = asyncio_run_list(term)
        assert found == expected(term), term
        assert found or term == "rien de tel", term


def test_the_covering_index_gets_the_tag_on_a_filled_database(empty_url, make, run):
    """m0035 on a database that already holds devices: SQLite's covering index for a search
    within a site is rebuilt with the tag (the old one dropped), the search reads its
    matches from it alone, and finds what the rule says, page after page; PostgreSQL is
    left as it was."""
    school = _filled(make)["other"]["code"]
    m0035 = "2026-12-03T00:00:00:000000"
    sqlite = empty_url.startswith("sqlite")
    if sqlite:  # the index as m0016 made it
        execute("DROP INDEX asset_site_search_tag")
        execute("CREATE INDEX asset_site_search ON asset (site, search_text, model, room)")
    execute("DELETE FROM migration WHERE name = {}", m0035)
    assert run(migrate_current()) == [m0035]
    if sqlite:
        indexes = {r["name"] for r in query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'asset'")}
        assert "asset_site_search_tag" in indexes and "asset_site_search" not in indexes
        search = run(assets.resolve_search("latitude"))
        where, args = assets.queries.where(assets.AssetFilter(site=school, q="latitude"),
                                           EVERYTHING, dt.date(2026, 12, 3), search)
        plan = [r["detail"] for r in query(
            "EXPLAIN QUERY PLAN " + assets.queries.search_page_sql(where, False, 50, 0),
            *args)]
        assert any("COVERING INDEX asset_site_search_tag" in line for line in plan), plan
    site = query("SELECT id FROM site WHERE code = {}", school)[0]["id"]
    for term in ("latitude", "classe", "brn-00", "ec", "nothing-like-this"):
        want = expected(term, "asset.site = {}", site)
        assert want or term == "nothing-like-this", term
        found, page = [], 1
        while True:
            rows = run(assets.list_assets(assets.AssetFilter(site=school, q=term, page=page),
                                          EVERYTHING, page_size=20))
            found += [r["tag"] for r in rows.rows]
            if page >= rows.pages:
                break
            page += 1
        assert rows.total == len(want) and found == want, term
        if term == "latitude":
            assert rows.pages >= 3  # read page after page


def asyncio_run_list(term: str) -> list[str]:
    import asyncio

    async def run():
        engine = db.use(db.engine_from_url(db.current_url))
        await db.start_pool(engine, size=2)
        try:
            tags, after = [], ""
            while True:
                rows = await assets.page_after(assets.AssetFilter(q=term), EVERYTHING,
                                               after, 500)
                if not rows:
                    return tags
                tags += [r["tag"] for r in rows]
                after = rows[-1]["tag"]
        finally:
            await db.close_pool(engine)

    return asyncio.run(run())


TERMS = ("a", "é", "5e", "%", "_", "00", "sn-", "æquo", "zoe lefevre", "DUBOEUF", "mapa-2024",
         "10.20.30", "3C:4D", "tilleuls-01.commune", "100% sur_site", '"', "« ok »",
         "latitude 5540", "lumens ladibug", "refectoire", "local reseau", "autre-3",
         "rien a signaler", "brn-00000", "nothing-like-this", "x" * 100)


def test_sqlite_and_postgres_find_the_same_devices(templates, run):
    """The same devices, made the same way on both engines, are found alike by every term
    (and as the rule says): SQLite's trigram table and PostgreSQL's GIN index agree."""
    from tests.factories import Factory

    found = {}
    for kind in ("sqlite", "postgres"):
        db.configure(templates.copy(kind, "empty"))
        build_fleet(Factory(run))
        found[kind] = {term: asyncio_run_list(term) for term in TERMS}
        assert found[kind] == {term: expected(term) for term in TERMS}, kind
    assert found["sqlite"] == found["postgres"]
    assert all(found["sqlite"][t] for t in ("a", "æquo", "latitude 5540", "100% sur_site"))
