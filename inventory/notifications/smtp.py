"""Sending one email through SMTP (aiosmtplib). The URL says where and how:
smtp://user:password@host:587?starttls=1, smtps://host:465, smtp://localhost:1025 (tests)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

import aiosmtplib


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    start_tls: bool = False
    sender: str = "inventaire@localhost"


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


async def send(config: SmtpConfig, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)  # plain text, UTF-8
    await aiosmtplib.send(
        message, hostname=config.host, port=config.port,
        username=config.username or None, password=config.password or None,
        use_tls=config.use_tls, start_tls=config.start_tls or None, timeout=15)
