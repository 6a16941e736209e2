"""Helpers for the HTML controllers: forms, rendering, redirects, query strings."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Annotated, Any, TypeVar
from urllib.parse import quote_plus

from litestar import Request, Response
from litestar.params import Parameter
from litestar.response import Redirect, Template

from inventory.core.errors import Conflict, ValidationFailed
from inventory.core.parsers import clean_text, row_number

T = TypeVar("T")

# A row id in a path: ids are 32-bit on PostgreSQL, and SQLite refuses larger integers, so a
# larger number is refused as bad input (400) before it reaches the database.
RowId = Annotated[int, Parameter(ge=0, le=2_147_483_647)]


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def confirmed(data: dict[str, str]) -> bool:
    """The person ticked the box (or used the confirmation page) of an action that cannot be
    undone; without JS the browser's `required` is the only other guard."""
    return data.get("confirm", "").strip().lower() in ("1", "on", "yes", "true")


def form_version(data: dict[str, str]) -> int | None:
    value = data.get("version", "")
    return row_number(value)


def render(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def see_other(path: str) -> Redirect:
    """Redirect after a successful POST so a reload does not post again."""
    return Redirect(path=path, status_code=303)


async def _answer(page: Response | str | Awaitable[Response]) -> Response:
    if inspect.isawaitable(page):
        page = await page
    return see_other(page) if isinstance(page, str) else page


async def form_post(action: Awaitable[T], *,
                    done: str | Callable[[T], Response | str | Awaitable[Response]],
                    invalid: Callable[[dict[str, str]], Response | Awaitable[Response]],
                    conflict: Callable[[dict[str, Any]], Response | Awaitable[Response]]
                    | None = None) -> Response:
    """The shape of a form post: the service call `action` checks and writes. Then a redirect
    (303) to `done` (a path, or a function of the call's result giving a path or a page);
    refused input gives `invalid(errors)`, the form again with each field's message; a stale
    version gives `conflict(current)`, the form with what is stored now. Without `conflict`,
    a Conflict goes on to the app's handler."""
    try:
        result = await action
    except ValidationFailed as failed:
        return await _answer(invalid(failed.errors))
    except Conflict as stale:
        if conflict is None:
            raise
        return await _answer(conflict(stale.current))
    return await _answer(done(result) if callable(done) else done)


def label(choices: dict[str, Any], key: str | None) -> str:
    if key is None:
        return ""
    return str(choices.get(key, key))


def query_text(request: Request, name: str) -> str:
    """A query parameter read as a filter: control characters dropped as from any typed text
    (a NUL would be refused by PostgreSQL and kept by SQLite: the same answer on both)."""
    return clean_text(request.query_params.get(name, "")).strip()


def query_string(params: dict[str, Any]) -> str:
    """`?` and the non-blank parameters, encoded as urlencode does (a list page writes a
    dozen of these links: its sort headers, pages, exports)."""
    pairs = [f"{_quoted(str(k))}={_quoted(str(v))}" for k, v in params.items()
             if v not in ("", None)]
    return ("?" + "&".join(pairs)) if pairs else ""


# The same few names and values (site codes, categories, sort keys) come back on every page.
_quoted = lru_cache(maxsize=4096)(quote_plus)

