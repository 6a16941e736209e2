"""Small helpers shared by the HTTP tests."""

from __future__ import annotations

import re
from typing import Any

from inventory.core import db

FORM_FIELDS = (
    "category", "model", "serial", "purchase_date", "supplier", "order_ref", "warranty_end",
    "commissioning_date", "eol_year_override", "holder", "hostname", "ip_address",
    "mac_address", "firmware", "notes",
)


def asset_doc(client, tag: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/assets/{tag}")
    assert response.status_code == 200, response.text
    return response.json()


def edit_form(client, tag: str, **changes: Any) -> dict[str, str]:
    """What the edit form of `tag` posts when a person changes only `changes`."""
    doc = asset_doc(client, tag)
    form = {name: "" if doc.get(name) is None else str(doc[name]) for name in FORM_FIELDS}
    cents = doc.get("purchase_price_cents")
    form["purchase_price_eur"] = "" if cents is None else f"{cents // 100},{cents % 100:02d}"
    form["version"] = str(doc["version"])
    form.update({k: str(v) for k, v in changes.items()})
    return form


def field_error(html: str, field: str) -> str | None:
    """The error message shown next to a form field, or None."""
    match = re.search(rf'<small id="e-{field}" class="field-error">(.*?)</small>', html, re.S)
    return match.group(1).strip() if match else None


def input_value(html: str, field: str) -> str | None:
    match = re.search(rf'<input[^>]*id="f-{field}"[^>]*value="([^"]*)"', html, re.S)
    return match.group(1) if match else None


def execute(sql: str, *args: Any) -> None:
    """Write to the current test database directly (set-up that has no page of its own)."""
    url = db.current_url
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql.replace("{}", "?"), args)
        return
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(sql.replace("{}", "%s"), args)


def sign_in(client, email: str) -> None:
    """Give `client` a session for the account `email`, as if it had signed in, and the
    CSRF header its forms and htmx requests would send."""
    import hashlib
    import secrets
    import time

    user = query("SELECT id FROM app_user WHERE email = {}", email)[0]
    token = secrets.token_urlsafe(32)
    moment = int(time.time())
    execute("INSERT INTO user_session (token_hash, \"user\", created, last_seen, client) "
            "VALUES ({}, {}, {}, {}, 'test')", hashlib.sha256(token.encode()).hexdigest(),
            user["id"], moment, moment)
    client.cookies.set("session", token)
    with_csrf(client)


def with_csrf(client) -> None:
    if "csrftoken" not in client.cookies:
        client.get("/login")
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]


def query(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Read the current test database directly, with the plain drivers and on its own
    connection (the app's pool lives in the test client's event loop)."""
    url = db.current_url
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql.replace("{}", "?"), args).fetchall()]
        finally:
            conn.close()
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql.replace("{}", "%s"), args).fetchall()


def count(table: str, where: str = "1=1", *args: Any) -> int:
    return query(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *args)[0]["n"]


def assert_search_text_current() -> None:
    """Every asset's stored search text is what its fields give now (it is written with the
    asset by every path: pages, API, import, demo, migration)."""
    from inventory.assets.rules import SEARCHED_FIELDS, search_text

    rows = query(f"SELECT tag, search_text, {', '.join(SEARCHED_FIELDS)} FROM asset")
    stale = [row["tag"] for row in rows if row["search_text"] != search_text(row)]
    assert rows and not stale, f"stale search text: {stale[:5]}"


async def migrate_current() -> list[str]:
    """The pending migrations applied to the current test database (a pool of its own)."""
    from inventory.core import migrations

    engine = db.use(db.engine_from_url(db.current_url))
    await db.start_pool(engine, size=2)
    try:
        return await migrations.migrate()
    finally:
        await db.close_pool(engine)


def saved_meanwhile(monkeypatch, tag: str) -> None:
    """Someone saves asset `tag` on its page after an import's check (reads only) and before
    its write transaction begins: the import's own transaction only is wrapped, the services
    it calls keep the real one."""
    import contextlib

    from inventory.accounts.scope import EVERYTHING
    from inventory.assets import service as assets
    from inventory.core import audit
    from inventory.imports import service as import_service

    @contextlib.asynccontextmanager
    async def saved_by_someone_else_first():
        await assets.update(tag, {"notes": "Saved on the page"}, None, "mairie", EVERYTHING)
        async with audit.atomic():
            yield

    monkeypatch.setattr(import_service, "audit", type("Audit", (), {
        "reading": staticmethod(audit.reading), "diff": staticmethod(audit.diff),
        "atomic": staticmethod(saved_by_someone_else_first)}))
