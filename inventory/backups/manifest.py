"""The manifest of a backup archive, and the checks a restore makes against it. Pure.

An archive is a gzip-compressed tar holding the database (`database.sqlite3`, a copy made
with SQLite's online backup API, or `database.pgdump`, pg_dump's custom format), the stored
files under `files/` (photos and other documents of INVENTORY_DATA_DIR) and, last,
`manifest.json`, which lists every other member with its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgres": "database.pgdump"}
FILES_PREFIX = "files/"


class ArchiveProblem(Exception):
    """An archive that cannot be restored here; the message says why, for a person."""


def build(*, engine: str, app_version: str, migrations: list[str], counts: dict[str, int],
          members: dict[str, dict[str, Any]], created_at: dt.datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "app_version": app_version,
        "created_at": created_at.isoformat(),
        "engine": engine,
        # The migration level is the last migration applied (ids sort by date).
        "migration": max(migrations) if migrations else None,
        "migrations": sorted(migrations),
        "counts": dict(sorted(counts.items())),
        "database": DATABASE_MEMBERS[engine],
        "members": dict(sorted(members.items())),
    }


def safe_member_name(name: str) -> bool:
    """Only plain relative paths: no absolute path, no `..`, no backslash or NUL."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    normal = posixpath.normpath(name)
    return normal == name and not normal.startswith("../") and normal != ".."


def check_structure(manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveProblem("This file is not a backup archive of this service (or of an "
                             "unknown format version).")
    for key in ("engine", "counts", "members", "database", "migrations"):
        if key not in manifest:
            raise ArchiveProblem(f"The archive's manifest lacks {key!r}: it is damaged.")
    if manifest["engine"] not in DATABASE_MEMBERS:
        raise ArchiveProblem(f"Unknown database engine in the archive: {manifest['engine']!r}.")
    if manifest["database"] not in manifest["members"]:
        raise ArchiveProblem("The archive holds no database: it is damaged.")


def check_members(manifest: dict[str, Any], found: dict[str, str]) -> list[str]:
    """Problems between the manifest's members and the members found ({name: sha256})."""
    problems = []
    expected = manifest["members"]
    for name, info in expected.items():
        if name not in found:
            problems.append(f"{name}: missing from the archive")
        elif found[name] != info.get("sha256"):
            problems.append(f"{name}: checksum mismatch (the archive is corrupted)")
    for name in sorted(set(found) - set(expected)):
        problems.append(f"{name}: not listed in the manifest")
    return problems


def check_counts(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    """Problems between the row counts of the manifest and those of the restored database."""
    problems = []
    for table, n in sorted(expected.items()):
        got = actual.get(table)
        if got != n:
            problems.append(f"{table}: {got if got is not None else 'no table'} rows "
                            f"restored, {n} expected")
    return problems


def check_engine(manifest: dict[str, Any], engine: str) -> None:
    if manifest["engine"] != engine:
        raise ArchiveProblem(
            f"This archive holds a {manifest['engine']} database and the target is "
            f"{engine}: restoring across engines is not supported (restore it into a "
            f"{manifest['engine']} database).")


def check_level(manifest: dict[str, Any], known: tuple[str, ...] | list[str]) -> list[str]:
    """The migrations a restore will apply after restoring (the archive is older), or
    ArchiveProblem when the archive comes from a newer version of the service."""
    unknown = sorted(set(manifest["migrations"]) - set(known))
    if unknown:
        raise ArchiveProblem(
            "This archive comes from a newer version of the service (unknown migrations: "
            f"{', '.join(unknown)}): upgrade the service before restoring it.")
    return [m for m in known if m not in set(manifest["migrations"])]
