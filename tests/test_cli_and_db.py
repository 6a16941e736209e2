"""The command line, migrations on both engines, and SQLite's settings."""

import csv
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import uai

INVENTORY = str(Path(sys.executable).parent / "inventory")


def _cli(url, *args, check=True):
    env = {**os.environ, "INVENTORY_DATABASE_URL": url}
    result = subprocess.run([INVENTORY, *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_migrate_is_idempotent_and_demo_fills_once(empty_url):
    assert "up to date" in _cli(empty_url, "migrate").stdout
    assert "Demo commune created: 13 sites" in _cli(empty_url, "demo", "--assets", "120").stdout
    again = _cli(empty_url, "demo", check=False)
    assert again.returncode == 1 and "empty database" in again.stderr
    assert _cli(empty_url, "demo", "--if-empty").returncode == 0


def test_migration_fills_the_search_text_of_existing_assets(empty_url, make):
    """m0015 fills asset.search_text for assets written before it existed (and the services
    write it for their own)."""
    from tests.helpers import assert_search_text_current, execute, query

    school = make.site(name="École élémentaire Jules-Ferry")
    room = make.room(school, name="Salle informatique")
    make.asset(room=room, model=make.model(manufacturer="Fabricant Fictif", name="Tableau 88"),
               serial="SN-0001", hostname="tni-ferry-01", notes="Lampe changée")
    make.assets(3, site=school, serial="SN-0002", supplier="Fournisseur Fictif SARL")
    assert_search_text_current()
    execute("UPDATE asset SET search_text = ''")
    execute("DELETE FROM migration WHERE name = {}", "2026-11-22T19:40:00:000000")
    assert "Applied 1 migration" in _cli(empty_url, "migrate").stdout
    assert_search_text_current()
    assert query("SELECT COUNT(*) AS n FROM asset WHERE search_text = ''")[0]["n"] == 0


def test_export_assets_csv(empty_url, make):
    school = make.site(uai=uai(990_004))
    for n in range(6):
        make.asset(site=school, room=make.room(school) if n % 2 else None,
                   model=make.model(), serial=f"SN-{n}", purchase_date=f"202{n}-03-0{n + 1}",
                   purchase_price_eur=f"{1000 + n},50", warranty_end=f"203{n}-03-01")
    out = _cli(empty_url, "export", "assets", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6
    required = {"tag", "category", "manufacturer", "model", "serial", "site", "site_uai", "room",
                "status", "purchase_date", "purchase_price_eur", "warranty_end",
                "end_of_life_year"}
    assert required <= set(rows[0])
    assert rows[0]["tag"] == "BRN-000001"
    assert rows[0]["purchase_date"] == "2020-03-01"  # ISO
    assert rows[0]["purchase_price_eur"] == "1000.50"
    assert rows[0]["site_uai"] == school["uai"] and rows[1]["room"]
    assert [r["tag"] for r in rows] == sorted(r["tag"] for r in rows)


def test_export_neutralises_formulas():
    from inventory.exporting.columns import neutralise

    assert neutralise("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("plain") == "plain"
    assert neutralise(12) == 12


def test_fresh_database_from_empty_on_a_new_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'new.db'}"
    from inventory.core.migrations import known_migration_ids

    applied = _cli(url, "migrate").stdout
    assert f"Applied {len(known_migration_ids())} migration(s)" in applied
    assert "up to date" in _cli(url, "migrate").stdout


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(tmp_path, run):
    from inventory.core import db, migrations
    from inventory.core.tables import Asset

    url = f"sqlite:///{tmp_path / 'wal.db'}"
    engine = db.configure(url)
    run(migrations.migrate())
    with sqlite3.connect(tmp_path / "wal.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    async def pragmas():
        connection = await engine.get_connection()
        try:
            fk = await (await connection.execute("PRAGMA foreign_keys")).fetchone()
            busy = await (await connection.execute("PRAGMA busy_timeout")).fetchone()
            return fk, busy
        finally:
            await connection.close()

    fk, busy = run(pragmas())
    assert list(fk.values())[0] == 1
    assert list(busy.values())[0] >= 5000
    # Foreign keys are enforced: an asset cannot point at a missing site.
    with pytest.raises(Exception, match="FOREIGN KEY"):
        run(Asset.insert(Asset(tag="X-1", category=999, site=999)).run())


def test_a_bounded_read_moves_to_the_pool_when_it_runs_too_long(tmp_path):
    """fetch_bounded answers the same rows whether the query finished on the event loop's
    thread or was abandoned there (over its budget) and run again on a pooled connection."""
    import asyncio

    from inventory.core import db

    path = tmp_path / "bounded.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (n INTEGER, s TEXT)")
        conn.execute("INSERT INTO t WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                     "FROM c WHERE n < 50000) SELECT n, 'row ' || n FROM c")
    sql = "SELECT COUNT(*) AS n, MAX(s) AS last FROM t WHERE s LIKE {}"
    expected = [{"n": 5000, "last": "row 9999"}]
    previous = db.current_engine()
    engine = db.use(db.engine_from_url(f"sqlite:///{path}"))
    pooled = []

    async def scenario():
        await db.start_pool(engine, size=2)
        run_pooled = engine._run_pooled

        async def counting(query, args):
            pooled.append(query)
            return await run_pooled(query, args)

        engine._run_pooled = counting
        try:
            quick = await db.fetch_bounded(sql, "%9", budget_s=60)
            assert not pooled  # answered on the loop's thread
            abandoned = await db.fetch_bounded(sql, "%9", budget_s=0)
            assert pooled  # abandoned there at once, answered by the pool
            assert await db.fetch_bounded(sql, "%9", budget_s=60) == expected  # still usable
            return quick, abandoned
        finally:
            await db.close_pool(engine)

    try:
        quick, abandoned = asyncio.run(scenario())
    finally:
        db.use(previous)
    assert quick == abandoned == expected


def test_plain_tuples_hold_what_dict_rows_hold_on_both_engines(empty_url, make):
    """fetch_tuples (the plan's fleet) answers the values fetch_all does, in the SELECT's
    order, with or without the pool and inside a transaction; SQLite's dates as ISO text."""
    import asyncio
    import datetime as dt

    from inventory.core import db
    from inventory.core.audit import reading

    school = make.site()
    rooms = [make.room(school), None]
    for n in range(45):
        make.asset(site=school, room=rooms[n % 2], purchase_date="2021-09-01",
                   warranty_end="2026-09-01" if n % 3 else None)
    sql = ("SELECT id, tag, site, room, warranty_end, eol_year FROM asset WHERE id > {} "
           "ORDER BY id LIMIT 40")
    previous = db.current_engine()
    engine = db.use(db.engine_from_url(empty_url))

    def plain(value):
        return value.isoformat() if isinstance(value, dt.date) else value

    async def read_all() -> tuple:
        dicts = await db.fetch_all(sql, 3)
        unpooled = await db.fetch_tuples(sql, 3)
        await db.start_pool(engine, size=2)
        try:
            pooled = await db.fetch_tuples(sql, 3)
            async with reading():
                inside = await db.fetch_tuples(sql, 3)
        finally:
            await db.close_pool(engine)
        return dicts, unpooled, pooled, inside

    try:
        dicts, *tuples = asyncio.run(read_all())
    finally:
        db.use(previous)
    expected = [tuple(plain(v) for v in row.values()) for row in dicts]
    assert len(expected) == 40 and any(row[4] for row in expected)
    for rows in tuples:
        assert [tuple(plain(v) for v in row) for row in rows] == expected
    if empty_url.startswith("sqlite"):
        assert isinstance(next(row[4] for row in tuples[1] if row[4]), str)


def test_healthz_reports_pending_migrations(tmp_path):
    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    with TestClient(create_app(Settings(database_url=url))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrated"] is False


def test_the_serving_app_freezes_its_start_up_objects(tmp_path):
    """`inventory serve` leaves start-up objects out of the collector's passes; apps built
    elsewhere (tests, commands) do not, or what they leave behind would never be freed."""
    import gc

    from litestar.testing import TestClient

    from inventory.app import create_app
    from inventory.core.settings import Settings

    url = f"sqlite:///{tmp_path / 'frozen.db'}"
    try:
        with TestClient(create_app(Settings(database_url=url))):
            assert gc.get_freeze_count() == 0
        app = create_app(Settings(database_url=url), freeze_gc=True)
        with TestClient(app) as client:
            # Served at once, while the warm-up compiles the templates in the background.
            assert client.get("/healthz").status_code == 503  # unmigrated, and still served
            deadline = time.monotonic() + 120
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gc.get_freeze_count() > 10_000
            # Frozen after every template was compiled, in each language: none is left for
            # a request to compile on the event loop.
            for environment in app.template_engine.environments.values():
                names = environment.list_templates()
                assert len(names) > 50
                assert environment.cache is not None and len(environment.cache) >= len(names)
    finally:
        gc.unfreeze()


def test_dockerfile_passes_hadolint():
    root = Path(__file__).resolve().parent.parent
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(root / "Dockerfile")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (root / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "USER 10001" in text and "VOLUME" in text and "0.0.0.0" in text
