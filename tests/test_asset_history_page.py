"""An asset's page shows its latest changes and links to the whole history, which pages
through every record, newest first; a person who sees only some sites reads the same folded
history as on the asset page and the API. Both engines."""

import re

from tests.helpers import edit_form


def _entries(html: str) -> list[str]:
    """The note each "Edited" record shown wrote (its "after" cell), newest first."""
    history = html.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<td>(note \d+)</td></tr>", history)


def _edit(client, tag: str, count: int) -> None:
    for number in range(1, count + 1):
        form = edit_form(client, tag, notes=f"note {number}")
        assert client.post(f"/a/{tag}/edit", data=form).status_code in (200, 303)


def test_the_page_shows_the_latest_ten_and_the_history_pages_through_all(empty_client, make):
    client = empty_client
    asset = make.asset()
    make.sign_in(client, make.account("administrator"))
    _edit(client, asset["tag"], 61)  # 61 edits + the creation: 62 records

    page = client.get(f"/a/{asset['tag']}").text
    assert _entries(page) == [f"note {n}" for n in range(61, 51, -1)]  # the latest ten
    assert f'href="/a/{asset["tag"]}/history"' in page

    first = client.get(f"/a/{asset['tag']}/history")
    assert first.status_code == 200
    assert _entries(first.text) == [f"note {n}" for n in range(61, 11, -1)]  # fifty
    older = re.search(rf'href="/a/{asset["tag"]}/history\?before=(\d+)"', first.text)
    assert older, "a link to the older records"
    second = client.get(f"/a/{asset['tag']}/history?before={older.group(1)}")
    assert second.status_code == 200
    # The eleven first edits, then the creation (which wrote no note).
    assert _entries(second.text) == [f"note {n}" for n in range(11, 0, -1)]
    assert second.text.count("<li>") - second.text.split('<ol class="history">')[0].count("<li>") >= 12
    assert "history?before=" not in second.text  # nothing older
    assert f'href="/a/{asset["tag"]}/history"' in second.text  # back to the latest
    # The same records as the API's pages, in the same order.
    api = client.get(f"/api/v1/assets/{asset['tag']}/history?limit=100").json()
    assert len(api["items"]) == 62 and api["next_cursor"] is None


def test_a_creation_lists_its_values_only_on_the_whole_history(empty_client, make):
    """On the asset page (a phone on a weak link) a creation is one line: its values are what
    the page shows, or the "before" of a later change; the whole history lists them."""
    client = empty_client
    asset = make.asset(serial="SN-CREATED-1")
    make.sign_in(client, make.account("technician"))
    page = client.get(f"/a/{asset['tag']}").text
    history, after = page.split('<ol class="history">', 1)[1].split("</ol>", 1)
    assert history.count("<li>") == 1 and "<table" not in history
    assert f'href="/a/{asset["tag"]}/history"' in after.split("</section>", 1)[0]
    whole = client.get(f"/a/{asset['tag']}/history").text.split('<ol class="history">', 1)[1]
    assert re.search(r"<td>—</td><td>SN-CREATED-1</td>", whole)


def test_bad_cursors_are_ignored(empty_client, make):
    client = empty_client
    asset = make.asset()
    make.sign_in(client, make.account("technician"))
    for before in ("abc", "-1", "99999999999999999999", "0"):
        response = client.get(f"/a/{asset['tag']}/history?before={before}")
        assert response.status_code == 200 and '<ol class="history">' in response.text


def test_the_history_page_keeps_the_asset_pages_scope(empty_client, make):
    client = empty_client
    mine, theirs = make.site(), make.site()
    asset = make.asset(site=theirs)
    make.sign_in(client, make.account("director", sites=[mine]))
    assert client.get(f"/a/{asset['tag']}").status_code == 404  # as its page
    assert client.get(f"/a/{asset['tag']}/history").status_code == 404
    assert client.get("/a/NO-SUCH-TAG/history").status_code == 404
