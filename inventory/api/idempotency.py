"""Idempotency keys: a write sent again with the same `Idempotency-Key` header (a phone's
queued offline action whose answer was lost on a weak link) is applied once; the repeat
answers the first answer.

The key is claimed in the action's own transaction (the services' `atomic()` joins it), so
the action and its stored answer are written together or not at all; a concurrent send with
the same key waits for that transaction (PostgreSQL: on the unique key; SQLite: on the write
lock) and then answers the stored answer. A refused action (400, 404, 409) applied nothing
and stores nothing: sent again, it is checked again as if typed now."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from asyncpg.exceptions import UniqueViolationError
from litestar import Request, Response
from litestar.params import HeaderParameter

from inventory.core import audit, clock, db
from inventory.core.errors import ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import IdempotentRequest

# How long a key is remembered: far longer than a phone stays out of reach with its queue.
KEPT_FOR = dt.timedelta(days=90)

IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$",
    description="A key the client makes per action (a UUID): sent again, the action is not "
                "applied twice and the first answer is answered again")]


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def _replay(row: dict[str, Any], expected: str) -> Response:
    if row["fingerprint"] != expected:
        raise ValidationFailed({"idempotency_key": _(
            "This key was already used for another request: make a new key per action.")})
    return Response(content=row["answer"].encode(), status_code=row["status"],
                    media_type="application/json", headers={"idempotent-replay": "true"})


async def _stored(full_key: str) -> dict[str, Any] | None:
    rows = await db.fetch_all("SELECT * FROM idempotent_request WHERE key = {}", full_key)
    return rows[0] if rows else None


def _duplicate(error: BaseException) -> bool:
    return isinstance(error, UniqueViolationError | sqlite3.IntegrityError)


async def once(request: Request, key: str | None, action: Callable[[], Awaitable[Any]],
               status_code: int = 200) -> Any:
    """Run `action` (a write and the document it answers) once per key and account; without
    a key, simply run it."""
    if not key:
        return await action()
    full_key = f"{request.user.id}:{key}"
    expected = fingerprint(request.method, request.url.path, await request.body())
    if (row := await _stored(full_key)) is not None:
        return _replay(row, expected)
    try:
        async with audit.atomic():
            # Claimed first: a concurrent send with this key waits here until this commits.
            await IdempotentRequest.insert(IdempotentRequest(
                key=full_key, user_id=request.user.id, fingerprint=expected,
                status=status_code, answer="", created_at=clock.now())).run()
            answer = msgspec.json.encode(await action()).decode()
            await IdempotentRequest.update({IdempotentRequest.answer: answer}).where(
                IdempotentRequest.key == full_key).run()
            await IdempotentRequest.delete().where(  # the old keys go (an indexed range)
                IdempotentRequest.created_at < clock.now() - KEPT_FOR).run()
    except Exception as error:
        if not _duplicate(error) and not _duplicate(error.__cause__ or error):
            raise
        row = await _stored(full_key)
        if row is None:
            raise
        return _replay(row, expected)
    return Response(content=answer.encode(), status_code=status_code,
                    media_type="application/json")
