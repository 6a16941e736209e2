"""The outbox: emails are queued with the change they announce, then sent by a job.

Each message gets its Message-ID when it is queued; every attempt sends that same header, so
a receiving system can recognise a copy. States: pending (due at `next_attempt`), sent,
uncertain (the relay got the data but never answered: it may have delivered it; tried once
more after an hour), failed (refused for good, or MAX_ATTEMPTS used up; an administrator sees
it on /admin/outbox and may retry it)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from inventory.core import clock, i18n
from inventory.core.db import fetch_small
from inventory.core.tables import OutboxMessage, User
from inventory.notifications import smtp

log = logging.getLogger("inventory.mail")
BATCH = 50
MAX_ATTEMPTS = 8
UNCERTAIN_DELAY = 3600  # seconds before the one retry of a message that may have been delivered

PENDING = "pending"
SENT = "sent"
UNCERTAIN = "uncertain"
FAILED = "failed"
DUE_STATES = (PENDING, UNCERTAIN)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: 1 min, 2, 4, ... capped at one hour. Pure."""
    return min(3600, 60 * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Next:
    """What becomes of a message after one attempt: its new state, and for a message that
    will be tried again, the seconds until then."""

    state: str
    delay: int | None = None


def after(outcome: str, state: str, attempts: int, max_attempts: int = MAX_ATTEMPTS,
          uncertain_delay: int = UNCERTAIN_DELAY) -> Next:
    """The decision after an attempt that ended with `outcome` (smtp.SENT, ...), for a message
    that was `state` before it, `attempts` counting this one. Pure.

    - sent: done; a permanent refusal (5xx): failed at once, retrying cannot help.
    - the attempt after an "uncertain" one is the last: failed unless it is sent, so a message
      is delivered at most twice.
    - no reply after the data: uncertain, tried once more after `uncertain_delay`.
    - a temporary refusal (4xx) or no connection: again after retry_delay, failed once
      `max_attempts` are used."""
    if outcome == smtp.SENT:
        return Next(SENT)
    if outcome == smtp.PERMANENT or state == UNCERTAIN or attempts >= max_attempts:
        return Next(FAILED)
    if outcome == smtp.DATA_TIMEOUT:
        return Next(UNCERTAIN, uncertain_delay)
    return Next(PENDING, retry_delay(attempts))


def claim_seconds(config: smtp.SmtpConfig) -> int:
    """How long a message being sent stays hidden from other instances: longer than the
    slowest attempt the timeouts allow, so no one sends it alongside."""
    return int(config.timeouts.worst_case()) + 300


def _message_id_domain() -> str:
    sender = (os.environ.get("INVENTORY_SMTP_URL", "").partition("from=")[2]).split("&")[0]
    domain = sender.rpartition("@")[2].strip()
    return domain if domain and all(c.isalnum() or c in ".-" for c in domain) else "inventaire.localhost"


def new_message_id(domain: str | None = None) -> str:
    return f"<{uuid.uuid4().hex}@{domain or _message_id_domain()}>"


async def queue(to: str, subject: str, body: str) -> None:
    """Write one message; call inside the transaction of the change it tells about."""
    await OutboxMessage.insert(OutboxMessage(to_address=to, subject=subject[:300], body=body,
                                             next_attempt=0, message_id=new_message_id(),
                                             state=PENDING)).run()


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


async def _record(message: dict[str, Any], outcome: str, error: str, attempts: int,
                  now: int) -> str:
    decision = after(outcome, message["state"], attempts)
    changes: dict[Any, Any] = {OutboxMessage.state: decision.state, OutboxMessage.in_data: False,
                               OutboxMessage.attempts: attempts}
    if decision.state == SENT:

        changes[OutboxMessage.sent_at] = clock.now()
    else:
        changes[OutboxMessage.last_error] = error[:500]
        changes[OutboxMessage.next_attempt] = now + (decision.delay or 0)
    if decision.state == UNCERTAIN:

        changes[OutboxMessage.uncertain_since] = clock.now()
    await OutboxMessage.update(changes).where(OutboxMessage.id == message["id"]).run()
    return decision.state


async def flush(config: smtp.SmtpConfig | None, now: int | None = None) -> dict[str, int]:
    """Send what is due. Each message is first claimed (its next attempt pushed past the
    longest an attempt can take, in one UPDATE), so two instances flushing at once never send
    it twice. Counts: sent, and failed (attempts that did not deliver; the rows say why)."""
    counts = {"sent": 0, "failed": 0}
    if config is None:
        return counts
    def moment() -> int:
        # The real time at each step: one slow relay can hold a batch for many minutes, and
        # each claim and next attempt must count from when it is written. Tests pass `now`.
        return clock.seconds() if now is None else now

    due = await OutboxMessage.select().where(
        OutboxMessage.state.is_in(list(DUE_STATES)) & (OutboxMessage.next_attempt <= moment())
    ).order_by(OutboxMessage.id).limit(BATCH).run()
    for message in due:
        # A message left "in data" was being sent by a process that died while the relay had
        # the data: it counts as an attempt that got no reply, and is not sent now.
        crashed = message["in_data"]
        attempts = message["attempts"] + (0 if crashed else 1)
        message_id = message["message_id"] or new_message_id()  # rows queued before m0023
        claimed = await OutboxMessage.update({
            OutboxMessage.next_attempt: moment() + claim_seconds(config),
            OutboxMessage.attempts: attempts, OutboxMessage.message_id: message_id,
        }).where(
            (OutboxMessage.id == message["id"]) & (OutboxMessage.next_attempt == message["next_attempt"])
            & (OutboxMessage.state == message["state"])).returning(OutboxMessage.id).run()
        if not claimed:
            continue
        if crashed:
            result = smtp.Result(smtp.DATA_TIMEOUT, "stopped while the relay had the data")
        else:
            async def mark_in_data(row_id=message["id"]) -> None:
                await OutboxMessage.update({OutboxMessage.in_data: True}).where(
                    OutboxMessage.id == row_id).run()

            try:
                result = await smtp.send(config, message["to_address"], message["subject"],
                                         message["body"], message_id, before_data=mark_in_data)
            except Exception as error:  # noqa: BLE001 - e.g. the database failed mid-way
                result = smtp.Result(smtp.UNREACHABLE, f"{type(error).__name__}: {error}")
        state = await _record(message, result.outcome, result.error, attempts, moment())
        if state == SENT:
            counts["sent"] += 1
            continue
        counts["failed"] += 1
        log.warning("mail %s to %s not sent (%s, now %s): %s", message_id,
                    message["to_address"], result.outcome, state, result.error)
    return counts


async def pending() -> list[dict[str, Any]]:
    return await OutboxMessage.select().where(OutboxMessage.state.is_in(list(DUE_STATES))).run()


async def troubled(limit: int = 200) -> list[dict[str, Any]]:
    """Failed and uncertain messages, newest first (the administrators' view)."""
    return await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.subject,
        OutboxMessage.created_at, OutboxMessage.attempts, OutboxMessage.state,
        OutboxMessage.last_error, OutboxMessage.message_id, OutboxMessage.uncertain_since,
        OutboxMessage.next_attempt,
    ).where(OutboxMessage.state.is_in([FAILED, UNCERTAIN])).order_by(
        OutboxMessage.id, ascending=False).limit(limit).run()


async def failed_count() -> int:
    return (await fetch_small("SELECT COUNT(*) AS n FROM outbox WHERE state = {}",
                              FAILED))[0]["n"]


async def summary(hours: int = 24) -> dict[str, int]:
    """The administrators' glance: emails sent in the last `hours`, waiting (to be sent or
    tried again), failed (given up: see /admin/outbox)."""
    since = clock.now() - dt.timedelta(hours=hours)
    sent = await OutboxMessage.count().where(
        (OutboxMessage.state == SENT) & (OutboxMessage.sent_at >= since)).run()
    waiting = await OutboxMessage.count().where(
        OutboxMessage.state.is_in(list(DUE_STATES))).run()
    return {"hours": hours, "sent": sent, "waiting": waiting, "failed": await failed_count()}


async def retry(message_id: int, actor) -> bool:
    """An administrator sends a failed message again: a fresh series of attempts, same
    Message-ID. False when the message is not (or no longer) failed."""
    return await _retry(OutboxMessage.id == message_id, actor) > 0


async def retry_all(actor) -> int:
    """Every failed message again (e.g. after the mail settings were corrected)."""
    return await _retry(None, actor)


async def _retry(which, actor) -> int:
    from inventory.core import audit

    where = OutboxMessage.state == FAILED
    if which is not None:
        where = where & which
    async with audit.atomic():
        rows = await OutboxMessage.update({
            OutboxMessage.state: PENDING, OutboxMessage.attempts: 0,
            OutboxMessage.next_attempt: 0, OutboxMessage.in_data: False,
        }).where(where).returning(OutboxMessage.id).run()
        for row in rows:
            await audit.record(actor=actor, entity="outbox", entity_key=str(row["id"]),
                               action="retry", changes={"state": [FAILED, PENDING]})
    return len(rows)
