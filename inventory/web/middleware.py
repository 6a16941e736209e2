"""The middlewares of every request: the reader's language, and the security headers on
every response (HSTS when the public address is https)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Receive, Scope, Send

from inventory.core import i18n
from inventory.setup.service import PublicAddress

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    # Geolocation for this origin only: a technician may sort the queue by distance (near.js).
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(self)"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")


def security_headers(public_address: PublicAddress):
    """A before_send hook: every response, pages, files and errors (even for unknown paths),
    carries the security headers; HSTS too when the public address (environment or set-up
    page, cached) is https (over plain http a browser ignores it, and a test address must
    stay reachable)."""
    with_hsts = [*SECURITY_HEADERS, HSTS]

    async def add_security_headers(message, scope) -> None:
        if message["type"] == "http.response.start":
            headers = with_hsts if await public_address.is_https() else SECURITY_HEADERS
            message["headers"] = [*message.get("headers", []), *headers]

    return add_security_headers


def language_middleware(app: ASGIApp) -> ASGIApp:
    """Set the reader's language for everything that runs for this request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            headers = dict(scope.get("headers", []))
            cookies = headers.get(b"cookie", b"").decode("latin-1")
            chosen = None
            for part in cookies.split(";"):
                name, _sep, value = part.strip().partition("=")
                if name == "lang":
                    chosen = value
            accept = headers.get(b"accept-language", b"").decode("latin-1")
            i18n.set_language(i18n.negotiate(accept, chosen))
            if any(ord(c) < 32 for c in scope["path"]):  # /static/x%00: no file has such a name
                raise NotFoundException()
        await app(scope, receive, send)

    return middleware

