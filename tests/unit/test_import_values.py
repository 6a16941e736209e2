"""Pure rules of the values screen and import profiles: kinds of site, codes, close matches,
profile files."""

from __future__ import annotations

import pytest

from inventory.core import i18n
from inventory.imports.columns import MappingProblem
from inventory.imports.profiles import Profile, parse_profile_file, to_toml
from inventory.imports.report_text import created_text
from inventory.imports.service import values_from_form
from inventory.imports.values import (
    CREATE,
    Choice,
    category_code,
    close_matches,
    parse_create,
    site_code,
    site_kind,
    site_part,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(("name", "kind"), [
    ("École maternelle Les Coquelicots", "maternelle"),
    ("Ecole maternelle Pasteur", "maternelle"),
    ("EM Pasteur", "maternelle"),
    ("École élémentaire Jules Ferry", "elementaire"),
    ("ECOLE ELEMENTAIRE DU CENTRE", "elementaire"),
    ("EE Curie", "elementaire"),
    ("Groupe scolaire des Acacias", "groupe_scolaire"),
    ("GS Jean-Jaurès", "groupe_scolaire"),
    ("École primaire Victor Hugo", "groupe_scolaire"),
    ("Collège Jean Moulin", "college"),
    ("Lycée professionnel Marie Curie", "lycee"),
    ("Mairie annexe", "mairie"),
    ("Hôtel de ville", "mairie"),
    ("Médiathèque Simone-Veil", "mediatheque"),
    ("Gymnase municipal", "gymnase"),
    ("Centre de loisirs Les Pins", "centre_loisirs"),
    ("ALSH du Bourg", "centre_loisirs"),
    ("Les Tilleuls (maternelle)", "maternelle"),
    ("Stade municipal", "other"),
    ("Emeraude", "other"),  # "em" only as a word of its own
    ("", "other"),
])
def test_site_kind_is_read_from_the_name(name, kind):
    assert site_kind(name) == kind


def test_site_codes_are_short_and_unique():
    assert site_code("École élémentaire Jules Ferry", []) == "EE-FERRY"
    assert site_code("École élémentaire Jules Ferry", ["EE-FERRY"]) == "EE-FERRY-2"
    assert site_code("École élémentaire Jules Ferry", ["ee-ferry", "EE-FERRY-2"]) == "EE-FERRY-3"
    assert site_code("Collège Jean Moulin", []) == "CLG-MOULIN"
    assert site_code("Groupe scolaire du Centre", []) == "GS-CENTRE"
    assert site_code("Mairie", []) == "MAIRIE"
    assert site_code("0990001X", [], uai="0990001X") == "SITE-0990001X"
    long = site_code("École maternelle " + "Abcdefghij" * 5, [])
    assert len(long) <= 32 and long.startswith("EM-ABCDEFGHIJ")


def test_category_codes():
    assert category_code("Écran numérique interactif (ENI)", []) == "ENI"
    assert category_code("Robot pédagogique", []) == "ROBOT-PEDAGOGIQUE"
    assert category_code("Robot pédagogique", ["ROBOT-PEDAGOGIQUE"]) == "ROBOT-PEDAGOGIQUE-2"
    assert category_code("???", []) == "IMPORT"


CATEGORIES = [Choice("ENI", "Écran numérique interactif (ENI)"),
              Choice("TNI", "Tableau numérique interactif (TNI)"),
              Choice("VPI", "Vidéoprojecteur interactif (VPI)"),
              Choice("PC-PORT", "PC portable"),
              Choice("TABLETTE", "Tablette")]


@pytest.mark.parametrize(("value", "best"), [
    ("Écran numérique interactif", "ENI"),  # the abbreviation in brackets set aside
    ("ecran numerique interactif", "ENI"),  # accents and case
    ("ENI", "ENI"),  # the abbreviation alone
    ("eni", "ENI"),
    ("Écrans numériques interactifs", "ENI"),  # plural
    ("PC portables", "PC-PORT"),
    ("TABLETTES", "TABLETTE"),
    ("Vidéoprojecteurs interactifs", "VPI"),
    ("Tableau blanc", None),  # not clear enough to choose for the person
    ("Robot pédagogique", None),
])
def test_close_matches_preselect_only_a_clear_one(value, best):
    ranked, chosen = close_matches(value, CATEGORIES)
    assert (chosen.key if chosen else None) == best
    if best:
        assert ranked[0].key == best


def test_close_matches_of_sites_and_ambiguity():
    sites = [Choice("GS-FERRY", "Groupe scolaire Jules-Ferry"),
             Choice("EE-CURIE", "École élémentaire Marie-Curie", ("0990002P",)),
             Choice("EM-FONTAINE", "École maternelle La Fontaine")]
    assert close_matches("École J. Ferry", sites)[1].key == "GS-FERRY"
    assert close_matches("EE Marie Curie", sites)[1].key == "EE-CURIE"
    assert close_matches("0990002P", sites)[1].key == "EE-CURIE"  # by its UAI
    assert close_matches("Collège Jean Moulin", sites) == ([], None)
    twins = [Choice("A", "École Pasteur"), Choice("B", "Ecole Pasteur")]
    ranked, chosen = close_matches("école pasteur", twins)
    assert chosen is None and {c.key for c in ranked} == {"A", "B"}


def test_glpi_location_and_create_words():
    assert site_part("Collège Jean Moulin > Bâtiment B > Salle 12") == "Collège Jean Moulin"
    assert site_part(" GS-FERRY ") == "GS-FERRY"
    assert parse_create("sites, rooms") == {"sites", "rooms"}
    assert parse_create("all") == {"sites", "rooms", "categories", "models"}
    assert parse_create("") == frozenset()
    with pytest.raises(ValueError, match="buildings"):
        parse_create("sites,buildings")


PROFILE_TOML = """
[columns]
"Type d'équipement" = "category"
"Lieu" = "site"
"Commentaire interne" = "ignore"

[values.category]
"PC portable" = "PC-PORT"
"Robot" = "+create"

[values.status]
"Chez le prestataire" = "in_repair"

[values.site]
"École J. Ferry" = "GS-FERRY"

[values.manufacturer]
"Hewlett-Packard" = "HP"

[defaults]
category = "TNI"
create = ["sites", "rooms"]
"""


def test_profile_files_in_toml_and_json():
    profile = parse_profile_file(PROFILE_TOML, "glpi.toml")
    assert profile.columns == {"Type d'équipement": "category", "Lieu": "site",
                               "Commentaire interne": ""}
    assert profile.values["category"] == {"PC portable": "PC-PORT", "Robot": CREATE}
    assert profile.values["status"] == {"Chez le prestataire": "in_repair"}
    assert profile.values["site"] == {"École J. Ferry": "GS-FERRY"}
    assert profile.values["manufacturer"] == {"Hewlett-Packard": "HP"}
    assert profile.defaults == {"category": "TNI"}
    assert profile.create == {"sites", "rooms"}
    # Written back as TOML, read again: the same profile.
    assert parse_profile_file(to_toml(profile, title="Mairie\nGLPI"), "p.toml") == profile
    # JSON, and the older files holding only columns.
    as_json = '{"columns": {"Lieu": "site"}, "values": {"status": {"HS": "faulty"}}}'
    assert parse_profile_file(as_json, "p.json") == Profile(
        columns={"Lieu": "site"}, values={"status": {"HS": "faulty"}})
    assert parse_profile_file('"Réf" = "tag"\nGenre = "category"\n', "old.toml").columns == {
        "Réf": "tag", "Genre": "category"}


@pytest.mark.parametrize(("text", "message"), [
    ('[columns]\nA = "colour"\n', "Unknown field “colour”"),
    ('[values.room]\nA = "B"\n', "Values of “room” cannot be mapped"),
    ('[values.status]\nA = 3\n', "[values.status] must map"),
    ('[defaults]\nroom = "X"\n', "[defaults] may give a site and a category"),
    ('[defaults]\ncreate = ["buildings"]\n', "“create” lists what to create"),
    ('[colums]\nA = "tag"\n', "must map column names"),  # read as an older file
    ('[columns]\nA = "tag"\n[colums]\nB = "tag"\n', "Unknown section “colums”"),
    ('[columns\n', "cannot be read"),
])
def test_bad_profile_files_say_what_is_wrong(text, message):
    with pytest.raises(MappingProblem) as refused:
        parse_profile_file(text, "bad.toml")
    assert message in refused.value.message


def test_values_screen_form_and_what_will_be_created():
    form = {"col_0": "site", "value-site-0": "École J. Ferry", "choice-site-0": "GS-FERRY",
            "value-site-1": "Collège Jean Moulin", "choice-site-1": CREATE,
            "value-status-0": "Chez le prestataire", "choice-status-0": "in_repair",
            "value-category-0": "Robot", "choice-category-0": "",  # left to choose: not given
            "value-room-0": "Salle 1", "choice-room-0": "X"}  # not a value field
    assert values_from_form(form) == {
        "site": {"École J. Ferry": "GS-FERRY", "Collège Jean Moulin": CREATE},
        "status": {"Chez le prestataire": "in_repair"}}
    assert created_text({"sites": 12, "rooms": 37, "categories": 4, "models": 19}) == (
        "Will be created: 12 new sites, 37 new rooms, 4 new categories, 19 new models.")
    assert created_text({"sites": 1, "models": 0, "rooms": 1}, done=True) == (
        "Created: 1 new site, 1 new room.")
    assert created_text({}) == ""
    i18n.set_language("fr")
    assert created_text({"sites": 2, "categories": 1}) == (
        "Seront créés : 2 nouveaux sites, 1 nouvelle catégorie.")
