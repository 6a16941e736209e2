"""The set-up's pure rules: prefix proposal and check, public address checks, what a
scanned value opens, which settings the environment fixes, display names."""

import pytest

from inventory.accounts.names import display_name
from inventory.assets.scanning import origin, scanned_target
from inventory.core.settings import Settings
from inventory.setup import rules


@pytest.mark.parametrize(("name", "prefix"), [
    ("Commune de Villebois", "VIL"),
    ("Mairie d'Évreux", "EVR"),
    ("Ville de Saint-Martin-sur-Loire", "SML"),
    ("Communauté de communes du Val de Saône et Vingeanne", "VSV"),
    ("Syndicat intercommunal de Beaulieu Montreuil Vernon Ivry", "BMVI"),
    ("Commune de", "INV"),
    ("", "INV"),
    ("Brenneville", "BRE"),
])
def test_prefix_is_proposed_from_the_organisation_name(name, prefix):
    assert rules.propose_prefix(name) == prefix
    assert rules.prefix_problem(prefix) is None


@pytest.mark.parametrize("bad", ["", "VI", "VILLE", "V1L", "VÎL", "vil "])
def test_prefix_is_three_or_four_plain_letters(bad):
    assert rules.prefix_problem(bad)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://inventaire.villebois.example", None),
    ("https://mairie.example/inventaire", None),
    ("http://127.0.0.1:8000", "only works on the computer"),
    ("http://localhost:8000", "only works on the computer"),
    ("http://[::1]:8000", "only works on the computer"),
    ("http://0.0.0.0:8000", "only works on the computer"),
    ("http://192.168.1.20", "private network"),
    ("https://10.0.0.5", "private network"),
    ("https://172.20.1.1:8443", "private network"),
    ("http://inventaire", "private network"),
    ("https://inventaire.mairie.lan", "private network"),
    ("http://inventaire.villebois.example", "plain http"),
])
def test_public_address_warnings(url, expected):
    assert rules.address_problem(url) is None
    warning = rules.address_warning(url)
    if expected is None:
        assert warning is None and not rules.is_local_address(url)
    else:
        assert expected in warning and url in warning
        assert rules.is_local_address(url) == (expected != "plain http")


@pytest.mark.parametrize("bad", ["inventaire.example", "ftp://x.example", "https://",
                                 "https://x.example/?a=1", "https://x.example:99999",
                                 "https://user:pw@x.example"])
def test_public_address_must_be_an_address(bad):
    assert rules.address_problem(bad)


def test_phone_check():
    assert rules.phone_problem("") is None
    assert rules.phone_problem("+33 1 99 00 00 00") is None
    assert rules.phone_problem("appelez-nous")


def test_starter_categories_are_those_of_the_field():
    codes = [c.code for c in rules.STARTER_CATEGORIES]
    assert len(codes) == len(set(codes)) == 13
    names = " ".join(c.name for c in rules.STARTER_CATEGORIES)
    for word in ("TNI", "VPI", "ENI", "Vidéoprojecteur", "Visualiseur", "PC fixe", "PC portable",
                 "Tablette", "Imprimante", "switch", "Borne Wi-Fi", "Pare-feu", "NAS"):
        assert word in names
    assert all(1 <= c.lifespan_years <= 15 and c.replacement_cost_cents > 0
               for c in rules.STARTER_CATEGORIES)


OWN = ("http://testserver.local", "https://inventaire.villebois.example")


@pytest.mark.parametrize(("value", "expected"), [
    ("https://inventaire.villebois.example/a/VIL-000012", ("open", "/a/VIL-000012")),
    ("HTTPS://Inventaire.Villebois.example:443/a/VIL-000012/", ("open", "/a/VIL-000012")),
    ("http://testserver.local/rooms/12", ("open", "/rooms/12")),
    ("https://inventaire.autre.example/a/VIL-000012",
     ("foreign", "https://inventaire.autre.example/a/VIL-000012")),
    ("http://inventaire.villebois.example/a/VIL-000012",  # another scheme: another origin
     ("foreign", "http://inventaire.villebois.example/a/VIL-000012")),
    ("https://inventaire.villebois.example:8443/a/VIL-1",
     ("foreign", "https://inventaire.villebois.example:8443/a/VIL-1")),
    ("/a/VIL-000003", ("open", "/a/VIL-000003")),
    ("vil-000003", ("tag", "VIL-000003")),
    ("Epson", ("search", "Epson")),
    ("https://inventaire.villebois.example/admin/users", ("search",
                                                          "https://inventaire.villebois.example/admin/users")),
])
def test_what_a_scanned_value_opens(value, expected):
    assert scanned_target(value, OWN) == expected


def test_origin():
    assert origin("https://X.example:443/a/B") == "https://x.example"
    assert origin("http://x.example:8000") == "http://x.example:8000"
    assert origin("not a url") == ""


def test_environment_fixes_only_what_it_sets():
    assert Settings.from_env({}).fixed == frozenset()
    settings = Settings.from_env({"INVENTORY_TAG_PREFIX": "vil", "INVENTORY_BASE_URL":
                                  "https://inventaire.example/", "INVENTORY_LABEL_OWNER": ""})
    assert settings.fixed == {"tag_prefix", "base_url", "label_owner"}
    assert settings.tag_prefix == "VIL" and settings.base_url == "https://inventaire.example"
    assert settings.secure_cookies and not Settings.from_env({}).secure_cookies


def test_display_name_falls_back_to_the_email():
    assert display_name("Camille Roux", "c@x.example") == "Camille Roux"
    assert display_name("  ", "c@x.example") == "c@x.example"
    assert display_name(None, "c@x.example") == "c@x.example"
