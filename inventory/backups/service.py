"""Making and restoring backup archives, recording each backup, and the overdue alert.

A backup reads the database at one moment (SQLite's online backup API copies it inside one
read transaction; on PostgreSQL one REPEATABLE READ transaction exports its snapshot, counts
the rows in it, and pg_dump dumps that same snapshot), then adds the stored files. Files are
read after the database: a photo is written before the transaction that names it commits, so
every file the backed-up database refers to is in the archive (a photo added meanwhile may
be there too, unreferenced). The archive is written under a temporary name and renamed when
complete, so a half-written archive never looks like a backup.

A restore checks everything it can before writing anything: the manifest, every member's
checksum, the engine, the migration level, and that the target database is empty.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import glob
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from inventory.backups import manifest as mf
from inventory.backups import retention
from inventory.core import clock
from inventory.core.db import fetch_small
from inventory.core.settings import Settings

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("inventory.backups")
MIGRATION_TABLE = "migration"  # Piccolo's record of applied migrations
# Rows the running service writes by itself (job claims, backup records): a database holding
# only these still counts as empty for a restore.
BOOKKEEPING_TABLES = {MIGRATION_TABLE, "job_run", "backup_run"}
EXCLUDED_DIRS = {"imports", "backups"}  # import files in progress; the archives themselves
ALERT_HOURS = 36
CHUNK = 1 << 20


class BackupFailed(Exception):
    pass


@dataclass
class Archive:
    path: Path
    size: int
    manifest: dict[str, Any]


@dataclass
class Restored:
    manifest: dict[str, Any]
    migrated: list[str] = field(default_factory=list)
    files: int = 0


def app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("inventory")
    except metadata.PackageNotFoundError:
        return "unknown"


def engine_of(url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgres"
    raise BackupFailed(f"Unsupported database URL: {url!r}")


def default_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "backups"


def pg_bin(tool: str, server_major: int | None = None) -> str:
    """The PostgreSQL client tool of the server's major version when installed (pg_dump
    refuses a newer server; pg_restore reads the format of its own version), else the
    newest installed."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                     key=lambda f: int(re.sub(r"\D", "", f.split("/")[-2]) or 0), reverse=True)
    if server_major is not None:
        exact = f"/usr/lib/postgresql/{server_major}/bin/{tool}"
        if os.path.exists(exact):
            return exact
    for folder in folders:
        if os.path.exists(os.path.join(folder, tool)):
            return os.path.join(folder, tool)
    found = shutil.which(tool)
    if not found:
        raise BackupFailed(f"{tool} not found: install the PostgreSQL client "
                           "(apt-get install postgresql-client)")
    return found


# --- reading the database at one moment -------------------------------------------------


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], list[str]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    applied = []
    if MIGRATION_TABLE in tables:
        applied = [r[0] for r in conn.execute(
            f"SELECT name FROM {MIGRATION_TABLE} WHERE app_name = 'inventory'")]
    return counts, applied


def _sqlite_snapshot(db_path: str, dest: Path) -> tuple[dict[str, int], list[str]]:
    source = sqlite3.connect(db_path, timeout=30)
    copy = sqlite3.connect(dest)
    try:
        # pages=-1 (all at once): one read transaction, so one consistent moment even while
        # the service writes (in WAL mode the writers do not wait for it).
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return _sqlite_counts(copy)
    finally:
        copy.close()
        source.close()


def _pg_tables(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]


def _pg_functions(conn: psycopg.Connection) -> list[str]:
    """The database's own functions (the asset tally's triggers'), as `name(arguments)`;
    not those of an extension (pg_trgm's)."""
    return [r[0] for r in conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public' "
        "WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
        "AND d.deptype = 'e') ORDER BY 1").fetchall()]


def _pg_value(conn: psycopg.Connection, sql: str) -> Any:
    """The value of a query that always answers one row (a count, a setting)."""
    row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _pg_counts(conn: psycopg.Connection) -> tuple[dict[str, int], list[str]]:
    tables = _pg_tables(conn)
    counts = {t: int(_pg_value(conn, f'SELECT COUNT(*) FROM public."{t}"')) for t in tables}
    applied = []
    if MIGRATION_TABLE in tables:
        applied = [r[0] for r in conn.execute(
            f"SELECT name FROM public.{MIGRATION_TABLE} WHERE app_name = 'inventory'")]
    return counts, applied


def _pg_major(conn: psycopg.Connection) -> int:
    return int(_pg_value(conn, "SHOW server_version_num")) // 10000


def _pg_snapshot(url: str, dest: Path) -> tuple[dict[str, int], list[str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        major = _pg_major(conn)
        conn.commit()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # The transaction's snapshot is taken by its first query: counts and pg_dump (which
        # imports the exported snapshot) see the same moment.
        snapshot = _pg_value(conn, "SELECT pg_export_snapshot()")
        counts, applied = _pg_counts(conn)
        done = subprocess.run(
            [pg_bin("pg_dump", major), "--format=custom", f"--snapshot={snapshot}",
             f"--file={dest}", f"--dbname={url}"],
            capture_output=True, text=True, timeout=3600)
        conn.rollback()
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return counts, applied


# --- the archive --------------------------------------------------------------------------


def _stored_files(data_dir: Path, skip: set[Path]) -> list[tuple[str, Path]]:
    """(archive name, path) of every stored file: photos and other documents; not the
    import files in progress, the archives, the SQLite database, or temporary folders."""
    found: list[tuple[str, Path]] = []
    if not data_dir.is_dir():
        return found
    for root, dirs, files in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (here == data_dir and d in EXCLUDED_DIRS)
                         and (here / d).resolve() not in skip)
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or path.is_symlink() or path.resolve() in skip:
                continue
            relative = path.relative_to(data_dir).as_posix()
            found.append((mf.FILES_PREFIX + relative, path))
    return found


class _Hashing(io.RawIOBase):
    """A file read through this is hashed on the way into the archive."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, members: dict[str, dict]) -> None:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(os.path.getmtime(path)), 0o600
        hashing = _Hashing(handle)
        tar.addfile(info, hashing)
    members[name] = {"sha256": hashing.sha.hexdigest(), "size": size}


def write_archive(database_url: str, data_dir: Path, target_dir: Path,
                  now: dt.datetime | None = None) -> Archive:
    """Write one archive into `target_dir` (blocking: run it in a thread)."""
    now = now or clock.now()
    engine = engine_of(database_url)
    data_dir, target_dir = Path(data_dir), Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    skip = {target_dir.resolve()}
    if engine == "sqlite":
        db_path = Path(database_url.removeprefix("sqlite:///")).resolve()
        skip |= {Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".backup-") as work:
        dump = Path(work) / mf.DATABASE_MEMBERS[engine]
        if engine == "sqlite":
            counts, applied = _sqlite_snapshot(str(db_path), dump)
        else:
            counts, applied = _pg_snapshot(database_url, dump)
        name = retention.archive_name(now)
        final = target_dir / name
        n = 1
        while final.exists():  # two backups in one second
            final = target_dir / name.replace(retention.ARCHIVE_SUFFIX,
                                              f"-{n}{retention.ARCHIVE_SUFFIX}")
            n += 1
        partial = Path(work) / "archive.partial"
        members: dict[str, dict] = {}
        with tarfile.open(partial, "w:gz") as tar:
            _add(tar, dump.name, dump, members)
            for member, path in _stored_files(data_dir, skip):
                try:
                    _add(tar, member, path, members)
                except FileNotFoundError:  # deleted while we walked: not part of the backup
                    continue
            manifest = mf.build(engine=engine, app_version=app_version(), migrations=applied,
                                counts=counts, members=members, created_at=now)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(mf.MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)  # it holds every account's password hash
        os.replace(partial, final)
    return Archive(final, final.stat().st_size, manifest)


def read_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Extract `archive` into the folder `into`, checking every member's checksum against
    the manifest; returns the manifest or raises ArchiveProblem. Writes nothing elsewhere."""
    found: dict[str, str] = {}
    manifest = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or not mf.safe_member_name(member.name):
                    raise mf.ArchiveProblem(f"Unexpected entry in the archive: {member.name!r}")
                source = tar.extractfile(member)
                assert source is not None  # a regular file (checked above)
                if member.name == mf.MANIFEST:
                    manifest = json.loads(source.read().decode("utf-8"))
                    continue
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                sha = hashlib.sha256()
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        out.write(chunk)
                found[member.name] = sha.hexdigest()
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise mf.ArchiveProblem(f"The archive cannot be read ({error}): it is damaged or "
                                "not a backup of this service.") from None
    if manifest is None:
        raise mf.ArchiveProblem("The archive has no manifest: it is not a backup of this "
                                "service, or it was cut short.")
    mf.check_structure(manifest)
    problems = mf.check_members(manifest, found)
    if problems:
        raise mf.ArchiveProblem("The archive is corrupted; nothing was restored:\n  "
                                + "\n  ".join(problems))
    return manifest


# --- restore ------------------------------------------------------------------------------


def database_rows(database_url: str) -> dict[str, int]:
    """Row counts of the target database's tables ({} when it has none)."""
    if engine_of(database_url) == "sqlite":
        path = database_url.removeprefix("sqlite:///")
        if not os.path.exists(path):
            return {}
        conn = sqlite3.connect(path, timeout=30)
        try:
            return _sqlite_counts(conn)[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(database_url) as pg:
        return _pg_counts(pg)[0]


def holds_data(counts: dict[str, int]) -> list[str]:
    return sorted(t for t, n in counts.items() if n and t not in BOOKKEEPING_TABLES)


def _restore_sqlite(url: str, dump: Path, expected: dict[str, int]) -> None:
    extracted = sqlite3.connect(dump)
    try:
        problems = mf.check_counts(expected, _sqlite_counts(extracted)[0])
    finally:
        extracted.close()
    if problems:  # checked on the extracted copy, before the target is touched
        raise mf.ArchiveProblem("The archive's database does not match its manifest:\n  "
                                + "\n  ".join(problems))
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)  # replaces the target's content in one transaction
        target.execute("PRAGMA journal_mode=WAL")
        problems = mf.check_counts(expected, _sqlite_counts(target)[0])
    finally:
        target.close()
        source.close()
    if problems:
        raise mf.ArchiveProblem("The restored database does not match the manifest:\n  "
                                + "\n  ".join(problems))


def _restore_postgres(url: str, dump: Path, expected: dict[str, int]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        major = _pg_major(conn)
        existing = _pg_tables(conn)
        functions = _pg_functions(conn)
    restored_sql = dump.parent / "restore.sql"
    script = subprocess.run(
        [pg_bin("pg_restore", major), "--no-owner", "--no-privileges",
         f"--file={restored_sql}", str(dump)], capture_output=True, text=True, timeout=3600)
    if script.returncode != 0:
        raise mf.ArchiveProblem("pg_restore cannot read the archive's database: "
                                + script.stderr.strip()[:500])
    # One transaction: drop what is there (empty, or --force), load the dump, check the
    # counts; any error or a wrong count rolls it all back.
    drops = "".join(f'DROP TABLE IF EXISTS public."{t}" CASCADE;\n' for t in existing)
    drops += "".join(f"DROP FUNCTION IF EXISTS {f} CASCADE;\n" for f in functions)
    checks = "".join(
        f"  IF (SELECT COUNT(*) FROM public.\"{t}\") <> {int(n)} THEN RAISE EXCEPTION "
        f"'restored rows of {t} differ from the manifest ({int(n)})'; END IF;\n"
        for t, n in expected.items() if re.fullmatch(r"[a-z_][a-z0-9_]*", t))
    with tempfile.NamedTemporaryFile("wb", suffix=".sql", dir=dump.parent, delete=False) as sql:
        sql.write(drops.encode())
        with open(restored_sql, "rb") as body:
            shutil.copyfileobj(body, sql, CHUNK)
        sql.write(f"\nDO $$\nBEGIN\n{checks}END $$;\n".encode())
    done = subprocess.run(
        [pg_bin("psql", major), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
         f"--dbname={url}", "-f", sql.name], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise mf.ArchiveProblem("The restore failed and was rolled back; the database is "
                                f"unchanged: {done.stderr.strip()[:800]}")


def _place_files(extracted: Path, data_dir: Path) -> int:
    base = extracted / mf.FILES_PREFIX.rstrip("/")
    placed = 0
    if not base.is_dir():
        return 0
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        target = data_dir / path.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        placed += 1
    return placed


async def restore(archive: Path, settings: Settings, *, force: bool = False) -> Restored:
    """Restore `archive` into the configured database and data folder, then migrate forward.
    Raises ArchiveProblem (nothing written) when anything is wrong before the restore."""
    from inventory.core import migrations

    url = settings.database_url
    engine = engine_of(url)
    archive = Path(archive)
    if not archive.is_file():
        raise mf.ArchiveProblem(f"No such archive: {archive}")
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as work:
        extracted = Path(work)
        manifest = await asyncio.to_thread(read_archive, archive, extracted)
        mf.check_engine(manifest, engine)
        pending = mf.check_level(manifest, migrations.known_migration_ids())
        occupied = holds_data(await asyncio.to_thread(database_rows, url))
        if occupied and not force:
            raise mf.ArchiveProblem(
                "The target database is not empty (it holds rows in "
                f"{', '.join(occupied[:6])}{'…' if len(occupied) > 6 else ''}): restore into "
                "an empty database, or add --force to replace its content.")
        dump = extracted / manifest["database"]
        restore_db = _restore_sqlite if engine == "sqlite" else _restore_postgres
        await asyncio.to_thread(restore_db, url, dump, manifest["counts"])
        files = await asyncio.to_thread(_place_files, extracted, data_dir)
    migrated = await migrations.migrate() if pending else []
    return Restored(manifest=manifest, migrated=migrated, files=files)


# --- recording, retention, the job and the alert -------------------------------------------


async def run_backup(settings: Settings, target_dir: Path | None = None,
                     trigger: str = "command") -> dict[str, Any]:
    """Make one backup and record it (success or failure); returns the recorded run."""
    from inventory.core.tables import BackupRun

    target_dir = Path(target_dir) if target_dir else default_dir(settings)
    started = clock.now()
    run = {"started_at": started, "trigger": trigger, "ok": False, "size": 0, "archive": "",
           "message": ""}
    try:
        made = await asyncio.to_thread(write_archive, settings.database_url,
                                       Path(settings.data_dir), target_dir, started)
        tables = len(made.manifest["counts"])
        files = sum(1 for m in made.manifest["members"] if m.startswith(mf.FILES_PREFIX))
        run.update(ok=True, size=made.size, archive=str(made.path),
                   message=f"{tables} tables, {files} files")
    except Exception as error:  # recorded and shown to administrators, never fatal
        run["message"] = f"{type(error).__name__}: {error}"[:2000]
        if isinstance(error, OSError | BackupFailed):  # a full disk, pg_dump's refusal...
            log.error("backup failed: %s", run["message"])
        else:
            log.exception("backup failed")
    run["finished_at"] = clock.now()
    # Piccolo's Table(**columns): mypy also matches the dict against _data/_ignore_missing.
    await BackupRun.insert(BackupRun(**run)).run()  # type: ignore[arg-type]
    return run


def prune(folder: Path, keep_daily: int, keep_monthly: int) -> list[str]:
    """Delete the archives retention does not keep; returns their names."""
    names = [p.name for p in Path(folder).iterdir() if p.is_file()]
    keep = retention.to_keep(names, keep_daily, keep_monthly)
    removed = sorted(set(names) - keep)
    for name in removed:
        (Path(folder) / name).unlink(missing_ok=True)
    return removed


async def nightly(settings: Settings) -> dict[str, Any]:
    """The job's work: a backup into the default folder, then retention there. A failure is
    recorded, then raised, so the job runner sees the run as failed."""
    folder = default_dir(settings)
    run = await run_backup(settings, folder, trigger="nightly")
    if not run["ok"]:
        raise BackupFailed(run["message"])
    removed = prune(folder, settings.backup_keep_daily, settings.backup_keep_monthly)
    if removed:
        log.info("backup retention removed %s", ", ".join(removed))
    return run


# Plain reads through the finished_at index (/healthz and the dashboard ask every time).
_RUNS = "SELECT * FROM backup_run"


async def last_runs() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the last backup run, the last successful one)."""
    last = await fetch_small(f"{_RUNS} ORDER BY finished_at DESC LIMIT 1")
    if not last or last[0]["ok"]:
        return (last[0], last[0]) if last else (None, None)
    good = await fetch_small(f"{_RUNS} WHERE ok = {{}} ORDER BY finished_at DESC LIMIT 1", True)
    return last[0], (good[0] if good else None)


async def installed_at() -> dt.datetime | None:
    rows = await fetch_small("SELECT ran_on FROM migration WHERE app_name = {} "
                             "ORDER BY ran_on LIMIT 1", "inventory")
    return _aware(rows[0]["ran_on"]) if rows else None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def status(now: dt.datetime | None = None) -> dict[str, Any]:
    """What the administrator's page, the dashboard and /healthz show."""
    now = now or clock.now()
    last, good = await last_runs()
    good_at = _aware(good["finished_at"]) if good else None
    return {
        "last": last,
        "last_ok": good,
        "age_s": int((now - good_at).total_seconds()) if good_at else None,
        "overdue": retention.overdue(good_at, await installed_at(), now, ALERT_HOURS),
    }


async def watch(settings: Settings, now: dt.datetime | None = None) -> bool:
    """Email the administrators when no backup succeeded for more than 36 hours, once per
    incident: the incident is named by the last success, so it is claimed (and mailed) once,
    and the next failure after a success is a new incident. True when it mailed."""
    from inventory.backups import emails
    from inventory.core import audit
    from inventory.core.leases import claim
    from inventory.core.tables import User
    from inventory.notifications import outbox
    from inventory.setup.service import effective

    base_url = (await effective(settings)).base_url  # the set-up's address unless fixed
    assert base_url is not None  # effective() fills it (the default at worst)
    now = now or clock.now()
    state = await status(now)
    if not state["overdue"]:
        return False
    incident = f"after-{state['last_ok']['id']}" if state["last_ok"] else "never"
    admins = [r["email"] for r in await User.select(User.email).where(
        (User.role == "administrator") & (User.active == True)).run()]  # noqa: E712
    async with audit.atomic():
        if not await claim("backup-alert", incident):
            return False
        for email in admins:
            await outbox.queue_for_user(
                email, lambda: emails.overdue(state, base_url))
    return True
