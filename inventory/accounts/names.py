"""People by their names: records keep the acting account's email (stable, unique), pages
show its display name. The names of all accounts (a few hundred at most) are read once in
a while per database and shared by the requests of this process."""

from __future__ import annotations

import time

from inventory.core import db
from inventory.core.fields import actor_word
from inventory.core.tables import User

FRESH_FOR_S = 30  # another instance's renames show within this delay; ours at once
# By database URL (None: an engine set with db.use() alone, as some tests do).
_cache: dict[str | None, tuple[float, dict[str, str]]] = {}


def display_name(name: str | None, email: str) -> str:
    """An account's name as pages show it: its display name, or its email when it has none."""
    return (name or "").strip() or email


async def refresh() -> None:
    """Read the names again when the copy of this database is stale (called per request)."""
    url = db.current_url
    held = _cache.get(url)
    if held is not None and time.monotonic() - held[0] < FRESH_FOR_S:
        return
    rows = await User.select(User.email, User.name).run()
    _cache[url] = (time.monotonic(), {r["email"]: r["name"].strip() for r in rows
                                      if (r["name"] or "").strip()})


def forget() -> None:
    """An account was created or renamed here: read the names again on the next request."""
    _cache.pop(db.current_url, None)


def person(value: str | None) -> str:
    """The name to show for a stored actor (an account's email, or a process such as
    "demo" or "cli"): the account's display name when it has one."""
    if not value:
        return ""
    held = _cache.get(db.current_url)
    return (held[1].get(value) if held else None) or actor_word(value)
