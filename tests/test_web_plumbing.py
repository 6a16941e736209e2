"""The web plumbing, on both engines: htmx through litestar-htmx's request details (a
fragment only for an htmx request that asks for part of a page, the whole page for a history
restore, `Vary` on every answer that depends on htmx's headers); INVENTORY_DEBUG's template
reloading."""

from __future__ import annotations

import datetime as dt

from inventory.app import create_app
from inventory.core.settings import Settings

HTMX = {"HX-Request": "true"}
# What htmx sends after "back" when the page is not in its history cache.
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("vary", "").split(",")
            if part.strip()}


def test_asset_list_fragment_page_and_history_restore(empty_client):
    url = "/assets?q=zzz&status=retired"
    page = empty_client.get(url)
    fragment = empty_client.get(url, headers=HTMX)
    restored = empty_client.get(url, headers=RESTORE)
    for response in (page, fragment, restored):
        assert response.status_code == 200
        assert "hx-request" in _vary(response)
    assert "<html" not in fragment.text and 'class="filters"' not in fragment.text
    # The whole page, with its filters as they were: htmx puts it back in place of the body.
    for whole in (page, restored):
        assert "<html" in whole.text and 'class="filters"' in whole.text
        assert 'id="f-q" name="q" value="zzz"' in whole.text
    assert 'hx-swap-oob="true"' not in restored.text  # no out-of-band parts in a whole page


def _plan(client) -> int:
    created = client.post("/plans", data={"name": "Schéma", "years": "5",
                                          "first_year": str(dt.date.today().year + 1)},
                          follow_redirects=False)
    assert created.status_code == 303, created.text
    return int(created.headers["location"].rsplit("/", 1)[1])


def test_plan_lines_fragment_only_for_its_target_and_not_on_history_restore(empty_client):
    plan_id = _plan(empty_client)
    year = dt.date.today().year + 2
    url = f"/plans/{plan_id}?year={year}"
    lines = empty_client.get(url, headers={**HTMX, "HX-Target": "plan-lines"})
    other_target = empty_client.get(url, headers={**HTMX, "HX-Target": "elsewhere"})
    restored = empty_client.get(url, headers={**RESTORE, "HX-Target": "plan-lines"})
    assert lines.status_code == other_target.status_code == restored.status_code == 200
    assert lines.text.lstrip().startswith('<section id="plan-lines">')
    assert "<html" not in lines.text
    for whole in (other_target, restored):
        assert "<html" in whole.text and 'id="plan-editor"' in whole.text
        assert f'hx-get="/plans/{plan_id}?year={year}" hx-target="#plan-lines" ' \
               f'hx-swap="outerHTML" hx-push-url="true" aria-current="page"' in whole.text
    for response in (lines, other_target, restored, empty_client.get(url)):
        assert _vary(response) >= {"hx-request", "hx-target"}


def test_plan_form_answers_vary_on_htmx(empty_client):
    plan_id = _plan(empty_client)
    form = {"name": "Schéma", "first_year": str(dt.date.today().year + 1), "years": "5",
            "budgets": "one", "version": "1"}
    refused = empty_client.post(f"/plans/{plan_id}", data={**form, "years": "40"},
                                headers=HTMX)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert "hx-request" in _vary(refused)
    saved = empty_client.post(f"/plans/{plan_id}", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/plans/{plan_id}"
    assert "hx-request" in _vary(saved)


def test_pages_that_never_vary_say_nothing(empty_client):
    response = empty_client.get("/sites")
    assert response.status_code == 200 and "hx-request" not in _vary(response)


def test_debug_turns_template_reloading_on(empty_url, tmp_path):
    assert Settings.from_env({"INVENTORY_DEBUG": "1"}).debug
    assert not Settings.from_env({}).debug
    for debug in (True, False):
        app = create_app(Settings(database_url=empty_url, data_dir=tmp_path, debug=debug))
        environments = app.template_engine.environments
        assert environments and all(env.auto_reload is debug for env in environments.values())
        assert app.debug is False  # never a stack trace in a response, even then
