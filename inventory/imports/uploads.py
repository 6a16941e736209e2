"""Uploaded files waiting for their column mapping: kept under the data folder
(data_dir/imports/<random id>.bin, with <id>.json saying who uploaded what), never in the
database. Each belongs to the person who uploaded it; files older than a day are swept."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from inventory.core import clock
from inventory.core.errors import NotFound

MAX_AGE_S = 24 * 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def folder(data_dir: Path) -> Path:
    path = Path(data_dir) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(data_dir: Path, user_id: int | None, filename: str, data: bytes) -> str:
    sweep(data_dir)
    upload_id = secrets.token_urlsafe(18)
    base = folder(data_dir)
    (base / f"{upload_id}.bin").write_bytes(data)
    (base / f"{upload_id}.json").write_text(json.dumps(
        {"user_id": user_id, "filename": Path(filename or "").name[:200],
         "size": len(data), "at": clock.seconds()}), encoding="utf-8")
    return upload_id


def load(data_dir: Path, upload_id: str, user_id: int | None) -> tuple[Path, dict[str, Any]]:
    """The upload's file and description; NotFound when it is gone or someone else's."""
    if not _ID.match(upload_id):
        raise NotFound(upload_id)
    base = folder(data_dir)
    meta_path, data_path = base / f"{upload_id}.json", base / f"{upload_id}.bin"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(upload_id) from None
    if meta.get("user_id") != user_id or not data_path.is_file():
        raise NotFound(upload_id)
    return data_path, meta


def finish(data_dir: Path, upload_id: str, outcome: dict[str, Any]) -> None:
    """The file has been imported: drop it, keep what the result page shows."""
    base = folder(data_dir)
    (base / f"{upload_id}.bin").unlink(missing_ok=True)
    meta_path = base / f"{upload_id}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["outcome"] = outcome
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def outcome(data_dir: Path, upload_id: str, user_id: int | None) -> dict[str, Any]:
    if not _ID.match(upload_id):
        raise NotFound(upload_id)
    try:
        meta = json.loads((folder(data_dir) / f"{upload_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(upload_id) from None
    if meta.get("user_id") != user_id or "outcome" not in meta:
        raise NotFound(upload_id)
    return meta


def discard(data_dir: Path, upload_id: str) -> None:
    base = folder(data_dir)
    for suffix in (".bin", ".json"):
        (base / f"{upload_id}{suffix}").unlink(missing_ok=True)


def sweep(data_dir: Path, max_age: int = MAX_AGE_S) -> None:
    limit = clock.seconds() - max_age
    for path in folder(data_dir).iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
