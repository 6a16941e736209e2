"""htmx through litestar-htmx's request details (the app's HTMXPlugin makes every request an
HTMXRequest): when to answer a fragment, and the `Vary` header that goes with it."""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Response
from litestar.response import Template
from litestar_htmx import HTMXRequest

from inventory.web.pages import render

R = TypeVar("R", bound=Response)


def wants_fragment(request: HTMXRequest, target: str | None = None) -> bool:
    """An htmx request for a part of the page (aimed at the element `target`, when given).
    A history restore (htmx missed its cache after "back") asks for the whole page: a
    fragment there would leave the reader on a page without <html>, menus or filters."""
    htmx = request.htmx
    return (bool(htmx) and not htmx.history_restore_request
            and (target is None or htmx.target == target))


def vary_on_htmx(response: R, target: str | None = None) -> R:
    """Say that the answer depends on htmx's headers, so that no cache (the browser's own
    for "back") hands a fragment out for the page or the page for a fragment."""
    response.headers["Vary"] = "HX-Request, HX-Target" if target else "HX-Request"
    return response


def page_or_fragment(request: HTMXRequest, page_template: str, fragment_template: str,
                     status_code: int = 200, /, *, target: str | None = None,
                     **context: Any) -> Template:
    """The whole page for a browser, the fragment for htmx (see wants_fragment), with `Vary`.
    (Positional parameters only: `page` and the like are context names.)"""
    chosen = fragment_template if wants_fragment(request, target) else page_template
    return vary_on_htmx(render(chosen, status_code, **context), target)
