"""Sending one email through SMTP (aiosmtplib). The URL says where and how:
smtp://user:password@host:587?starttls=1, smtps://host:465, smtp://localhost:1025 (tests).

The conversation is driven step by step so that each command gets the timeout RFC 5321
(section 4.5.3.2) gives it, and so that a failure is told apart by when it happened: before
the message data was sent (nothing can have been delivered: retry), or after the final "."
with no reply (the relay may have delivered it: the outbox marks it uncertain)."""

from __future__ import annotations

import contextlib
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from urllib.parse import parse_qs, unquote, urlparse

import aiosmtplib

# What happened to one attempt; the outbox decides what to do next from it (outbox.after).
SENT = "sent"
PERMANENT = "permanent"  # a 5xx reply: the relay refuses the message for good
TEMPORARY = "temporary"  # a 4xx reply: try again later
UNREACHABLE = "unreachable"  # connection refused, cut or timed out before the data was sent
DATA_TIMEOUT = "data_timeout"  # the data was sent and no final reply came: maybe delivered


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each reply (RFC 5321, 4.5.3.2: the server may take that long)."""

    greeting: float = 300  # the 220 after connecting
    command: float = 300  # EHLO, STARTTLS, AUTH, MAIL, RCPT (5 minutes)
    data_start: float = 120  # the 354 after DATA (2 minutes)
    data_end: float = 600  # the reply to the final "." (10 minutes)

    def worst_case(self) -> float:
        """The longest one attempt can take: connect, EHLO, STARTTLS, EHLO, AUTH, MAIL,
        RCPT, QUIT, then the data."""
        return self.greeting + 7 * self.command + self.data_start + self.data_end


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    start_tls: bool = False
    sender: str = "inventaire@localhost"
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass(frozen=True)
class Result:
    outcome: str
    error: str = ""


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """None when no mail server is configured (the outbox then keeps the messages)."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps"):
        raise ValueError(f"INVENTORY_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    query = parse_qs(parsed.query)
    return SmtpConfig(
        host=parsed.hostname or "localhost",
        port=parsed.port or (465 if parsed.scheme == "smtps" else 25),
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        use_tls=parsed.scheme == "smtps",
        start_tls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        sender=query.get("from", ["inventaire@localhost"])[0],
    )


def outcome_of_reply(code: int) -> str:
    """A refusal's class from its reply code. Pure."""
    return PERMANENT if 500 <= code < 600 else TEMPORARY


def build_message(config: SmtpConfig, to: str, subject: str, body: str, message_id: str,
                  eight_bit: bool) -> bytes:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id  # the same on every attempt: receivers deduplicate
    # Plain text, UTF-8; 8-bit only when the relay announced 8BITMIME.
    message.set_content(body, cte=None if eight_bit else "quoted-printable")
    return message.as_bytes(policy=SMTP_POLICY)


def _stuffed(data: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, ended by CRLF.CRLF."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


async def send(config: SmtpConfig, to: str, subject: str, body: str, message_id: str = "",
               before_data=None) -> Result:
    """One attempt. Never raises for SMTP or network trouble: the result says what happened.
    `before_data()` (a coroutine function) runs just before the data is sent, so a process
    that dies while the relay holds the data leaves a trace."""
    t = config.timeouts
    client = aiosmtplib.SMTP(hostname=config.host, port=config.port, use_tls=config.use_tls,
                             start_tls=False, timeout=t.command)
    data_sent = False
    try:
        await client.connect(timeout=t.greeting)
        await client.ehlo(timeout=t.command)
        if config.start_tls:
            await client.starttls(timeout=t.command)
            await client.ehlo(timeout=t.command)
        if config.username:
            await client.login(config.username, config.password, timeout=t.command)
        eight_bit = client.supports_extension("8bitmime")
        payload = _stuffed(build_message(config, to, subject, body, message_id, eight_bit))
        await client.mail(config.sender, options=["BODY=8BITMIME"] if eight_bit else [],
                          timeout=t.command)
        await client.rcpt(to, timeout=t.command)
        start = await client.execute_command(b"DATA", timeout=t.data_start)
        if start.code != 354:
            return Result(outcome_of_reply(start.code), f"DATA: {start.code} {start.message}")
        if before_data is not None:
            await before_data()
        protocol = client.protocol
        if protocol is None:  # the relay hung up while before_data ran: nothing was sent
            raise aiosmtplib.SMTPServerDisconnected("Connection lost before the data")
        data_sent = True
        # write() only buffers, and read_response() follows with no await in between, so the
        # reply cannot arrive unnoticed.
        protocol.write(payload)
        reply = await protocol.read_response(timeout=t.data_end)
        if reply.code != 250:
            return Result(outcome_of_reply(reply.code), f"end of data: {reply.code} {reply.message}")
        with contextlib.suppress(Exception):  # accepted: a lost QUIT changes nothing
            await client.quit(timeout=t.command)
        return Result(SENT)
    except aiosmtplib.SMTPResponseException as error:
        return Result(outcome_of_reply(error.code), f"{error.code} {error.message}")
    except aiosmtplib.SMTPRecipientsRefused as error:
        code = error.recipients[0].code if error.recipients else 550
        return Result(outcome_of_reply(code), str(error))
    except (aiosmtplib.SMTPException, OSError, socket.gaierror, TimeoutError) as error:
        return Result(DATA_TIMEOUT if data_sent else UNREACHABLE,
                      f"{type(error).__name__}: {error}")
    finally:
        client.close()
