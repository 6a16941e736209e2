"""The outbox: emails are queued with the change they announce, then sent by a job."""

from __future__ import annotations

import logging
import time
from typing import Any

from inventory import i18n
from inventory.notifications import smtp
from inventory.tables import OutboxMessage, User

log = logging.getLogger("inventory.mail")
BATCH = 50
CLAIM_SECONDS = 120  # a message being sent is hidden this long from other instances


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: 1 min, 2, 4, ... capped at one hour. Pure."""
    return min(3600, 60 * 2 ** max(0, attempts - 1))


async def queue(to: str, subject: str, body: str) -> None:
    """Write one message; call inside the transaction of the change it tells about."""
    await OutboxMessage.insert(OutboxMessage(to_address=to, subject=subject[:300], body=body,
                                             next_attempt=0)).run()


async def queue_for_user(email: str, render) -> None:
    """`render()` returns (subject, body); it runs in the recipient's language."""
    row = await User.select(User.language, User.active).where(User.email == email).first().run()
    if row is not None and not row["active"]:
        return
    language = (row or {}).get("language") or i18n.DEFAULT_LANGUAGE
    token = i18n.set_language(language)
    try:
        subject, body = render()
    finally:
        i18n._current.reset(token)
    await queue(email, subject, body)


async def flush(config: smtp.SmtpConfig | None, now: int | None = None) -> dict[str, int]:
    """Send what is due. Each message is first claimed (its next attempt pushed forward in one
    UPDATE), so two instances flushing at once never send it twice."""
    counts = {"sent": 0, "failed": 0}
    if config is None:
        return counts
    now = int(time.time()) if now is None else now
    due = await OutboxMessage.select().where(
        OutboxMessage.sent_at.is_null() & (OutboxMessage.next_attempt <= now)).order_by(
        OutboxMessage.id).limit(BATCH).run()
    for message in due:
        claimed = await OutboxMessage.update({OutboxMessage.next_attempt: now + CLAIM_SECONDS}).where(
            (OutboxMessage.id == message["id"]) & (OutboxMessage.next_attempt == message["next_attempt"])
            & OutboxMessage.sent_at.is_null()).returning(OutboxMessage.id).run()
        if not claimed:
            continue
        try:
            await smtp.send(config, message["to_address"], message["subject"], message["body"])
        except Exception as error:  # any SMTP or network failure: keep it for later
            attempts = message["attempts"] + 1
            await OutboxMessage.update({
                OutboxMessage.attempts: attempts,
                OutboxMessage.next_attempt: now + retry_delay(attempts),
                OutboxMessage.last_error: f"{type(error).__name__}: {error}"[:500],
            }).where(OutboxMessage.id == message["id"]).run()
            counts["failed"] += 1
            log.warning("mail to %s not sent yet: %s", message["to_address"], error)
            continue
        from inventory.audit import utcnow

        await OutboxMessage.update({OutboxMessage.sent_at: utcnow(),
                                    OutboxMessage.attempts: message["attempts"] + 1}).where(
            OutboxMessage.id == message["id"]).run()
        counts["sent"] += 1
    return counts


async def pending() -> list[dict[str, Any]]:
    return await OutboxMessage.select().where(OutboxMessage.sent_at.is_null()).run()
