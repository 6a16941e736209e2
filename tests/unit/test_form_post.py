"""The one shape of a form post (inventory.web.pages.form_post), without a database."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Response
from litestar.response import Redirect

from inventory.core.errors import Conflict, ValidationFailed
from inventory.web.pages import form_post


async def _succeeds(value):
    return value


async def _refuses(errors):
    raise ValidationFailed(errors)


async def _stale(current):
    raise Conflict(current)


def _post(action, **handlers):
    return asyncio.run(form_post(action, **handlers))


def _page(status: int, content: str) -> Response:
    return Response(content, status_code=status)


def test_success_redirects_with_303_to_the_path_or_the_results_path():
    fixed = _post(_succeeds({"id": 7}), done="/things", invalid=lambda e: _page(400, "x"))
    assert isinstance(fixed, Redirect)
    assert fixed.status_code == 303 and fixed.url == "/things"
    made = _post(_succeeds({"id": 7}), done=lambda row: f"/things/{row['id']}",
                 invalid=lambda e: _page(400, "x"))
    assert made.status_code == 303 and made.url == "/things/7"


def test_success_may_answer_a_page_made_now_or_later():
    async def later(row):
        return _page(201, f"made {row}")

    assert _post(_succeeds(3), done=lambda n: _page(200, f"n={n}"),
                 invalid=lambda e: _page(400, "x")).content == "n=3"
    answer = _post(_succeeds(4), done=later, invalid=lambda e: _page(400, "x"))
    assert (answer.status_code, answer.content) == (201, "made 4")


def test_refused_input_renders_the_form_with_each_fields_message():
    async def form_again(errors):
        return _page(400, ";".join(f"{k}={v}" for k, v in sorted(errors.items())))

    answer = _post(_refuses({"name": "Required.", "year": "A number."}), done="/never",
                   invalid=form_again)
    assert (answer.status_code, answer.content) == (400, "name=Required.;year=A number.")


def test_a_stale_version_renders_what_is_stored_now():
    answer = _post(_stale({"name": "Theirs", "version": 4}), done="/never",
                   invalid=lambda e: _page(400, "invalid"),
                   conflict=lambda current: _page(409, f"{current['name']} v{current['version']}"))
    assert (answer.status_code, answer.content) == (409, "Theirs v4")


def test_a_stale_version_without_a_conflict_page_goes_to_the_apps_handler():
    with pytest.raises(Conflict) as raised:
        _post(_stale({"version": 2}), done="/never", invalid=lambda e: _page(400, "x"))
    assert raised.value.current == {"version": 2}


def test_other_errors_are_not_swallowed():
    async def broken():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        _post(broken(), done="/never", invalid=lambda e: _page(400, "x"),
              conflict=lambda c: _page(409, "x"))
