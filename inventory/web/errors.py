"""Error answers: a translated page for people, a JSON error document for the API; never a
stack trace. Registered by app.py for the service's errors and Litestar's."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from inventory.core import i18n
from inventory.core.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger("inventory")


def _wants_json(request: Request) -> bool:
    if request.url.path == "/api/docs":  # the API's reference is a page
        return False
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", "").split(",")[0]


def _error_page(request: Request, status: int) -> Response:
    from inventory.core.i18n import _

    # Unknown paths are answered before any middleware ran: pick the language here too.
    i18n.set_language(i18n.negotiate(request.headers.get("accept-language"),
                                     request.cookies.get("lang")))
    titles = {
        400: _("This request could not be understood."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not available here."),
        413: _("This file is too large to be sent."),
        429: _("Too many requests from this connection: try again in an hour."),
        500: _("Something went wrong on our side."),
    }
    engine = request.app.template_engine
    assert engine is not None  # create_app always configures one
    template = engine.get_template("errors/error.html")
    html = template.render(request=request, status=status,
                           title=titles.get(status, titles[500]),
                           path=request.url.path)
    return Response(html, status_code=status, media_type="text/html")


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response:
    """Not signed in: pages send to the sign-in page and back; the API answers 401."""
    from inventory.core.i18n import _

    if _wants_json(request):
        return Response({"error": "not_authenticated", "detail": _("Sign in first.")},
                        status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?{urlencode({'next': target})}", status_code=302)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if _wants_json(request):
        response = Response({"error": "http_error", "detail": exc.detail}, status_code=status)
    else:
        response = _error_page(request, status)
    response.headers.update(exc.headers or {})  # such as a 429's Retry-After
    return response


def validation_handler(request: Request, exc: ValidationFailed) -> Response:
    from inventory.core.i18n import _

    if _wants_json(request):
        return Response(
            {"error": "validation", "detail": _("Some fields are not valid."),
             "fields": exc.errors}, status_code=400)
    return _error_page(request, 400)


def domain_not_found_handler(request: Request, exc: NotFound) -> Response:
    from inventory.core.i18n import _

    if _wants_json(request):
        return Response({"error": "not_found", "detail": _("Not found.")}, status_code=404)
    return _error_page(request, 404)


def conflict_handler(request: Request, exc: Conflict) -> Response:
    from inventory.api.serialize import stored_record
    from inventory.core.i18n import _

    return Response(
        {"error": "conflict",
         "detail": _("Someone else changed this record since you loaded it."),
         "current": stored_record(exc.current)},
        status_code=409,
    )


def unstorable_text_handler(request: Request, exc: Exception) -> Response:
    """PostgreSQL refuses a NUL character in text (SQLite stores it): a NUL that reached a
    query is bad input, answered 400 like any other, not a server error."""
    from inventory.core.i18n import _

    if _wants_json(request):
        return Response({"error": "bad_request",
                         "detail": _("The request contains a character that cannot be stored.")},
                        status_code=400)
    return _error_page(request, 400)


def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _wants_json(request):
        from inventory.core.i18n import _

        return Response({"error": "server_error", "detail": _("Something went wrong on our side.")},
                        status_code=HTTP_500_INTERNAL_SERVER_ERROR)
    return _error_page(request, 500)

