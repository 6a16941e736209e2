"""Backups and restore on both engines: the restore drill (back up while writes happen,
restore into a fresh database, compare every table and file), the refusals, an older
archive migrated forward, the recorded runs, retention, and the 36-hour alert."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import io
import itertools
import json
import tarfile
import threading
import time
from pathlib import Path

import pytest

from inventory.backups import manifest as mf
from inventory.backups import service as backups
from inventory.backups.retention import archive_name
from inventory.core import db, migrations
from inventory.core.settings import Settings
from tests.conftest import ADMIN

_n = itertools.count()


def _fresh_url(engine_kind: str, request, tmp_path: Path) -> str:
    """A new, empty database (no tables at all)."""
    if engine_kind == "sqlite":
        return f"sqlite:///{tmp_path / f'fresh-{next(_n)}' / 'inventory.db'}"
    return request.getfixturevalue("pg_server").create_database(f"fresh_{next(_n)}")


def _plain(row) -> tuple:
    """A row whose JSON values (dicts, lists on PostgreSQL) compare and hash as text."""
    return tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v
                 for v in row)


def _table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, read with the plain drivers."""
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
            return {t: sorted(map(_plain, conn.execute(f'SELECT * FROM "{t}"')), key=repr)
                    for t in tables}
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE'")]
        return {t: sorted(map(_plain, conn.execute(f'SELECT * FROM "{t}"')), key=repr)
                for t in tables}


def _columns(url: str, table: str) -> list[str]:
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position", (table,))]


def _restore(archive: Path, url: str, data_dir: Path, force: bool = False):
    """Restore as the command does: the configured engine is the target's."""
    db.configure(url)
    settings = Settings(database_url=url, data_dir=data_dir)
    return asyncio.run(backups.restore(archive, settings, force=force))


def _put_files(data_dir: Path) -> None:
    (data_dir / "photos").mkdir(parents=True)
    (data_dir / "photos" / "fault-1.jpg").write_bytes(b"\xff\xd8 not really a jpeg " * 50)
    (data_dir / "photos" / "fault-2.jpg").write_bytes(bytes(range(256)) * 40)
    (data_dir / "documents" / "contrats").mkdir(parents=True)
    (data_dir / "documents" / "contrats" / "maintenance-2026.pdf").write_bytes(b"%PDF-1.4 x")
    (data_dir / "imports").mkdir()
    (data_dir / "imports" / "in-progress.bin").write_bytes(b"half an upload")


def _files(data_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(data_dir).as_posix(): p.read_bytes()
            for p in data_dir.rglob("*") if p.is_file()}


def test_restore_drill_backs_up_one_moment_while_writes_happen(demo_url, engine_kind,
                                                               tmp_path, request):
    # On the demo: a whole installation, every table filled, restored and compared.
    from inventory.accounts.scope import Scope
    from inventory.assets import service as assets

    source_dir = tmp_path / "source"
    _put_files(source_dir)
    created: list[str] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    async def write() -> None:
        # Each asset: created (asset + audit row + tag sequence), then edited (version 2 +
        # another audit row), each step one transaction of the services.
        for i in range(400):
            if stop.is_set():
                return
            asset = await assets.create(
                {"site": "EE-CURIE", "category": "VISU", "serial": f"DRILL-{i}",
                 "status": "in_service"}, "drill", Scope(), prefix="BRN", digits=6)
            created.append(asset["tag"])
            await assets.update(asset["tag"], {"notes": f"drill {i}"}, None, "drill",
                                Scope())

    def writer() -> None:
        try:
            asyncio.run(write())
        except BaseException as error:  # reported by the test below
            failures.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    while len(created) < 3 and time.monotonic() < deadline and not failures:
        time.sleep(0.01)
    before = len(created)
    archive = backups.write_archive(demo_url, source_dir, tmp_path / "out")
    after = len(created)
    while len(created) < after + 3 and time.monotonic() < deadline and not failures:
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert not failures, failures
    assert before >= 3 and len(created) > after  # writes went on before and after it
    manifest = archive.manifest
    assert manifest["engine"] == engine_kind
    assert manifest["migration"] == migrations.known_migration_ids()[-1]
    assert manifest["database"] in manifest["members"]
    assert "files/imports/in-progress.bin" not in manifest["members"]

    target_url = _fresh_url(engine_kind, request, tmp_path)
    target_dir = tmp_path / "restored"
    restored = _restore(archive.path, target_url, target_dir)
    assert restored.migrated == [] and restored.files == 3

    source, copy = _table_rows(demo_url), _table_rows(target_url)
    # One consistent moment: the restored counts are the manifest's, table by table.
    assert {t: len(rows) for t, rows in copy.items()} == manifest["counts"]
    assert set(copy) == set(source)
    # The writes were inserts into asset and audit_record and an update of tag_sequence
    # (also the tables the same statements' triggers write: the count changes log,
    # asset_tally_change, and on SQLite the search index's asset_search*): every other
    # table is identical, row by row.
    changed = {t for t in source if source[t] != copy[t]}
    assert {t for t in changed if not t.startswith("asset_search")} <= {
        "asset", "audit_record", "tag_sequence", "asset_tally_change"}, changed

    # The drill's assets in the backup are the first k created, each one whole.
    columns = _columns(target_url, "asset")
    tag_at, version_at, notes_at = (columns.index(c) for c in ("tag", "version", "notes"))
    restored_assets = {row[tag_at]: row for row in copy["asset"]}
    in_backup = [tag for tag in created if tag in restored_assets]
    k = len(in_backup)
    assert in_backup == created[:k] and before <= k <= after + 1
    for i, tag in enumerate(in_backup):
        row = restored_assets[tag]
        # Created then edited: the last one may have been caught between its two steps.
        assert (row[version_at], row[notes_at]) in ({(2, f"drill {i}")} if i < k - 1
                                                    else {(1, ""), (2, f"drill {i}")})
    audit_columns = _columns(target_url, "audit_record")
    key_at = audit_columns.index("entity_key")
    for tag in in_backup:
        audits = [r for r in copy["audit_record"] if r[key_at] == tag]
        assert len(audits) == restored_assets[tag][version_at]  # one per committed step
    # Nothing else differs: the other assets are identical, and the audit rows missing
    # from the backup are those of writes made after its moment.
    others = {t: r for t, r in restored_assets.items() if t not in created}
    assert sorted(others.values(), key=repr) == sorted(
        (r for r in source["asset"] if r[tag_at] not in created), key=repr)
    source_audit, copy_audit = set(source["audit_record"]), set(copy["audit_record"])
    assert copy_audit <= source_audit
    assert {r[key_at] for r in source_audit - copy_audit} <= set(created[k - 1:])

    # Every stored file, byte for byte; the import in progress stays out.
    expected = {n: b for n, b in _files(source_dir).items() if not n.startswith("imports/")}
    assert _files(target_dir) == expected


def test_restore_refuses_a_database_that_holds_data_unless_forced(demo_url, engine_kind,
                                                                  tmp_path, request):
    # On the demo: a whole installation, every table filled, restored and compared.
    data_dir = tmp_path / "data"
    _put_files(data_dir)
    archive = backups.write_archive(demo_url, data_dir, tmp_path / "out")
    # Another database holding data: refused, and left as it was.
    other = _fresh_url(engine_kind, request, tmp_path)
    db.configure(other)
    asyncio.run(migrations.migrate())
    if engine_kind == "sqlite":
        import sqlite3

        with sqlite3.connect(other.removeprefix("sqlite:///")) as conn:
            conn.execute("INSERT INTO category (code, name, lifespan_years) "
                         "VALUES ('AUTRE', 'Autre', 5)")
    else:
        import psycopg

        with psycopg.connect(other) as conn:
            conn.execute("INSERT INTO category (code, name, lifespan_years) "
                         "VALUES ('AUTRE', 'Autre', 5)")
    before = _table_rows(other)
    with pytest.raises(mf.ArchiveProblem, match="not empty .*--force"):
        _restore(archive.path, other, tmp_path / "other-data")
    assert _table_rows(other) == before
    assert not (tmp_path / "other-data" / "photos").exists()

    restored = _restore(archive.path, other, tmp_path / "other-data", force=True)
    after = _table_rows(other)
    assert {t: len(r) for t, r in after.items()} == restored.manifest["counts"]
    assert after == _table_rows(demo_url)


def _corrupt(archive: Path, target: Path) -> None:
    """Rewrite `archive` with one byte of its database changed, its manifest untouched."""
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as tar, tarfile.open(fileobj=out, mode="w:gz") as new:
        for member in tar:
            data = bytearray(tar.extractfile(member).read())
            if member.name.startswith("database."):
                data[len(data) // 2] ^= 0xFF
            new.addfile(member, io.BytesIO(bytes(data)))
    target.write_bytes(out.getvalue())


def test_a_corrupted_archive_is_refused_and_nothing_is_written(empty_url, make, engine_kind,
                                                               tmp_path, request):
    make.assets(3)
    data_dir = tmp_path / "data"
    _put_files(data_dir)
    archive = backups.write_archive(empty_url, data_dir, tmp_path / "out")
    target = _fresh_url(engine_kind, request, tmp_path)
    target_dir = tmp_path / "target-data"

    corrupted = tmp_path / "corrupted.tar.gz"
    _corrupt(archive.path, corrupted)
    with pytest.raises(mf.ArchiveProblem, match="database.*checksum mismatch"):
        _restore(corrupted, target, target_dir)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.path.read_bytes()[:-3000])
    with pytest.raises(mf.ArchiveProblem, match="cannot be read|no manifest"):
        _restore(cut, target, target_dir)
    not_gzip = tmp_path / "notes.tar.gz"
    not_gzip.write_text("hello")
    with pytest.raises(mf.ArchiveProblem, match="cannot be read"):
        _restore(not_gzip, target, target_dir)

    assert backups.database_rows(target) == {}  # no table was even created
    assert [p for p in target_dir.rglob("*")] == []  # no file, no leftover folder


def test_an_older_archive_is_migrated_forward(engine_kind, tmp_path, request):
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from inventory.core.piccolo_migrations import m0022_backup_runs

    # The level just before backup_run existed (not a position from the end: later
    # migrations keep coming).
    known = migrations.known_migration_ids()
    older_level = max(i for i in known if i < m0022_backup_runs.ID)
    later = [i for i in known if i > older_level]
    source = _fresh_url(engine_kind, request, tmp_path)
    db.configure(source)

    async def migrate_to_older() -> None:
        result = await run_forwards("inventory", migration_id=older_level)
        assert result.success, result.message

    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(migrate_to_older())
    assert asyncio.run(migrations.pending_migration_ids()) == later
    sql = "INSERT INTO site (code, name, kind, uai, address) VALUES ('EE-OLD', 'École', 'school', '', '')"
    if engine_kind == "sqlite":
        import sqlite3

        with sqlite3.connect(source.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
    else:
        import psycopg

        with psycopg.connect(source) as conn:
            conn.execute(sql)
    archive = backups.write_archive(source, tmp_path / "data", tmp_path / "out")
    assert archive.manifest["migration"] == older_level
    assert "backup_run" not in archive.manifest["counts"]  # m0022 came later

    target = _fresh_url(engine_kind, request, tmp_path)
    restored = _restore(archive.path, target, tmp_path / "restored")
    assert restored.migrated == later
    assert asyncio.run(migrations.pending_migration_ids()) == []
    counts = backups.database_rows(target)
    assert counts["site"] == 1 and counts["backup_run"] == 0


def test_a_newer_or_cross_engine_archive_is_refused(empty_url, make, engine_kind, tmp_path,
                                                    request):
    make.assets(3)
    archive = backups.write_archive(empty_url, tmp_path / "data", tmp_path / "out")
    # Pretend it comes from a later version of the service: a migration this code lacks.
    out = io.BytesIO()
    with tarfile.open(archive.path, "r:gz") as tar, tarfile.open(fileobj=out, mode="w:gz") as new:
        for member in tar:
            data = tar.extractfile(member).read()
            if member.name == mf.MANIFEST:
                manifest = json.loads(data)
                manifest["migrations"].append("2099-01-01T00:00:00:000000")
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    newer = tmp_path / "newer.tar.gz"
    newer.write_bytes(out.getvalue())
    target = _fresh_url(engine_kind, request, tmp_path)
    with pytest.raises(mf.ArchiveProblem, match="newer version of the service"):
        _restore(newer, target, tmp_path / "restored")
    other_kind = "postgres" if engine_kind == "sqlite" else "sqlite"
    if other_kind == "sqlite":
        other = _fresh_url("sqlite", request, tmp_path)
    else:
        other = request.getfixturevalue("pg_server").create_database(f"other_{next(_n)}")
    with pytest.raises(mf.ArchiveProblem, match="restoring across engines is not supported"):
        _restore(archive.path, other, tmp_path / "restored")
    assert backups.database_rows(target) == {} and backups.database_rows(other) == {}


def test_each_run_is_recorded_and_the_nightly_job_keeps_what_retention_says(empty_url, make,
                                                                            tmp_path, run):
    from inventory.core.tables import BackupRun

    data_dir = tmp_path / "data"
    folder = data_dir / "backups"
    folder.mkdir(parents=True)
    old = [archive_name(dt.datetime(2026, 1, d, 1, tzinfo=dt.UTC)) for d in (5, 6, 7)]
    for name in old:
        (folder / name).write_bytes(b"old")
    make.assets(3)
    settings = Settings(database_url=empty_url, data_dir=data_dir, backup_keep_daily=2,
                        backup_keep_monthly=1)

    nightly = run(backups.nightly(settings))
    assert nightly["ok"] and nightly["size"] == Path(nightly["archive"]).stat().st_size
    # Kept: today's and 7 January (the two last days), and this month's newest (today's).
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [old[2], Path(nightly["archive"]).name])

    (tmp_path / "a-file").write_text("not a folder")
    failed = run(backups.run_backup(settings, tmp_path / "a-file" / "x"))
    assert not failed["ok"] and failed["message"]
    # The job's failure is recorded, then raised (the job runner logs it); nothing pruned.
    blocked = Settings(database_url=empty_url, data_dir=tmp_path / "a-file")
    with pytest.raises(backups.BackupFailed):
        run(backups.nightly(blocked))

    rows = run(BackupRun.select().order_by(BackupRun.id).run())
    assert [(r["trigger"], r["ok"]) for r in rows] == [
        ("nightly", True), ("command", False), ("nightly", False)]
    assert rows[0]["size"] > 0 and rows[0]["archive"].endswith(".tar.gz")
    assert rows[1]["size"] == 0 and "Error" in rows[1]["message"]


def _record(run, hours_ago: float, ok: bool = True) -> None:
    from inventory.core.tables import BackupRun

    moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    run(BackupRun.insert(BackupRun(started_at=moment, finished_at=moment, trigger="nightly",
                                   ok=ok, size=123456 if ok else 0,
                                   archive="x.tar.gz" if ok else "",
                                   message="28 tables, 0 files" if ok else "OSError: disk full")
                         ).run())


def test_the_dashboard_and_healthz_show_a_backup_missing_for_36_hours(empty_client, make, run):
    alert = "No backup has succeeded for more than 36 hours."
    make.installation()
    director = make.account("director")
    admin = empty_client
    assert alert not in admin.get("/").text  # installed just now: not yet an incident
    assert admin.get("/healthz").json()["last_backup_age_s"] is None

    _record(run, hours_ago=40)
    _record(run, hours_ago=2, ok=False)
    page = admin.get("/").text
    assert alert in page
    health = admin.get("/healthz").json()
    assert 40 * 3600 - 60 < health["last_backup_age_s"] < 40 * 3600 + 60
    assert health["last_backup_ok"] is False
    backups_page = admin.get("/admin/backups").text
    assert "OSError: disk full" in backups_page and "120.6 KB" in backups_page
    make.sign_in(admin, director)
    assert admin.get("/").text.count(alert) == 0
    assert admin.get("/admin/backups").status_code == 403

    _record(run, hours_ago=0.5)
    make.sign_in(admin, "administrator")
    assert alert not in admin.get("/").text
    assert admin.get("/healthz").json()["last_backup_ok"] is True


def test_the_administrators_dashboard_says_at_a_glance_last_nights_backup_and_the_emails(
        empty_client, make, run):
    """Done when of issue 15: an administrator sees at a glance, on the dashboard, that last
    night's backup and this morning's emails went out (and what did not)."""
    from inventory.notifications import outbox
    from tests.helpers import execute, query

    make.installation()
    admin = empty_client
    page = admin.get("/").text
    assert "No backup yet" in page and 'href="/admin/backups"' in page
    _record(run, hours_ago=30)
    _record(run, hours_ago=6)
    for n in range(5):
        run(outbox.queue(f"p{n}@commune.example", f"Sujet {n}", "Corps"))
    ids = [r["id"] for r in query("SELECT id FROM outbox ORDER BY id")]
    assert len(ids) == 5
    execute("UPDATE outbox SET state = 'sent', sent_at = {} WHERE id IN ({}, {})",
            dt.datetime.now(dt.UTC) - dt.timedelta(hours=3), ids[0], ids[1])
    execute("UPDATE outbox SET state = 'sent', sent_at = {} WHERE id = {}",
            dt.datetime.now(dt.UTC) - dt.timedelta(hours=30), ids[2])  # not today's
    execute("UPDATE outbox SET state = 'failed', attempts = 8 WHERE id = {}", ids[3])
    page = admin.get("/").text
    glance = page[page.index('id="operations"'):]
    glance = glance[:glance.index("</section>")]
    assert "Succeeded" in glance and "120.6 KB" in glance
    assert "2 sent in the last 24 hours" in glance, glance
    assert "1 waiting" in glance and "1 failed" in glance and 'href="/admin/outbox"' in glance
    for role in ("director", "planner"):
        make.sign_in(admin, role)
        assert 'id="operations"' not in admin.get("/").text, role


def test_the_administrators_are_emailed_once_per_incident(empty_url, make, tmp_path, run):
    from inventory.core.tables import User
    from inventory.notifications.outbox import pending

    settings = Settings(database_url=empty_url, data_dir=tmp_path)
    second = make.account("administrator")
    make.account("technician")  # not told
    admins = run(User.select(User.email).where(User.role == "administrator").run())
    assert sorted(a["email"] for a in admins) == sorted([ADMIN, second["email"]])

    def mails() -> list[dict]:
        return [m for m in run(pending()) if "36" in m["subject"]]

    assert run(backups.watch(settings)) is False and mails() == []
    _record(run, hours_ago=50)
    _record(run, hours_ago=20, ok=False)
    assert run(backups.watch(settings)) is True
    assert run(backups.watch(settings)) is False  # the next hour: same incident, no mail
    first = mails()
    assert sorted(m["to_address"] for m in first) == sorted(a["email"] for a in admins)
    assert "disk full" in first[0]["body"] and "/admin/backups" in first[0]["body"]

    _record(run, hours_ago=39)  # a success, then silence again: a new incident
    assert run(backups.watch(settings)) is True
    assert len(mails()) == 2 * len(admins)


def test_the_backup_and_restore_commands(demo_url, engine_kind, tmp_path, request,
                                         monkeypatch, capsys):
    # On the demo: the commands on a whole installation, every table filled.
    from inventory import cli

    monkeypatch.setenv("INVENTORY_DATABASE_URL", demo_url)
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["backup", "--to", str(tmp_path / "out")]) == 0
    archive = next((tmp_path / "out").glob("inventory-backup-*.tar.gz"))
    assert f"Backup written: {archive}" in capsys.readouterr().out
    with gzip.open(archive) as raw, tarfile.open(fileobj=raw) as tar:
        assert tar.getnames()[-1] == mf.MANIFEST

    # Into the same (non-empty) database: refused with the reason, then forced.
    assert cli.main(["restore", str(archive)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert cli.main(["restore", str(archive), "--force"]) == 0
    assert "counts checked" in capsys.readouterr().out
    target = _fresh_url(engine_kind, request, tmp_path)
    monkeypatch.setenv("INVENTORY_DATABASE_URL", target)
    assert cli.main(["restore", str(archive)]) == 0
    assert _table_rows(target)["asset"] == _table_rows(demo_url)["asset"]
