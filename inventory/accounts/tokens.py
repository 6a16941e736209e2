"""Personal API tokens: `Authorization: Bearer …` for scripts and other systems.

A token is shown once, when it is created; the table keeps only its SHA-256 (like sessions).
It acts with its owner's role and sites, and stops working at once when it is revoked or its
owner's account is disabled.
"""

from __future__ import annotations

import secrets
from typing import Any

from inventory.accounts.service import CurrentUser, current_user, hash_token, now
from inventory.core import audit
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound
from inventory.core.tables import ApiToken, User

PREFIX = "inv_"
TOUCH_EVERY_S = 300  # last-used time is written at most this often


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


async def create(user_id: int, name: Any, actor: Actor | str) -> tuple[str, dict[str, Any]]:
    """Returns the token itself (to show once) and its stored row."""
    c = Collector()
    name = c.field("name", v.text, name, required=True, max_length=100)
    c.raise_if_any()
    token = new_token()
    async with audit.atomic():
        row = (await ApiToken.insert(ApiToken(
            user=user_id, name=name, token_hash=hash_token(token), hint=token[:len(PREFIX) + 4],
            created=now(),
        )).returning(*ApiToken.all_columns()).run())[0]
        await audit.record(actor=actor, entity="token", entity_key=str(row["id"]),
                           action="create", changes={"name": [None, name]})
    return token, row


async def create_for_email(email: str, name: str, actor: Actor | str) -> str:
    user = await User.select(User.id, User.active).where(User.email == email.strip().lower()
                                                          ).first().run()
    if user is None or not user["active"]:
        raise NotFound(email)
    token, _row = await create(user["id"], name, actor)
    return token


async def list_for(user_id: int) -> list[dict[str, Any]]:
    return await ApiToken.select().where(
        (ApiToken.user == user_id) & ApiToken.revoked.is_null()
    ).order_by(ApiToken.id).run()


RECENTLY_S = 30 * 24 * 3600


async def recently_revoked(user_id: int) -> list[dict[str, Any]]:
    """Tokens ended in the last 30 days, so the account page can say that a script's token
    stopped working and why it may have."""
    return await ApiToken.select(ApiToken.name, ApiToken.hint, ApiToken.revoked).where(
        (ApiToken.user == user_id) & (ApiToken.revoked >= now() - RECENTLY_S)
    ).order_by(ApiToken.revoked, ascending=False).run()


async def revoke(user_id: int, token_id: int, actor: Actor | str) -> None:
    async with audit.atomic():
        done = await ApiToken.update({ApiToken.revoked: now()}).where(
            (ApiToken.id == token_id) & (ApiToken.user == user_id) & ApiToken.revoked.is_null()
        ).returning(ApiToken.name).run()
        if not done:
            raise NotFound(token_id)
        await audit.record(actor=actor, entity="token", entity_key=str(token_id),
                           action="revoke", changes={"name": [done[0]["name"], None]})


async def load(token: str) -> CurrentUser | None:
    """The person a bearer token acts for, or None (unknown, revoked, account disabled)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = await ApiToken.raw(
        'SELECT api_token.id, api_token.last_used, app_user.id AS user_id, app_user.email, '
        'app_user.name, app_user.role, app_user.active FROM api_token '
        'JOIN app_user ON app_user.id = api_token."user" '
        'WHERE api_token.token_hash = {} AND api_token.revoked IS NULL', hash_token(token)).run()
    row = found[0] if found else None
    if row is None or not row["active"]:
        return None
    moment = now()
    if (row["last_used"] or 0) < moment - TOUCH_EVERY_S:
        await ApiToken.update({ApiToken.last_used: moment}).where(ApiToken.id == row["id"]).run()
    return await current_user(row)

