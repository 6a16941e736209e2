"""Translations: French by default and complete, English available, placeholders intact."""

import re

import pytest
from babel.messages.pofile import read_po

from inventory.core.i18n import LOCALE_DIR

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(language):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def _template_ids():
    with open(LOCALE_DIR / "messages.pot", "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_french_message_is_translated():
    missing = []
    for message in _catalog("fr"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id)
    assert missing == []


def test_catalog_holds_every_string_of_the_code():
    """Fails when code or templates gained a string that `make messages` did not extract."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = LOCALE_DIR.parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                        str(root / "babel.cfg"), "-k", "lazy_gettext", "-k", "L", "-o", str(out),
                        "."],
                       check=True, cwd=root)
        with open(out, "rb") as f:
            fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    french = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("fr") if m.id}
    assert len(fresh) > 200  # the extraction itself worked
    assert sorted(fresh - french) == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_placeholders_match(language):
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string:
                assert set(PLACEHOLDER.findall(string)) <= wanted | {"%(num)d"}, message.id
                assert "%" not in PLACEHOLDER.sub("", string), message.id


def test_french_is_the_default_language(empty_client):
    response = empty_client.get("/", headers={"accept-language": ""})
    assert "Tableau de bord" in response.text
    assert '<html lang="fr">' in response.text


def test_english_follows_the_browser_and_the_choice_sticks(empty_client):
    assert "Dashboard" in empty_client.get("/", headers={"accept-language": "en-GB"}).text
    switched = empty_client.get("/language/fr", headers={"referer": "http://testserver.local/sites"},
                                follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/sites"
    assert "lang=fr" in switched.headers["set-cookie"]
    page = empty_client.get("/sites", headers={"accept-language": "en"})
    assert "Aucun site" in page.text


def test_language_switch_never_redirects_off_site(empty_client):
    response = empty_client.get("/language/en", headers={"referer": "https://evil.example/x"},
                                follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("referer", ["http://testserver.local//evil.example/x",
                                     "http://testserver.local/\\evil.example/x"])
def test_language_switch_refuses_a_path_that_is_another_host(empty_client, referer):
    """A same-origin referer whose path starts with // names another host to a browser."""
    response = empty_client.get("/language/en", headers={"referer": referer},
                                follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_validation_messages_are_translated(empty_client, make):
    from tests.helpers import count, field_error

    make.installation()
    client = empty_client
    client.cookies.set("lang", "fr")
    response = client.post("/sites/new", data={"name": "", "code": "X", "kind": "college",
                                               "uai": "123"})
    assert response.status_code == 400
    assert field_error(response.text, "name") == "Ce champ est obligatoire."
    assert "chiffres" in field_error(response.text, "uai")
    assert count("site") == 0
