"""HTTP side of accounts: who is asking (session cookie -> user), and the permission guard."""

from __future__ import annotations

from collections.abc import Iterable

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Receive, Scope, Send

from inventory.accounts import names, permissions, service, tokens

SESSION_COOKIE = "session"
# Paths that never need to know who is asking: no session look-up for them.
_ANONYMOUS_PATHS = ("/static/", "/healthz")


def _cookie(headers: Iterable[tuple[bytes, bytes]], name: str) -> str:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _sep, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return ""


def _bearer(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key == b"authorization":
            scheme, _sep, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return credentials.strip()
    return None


def _as_token_request(scope: Scope, secret: str) -> None:
    """A request authenticated by an API token carries no ambient credential (its cookies are
    dropped), so cross-site request forgery does not apply to it: it gets a matching CSRF
    cookie and header, which lets Litestar's CSRF check (run after this) pass."""
    csrf = generate_csrf_token(secret=secret)
    headers = [(k, v) for k, v in scope.get("headers", []) if k not in (b"cookie", b"x-csrftoken")]
    headers += [(b"cookie", f"csrftoken={csrf}".encode()), (b"x-csrftoken", csrf.encode())]
    scope["headers"] = headers


def session_middleware(idle_seconds: int, secret: str = ""):
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                user = None
                if not scope["path"].startswith(_ANONYMOUS_PATHS):
                    bearer = _bearer(scope.get("headers", []))
                    if bearer is not None:
                        user = await tokens.load(bearer)
                        _as_token_request(scope, secret)
                    else:
                        token = _cookie(scope.get("headers", []), SESSION_COOKIE)
                        if token:
                            user = await service.load_session(token, idle_seconds)
                    if user is None and scope["path"].startswith("/api/v1/"):
                        # No credential: nothing to forge either. Let the guard answer 401
                        # "sign in" rather than the CSRF check a 403.
                        _as_token_request(scope, secret)
                    if user is not None:
                        await names.refresh()
                scope["user"] = user
            await app(scope, receive, send)

        return middleware

    return factory


def route_permission(handler: BaseRouteHandler, path: str) -> str | None:
    """The permission a route needs: declared on the handler, except for the routes Litestar
    makes itself (the OpenAPI description, for anyone signed in; OPTIONS answers)."""
    declared = handler.opt.get("permission")
    if declared is not None:
        return declared
    if path.startswith("/schema"):
        return permissions.SIGNED_IN
    if set(getattr(handler, "http_methods", ())) == {"OPTIONS"}:
        return permissions.PUBLIC  # Litestar's automatic OPTIONS answers list the methods only
    return None


async def permission_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    # async although it awaits nothing: Litestar runs a plain function guard in a worker
    # thread, a thread hop on every request.
    permission = route_permission(handler, connection.scope["path"])
    if permission is None:  # fail closed: a route without a rule is nobody's
        raise PermissionDeniedException("route without permission")
    user = connection.scope.get("user")
    if user is None and permissions.allows(None, permission):
        return
    if user is not None and user.can(permission):
        return
    if user is None:
        raise NotAuthorizedException()
    raise PermissionDeniedException()
