"""Importing a file whose sites, categories and statuses are not ours yet: the values screen,
creating sites, categories, rooms and models, defaults for all rows and saved import profiles,
through the pages and the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from inventory.imports import profiles
from inventory.imports.values import CREATE
from tests.factories import uai
from tests.helpers import count, query
from tests.test_imports import ROOT, _write_csv


def _cli(url, *args):
    """The command line of this checkout (`python -m` from its root, not the installed
    script, which may be another checkout's)."""
    env = {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "inventory.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


HEADER = ["Nom", "Type", "Fabricant", "Modèle", "Numéro de série", "Lieu", "UAI", "Statut",
          "Date d'achat"]
# A GLPI-like export: three schools we do not have (one with its UAI code), one we have under
# another spelling, a category we do not have, one spelled differently, a status of GLPI's own.
ROWS = [
    ["PC-CLG-01", "Robot pédagogique", "Wonder", "Dash", "WW-0001",
     "Collège Jean Moulin > Bâtiment B > Salle 12", "0990101X", "En service", "01/09/2023"],
    ["PC-CLG-02", "Robot pédagogique", "Wonder", "Dash", "WW-0002",
     "Collège Jean Moulin > Bâtiment B > Salle 14", "0990101X", "Chez le prestataire", ""],
    ["PC-CLG-03", "Écrans numériques interactifs", "Promethean", "ActivPanel Titanium 75",
     "PR-0003", "Collège Jean Moulin > CDI", "0990101X", "En service", ""],
    ["EM-01", "Écrans numériques interactifs", "Promethean", "ActivPanel Titanium 75",
     "PR-0004", "École maternelle Les Hirondelles > Classe 1", "", "En service", ""],
    ["EM-02", "Écrans numériques interactifs", "Hewlett-Packard", "Écran 75",
     "HP-0005", "École maternelle Les Hirondelles > Classe 2", "", "Chez le prestataire", ""],
    ["LYC-01", "Robot pédagogique", "Wonder", "Cue", "WW-0006", "Lycée Victor Hugo > Atelier",
     "", "En service", ""],
    ["FERRY-01", "Écrans numériques interactifs", "Promethean", "ActivPanel Titanium 75",
     "PR-0007", "École J. Ferry > Bureau direction", "", "En service", ""],
    ["FERRY-02", "Écrans numériques interactifs", "Promethean", "ActivPanel Titanium 75",
     "PR-0008", "École J. Ferry > Bureau direction", "", "En service", ""],
]
COLUMNS = ["hostname", "category", "manufacturer", "model", "serial", "site", "site_uai",
           "status", "purchase_date"]
NEW_SITES = ("Collège Jean Moulin", "École maternelle Les Hirondelles", "Lycée Victor Hugo")


def _glpi(tmp_path: Path) -> Path:
    return _write_csv(tmp_path / "glpi.csv", [HEADER, *ROWS])


class _Form(HTMLParser):
    """What a browser posts from one form of a page: its inputs and the selected option of
    each select (the button is added by the caller)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.select: str | None = None
        self.first: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("type") in ("hidden", "text") and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a["name"]
            self.options[self.select] = []
        elif tag == "option" and self.select:
            self.options[self.select].append(a.get("value", ""))
            self.first.setdefault(self.select, a.get("value", ""))
            if "selected" in a:
                self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.fields.setdefault(self.select, self.first.get(self.select, ""))
            self.select = None
        elif tag == "form":
            self.inside = False


def _form(page: str, form_id: str = "values-form") -> _Form:
    parser = _Form(form_id)
    parser.feed(page)
    return parser


def _choice(form: _Form, field: str, value: str) -> str:
    """The name of the select that maps the file's `value` of `field`."""
    for name, given in form.fields.items():
        if name.startswith(f"value-{field}-") and given == value:
            return name.replace("value-", "choice-", 1)
    raise AssertionError(f"{value} is not listed under {field}")


def _upload(client, path: Path) -> str:
    sent = client.post("/imports", files={"file": (path.name, path.read_bytes(), "text/csv")},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    return sent.headers["location"]


def _values_screen(client, url: str, mapping=COLUMNS, **extra) -> str:
    columns = {f"col_{i}": name for i, name in enumerate(mapping)}
    page = client.post(url, data={**columns, **extra, "action": "values"})
    assert page.status_code == 200, page.text[:2000]
    return page.text


def _commune(make) -> dict:
    """The commune the GLPI file meets: its "École J. Ferry" (under another spelling), a
    school with a UAI code, the categories and makers a close match finds (the interactive
    screens' ENI with Promethean's panel, HP as a maker), the set-up done."""
    make.installation()
    ferry = make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry", kind="groupe_scolaire")
    make.room(ferry, name="Bureau de direction")
    curie = make.site(code="EE-CURIE", name="École élémentaire Marie-Curie", uai=uai(990005))
    make.model(make.category(code="ENI", name="Écran numérique interactif (ENI)"),
               manufacturer="Promethean", name="ActivPanel Titanium 75")
    make.model(make.category(code="PC-PORT", name="Ordinateur portable"), manufacturer="HP",
               name="ProBook 440 G9")
    make.category(code="TNI", name="Tableau numérique interactif (TNI)")
    make.category(code="VPI", name="Vidéoprojecteur interactif (VPI)")
    return {"GS-FERRY": ferry, "EE-CURIE": curie}


def _state():
    return {table: count(table) for table in ("site", "room", "category", "equipment_model",
                                              "asset", "audit_record")}


def test_values_screen_creates_sites_and_categories_then_a_profile_reuses_the_choices(
        empty_client, make, tmp_path):
    _commune(make)
    admin = empty_client
    account = make.sign_in(admin, "administrator")
    url = _upload(admin, _glpi(tmp_path))
    # The purchase date column taken as the commissioning date: a choice the profile keeps.
    page = _values_screen(admin, url, [*COLUMNS[:-1], "commissioning_date"])
    text = html.unescape(page)
    # Each unknown value once, with its count; close matches pre-selected, others created.
    for value, times in [("Robot pédagogique", 3), ("Écrans numériques interactifs", 5),
                         ("Chez le prestataire", 2), ("Collège Jean Moulin", 3),
                         ("École maternelle Les Hirondelles", 2), ("École J. Ferry", 2),
                         ("Wonder", 3), ("Hewlett-Packard", 1)]:
        assert re.search(rf"{re.escape(value)}</label><input[^>]*></th>\s*<td class=\"num\"[^>]*>× "
                         rf"{times}</td>", text), value
    assert "En service" not in re.sub(r"<option[^>]*>[^<]*</option>", "", text)
    form = _form(page)
    assert form.fields[_choice(form, "category", "Écrans numériques interactifs")] == "ENI"
    assert form.fields[_choice(form, "category", "Robot pédagogique")] == CREATE
    assert form.fields[_choice(form, "site", "École J. Ferry")] == "GS-FERRY"
    assert form.fields[_choice(form, "site", "Lycée Victor Hugo")] == CREATE
    assert form.fields[_choice(form, "status", "Chez le prestataire")] == ""  # ours to choose
    assert CREATE not in form.options[_choice(form, "status", "Chez le prestataire")]
    # The person's choices: the status, and HP for Hewlett-Packard.
    form.fields[_choice(form, "status", "Chez le prestataire")] = "in_repair"
    form.fields[_choice(form, "manufacturer", "Hewlett-Packard")] = "HP"
    before = _state()
    checked = admin.post(url, data={**form.fields, "action": "check"})
    assert checked.status_code == 200, html.unescape(checked.text)[-3000:]
    assert "Will be created: 3 new sites, 7 new rooms, 1 new category, 3 new models." in \
        html.unescape(checked.text)
    assert _state() == before  # a dry run writes nothing
    # Saved as a profile, from the same screen.
    saved = admin.post(url, data={**form.fields, "action": "save_profile",
                                  "profile_name": "GLPI de la mairie"})
    assert "The choices are saved as the profile “GLPI de la mairie”." in \
        html.unescape(saved.text)
    done = admin.post(url, data={**_form(checked.text).fields, "action": "import"},
                      follow_redirects=False)
    assert done.status_code == 303
    assert "Created: 3 new sites, 7 new rooms, 1 new category, 3 new models." in \
        html.unescape(admin.get(done.headers["location"]).text)
    sites = {s["name"]: s for s in query("SELECT * FROM site WHERE name IN ({}, {}, {})",
                                         *NEW_SITES)}
    assert {n: (s["code"], s["kind"], s["uai"], s["address"]) for n, s in sites.items()} == {
        "Collège Jean Moulin": ("CLG-MOULIN", "college", "0990101X", ""),
        "École maternelle Les Hirondelles": ("EM-HIRONDELLES", "maternelle", None, ""),
        "Lycée Victor Hugo": ("LYC-HUGO", "lycee", None, "")}
    assert count("audit_record", "entity = 'site' AND action = 'create' AND actor = {}",
                 account["email"]) == 3
    assets = {a["hostname"]: a for a in query(
        "SELECT asset.hostname, asset.status, site.code AS site, room.name AS room, "
        "category.code AS category, equipment_model.manufacturer FROM asset "
        "JOIN site ON site.id = asset.site JOIN category ON category.id = asset.category "
        "LEFT JOIN room ON room.id = asset.room "
        "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
        "WHERE asset.serial IN ({}, {}, {}, {}, {}, {}, {}, {})", *(r[4] for r in ROWS))}
    assert len(assets) == 8
    assert (assets["PC-CLG-02"]["site"], assets["PC-CLG-02"]["room"],
            assets["PC-CLG-02"]["status"]) == ("CLG-MOULIN", "Salle 14", "in_repair")
    assert assets["EM-02"]["category"] == "ENI" and assets["EM-02"]["manufacturer"] == "HP"
    assert assets["FERRY-01"]["site"] == "GS-FERRY"
    assert assets["LYC-01"]["category"] == "ROBOT-PEDAGOGIQUE"
    # The site's page says its address is missing.
    site_page = admin.get("/sites/CLG-MOULIN")
    assert "Address missing" in site_page.text and 'href="/sites/CLG-MOULIN/edit"' in \
        site_page.text

    # The profile: listed, downloaded as the TOML the command line reads, reused.
    index = admin.get("/imports").text
    profile_id = re.search(r'href="/imports/profiles/(\d+)/profile.toml"', index).group(1)
    assert "GLPI de la mairie" in index
    toml = admin.get(f"/imports/profiles/{profile_id}/profile.toml")
    assert toml.status_code == 200 and "attachment" in toml.headers["content-disposition"]
    profile = profiles.parse_profile_file(toml.text, "p.toml")
    assert profile.values["status"] == {"Chez le prestataire": "in_repair"}
    assert profile.values["manufacturer"]["Hewlett-Packard"] == "HP"
    assert profile.columns["Lieu"] == "site"
    second = _write_csv(tmp_path / "second.csv", [
        ["Lieu", "Statut", "Type", "Fabricant", "Modèle", "Numéro de série", "Date d'achat"],
        ["École J. Ferry > Salle 3", "Chez le prestataire", "Écrans numériques interactifs",
         "Hewlett-Packard", "Écran 75", "HP-0100", "02/09/2024"]])
    url2 = _upload(admin, second)
    guessed = admin.get(url2).text
    assert re.search(r'name="col_6">.*?<option value="purchase_date" selected>', guessed, re.S)
    mapping = admin.get(f"{url2}?profile={profile_id}").text
    assert re.search(r'name="col_0">.*?<option value="site" selected>', mapping, re.S)
    assert re.search(r'name="col_6">.*?<option value="commissioning_date" selected>', mapping,
                     re.S)
    assert f'<input type="hidden" name="profile" value="{profile_id}">' in mapping
    page2 = admin.post(url2, data={**_form(mapping, "columns-form").fields, "action": "values"})
    form2 = _form(page2.text)
    assert form2.fields[_choice(form2, "status", "Chez le prestataire")] == "in_repair"
    assert form2.fields[_choice(form2, "site", "École J. Ferry")] == "GS-FERRY"
    imported = admin.post(url2, data={**form2.fields, "action": "import"},
                          follow_redirects=False)
    assert imported.status_code == 303, html.unescape(imported.text)[-2000:]
    reused = query("SELECT status, commissioning_date, purchase_date FROM asset "
                   "WHERE serial = 'HP-0100'")[0]
    assert (reused["status"], str(reused["commissioning_date"])[:10],
            reused["purchase_date"]) == ("in_repair", "2024-09-02", None)
    # Deleted from the list.
    admin.post(f"/imports/profiles/{profile_id}/delete")
    assert "GLPI de la mairie" not in admin.get("/imports").text
    assert admin.get(f"/imports/profiles/{profile_id}/profile.toml").status_code == 404


def test_a_person_who_may_not_create_sites_is_refused(empty_client, make, tmp_path):
    _commune(make)
    planner = empty_client
    make.sign_in(planner, "planner")  # may import and manage categories, not sites
    url = _upload(planner, _glpi(tmp_path))
    page = _values_screen(planner, url)
    form = _form(page)
    moulin = _choice(form, "site", "Collège Jean Moulin")
    assert CREATE not in form.options[moulin] and form.fields[moulin] == ""
    assert CREATE in form.options[_choice(form, "category", "Robot pédagogique")]
    form.fields[moulin] = CREATE  # forced, as a hand-made post would
    form.fields[_choice(form, "status", "Chez le prestataire")] = "in_repair"
    before = _state()
    refused = planner.post(url, data={**form.fields, "action": "import"})
    assert refused.status_code == 400
    assert "You may not create sites (“Collège Jean Moulin”)" in html.unescape(refused.text)
    assert _state() == before


def test_a_file_without_a_site_column_gets_one_message_or_a_site_for_all_rows(
        empty_client, make, tmp_path):
    _commune(make)
    admin = empty_client
    make.sign_in(admin, "administrator")
    path = _write_csv(tmp_path / "nosite.csv", [
        ["Type", "Numéro de série"], ["TNI", "NS-1"], ["TNI", "NS-2"], ["VPI", "NS-3"]])
    url = _upload(admin, path)
    columns = {"col_0": "category", "col_1": "serial"}
    checked = admin.post(url, data={**columns, "action": "check"})
    assert checked.status_code == 400
    message = "No column gives the site: map one, or choose a site for all rows."
    assert html.unescape(checked.text).count(message) == 1
    assert "This field is required" not in checked.text
    mapping_page = admin.get(url).text
    assert '<option value="GS-FERRY"' in mapping_page  # the choice of a site for all rows
    done = admin.post(url, data={**columns, "default_site": "GS-FERRY", "action": "import"},
                      follow_redirects=False)
    assert done.status_code == 303
    assert {r["code"] for r in query("SELECT site.code FROM asset JOIN site ON site.id = "
                                     "asset.site WHERE serial IN ({}, {}, {})", "NS-1", "NS-2",
                                     "NS-3")} == {"GS-FERRY"}


def test_command_line_creates_what_it_is_told_and_reads_a_profile(empty_url, make, tmp_path):
    _commune(make)
    path = _glpi(tmp_path)
    before = _state()
    plain = _cli(empty_url, "import", str(path), "--dry-run")
    assert plain.returncode == 1
    assert "Unknown site “Collège Jean Moulin”" in plain.stderr
    assert "Unknown category “Robot pédagogique”: map it to one of ours, or create it." in \
        plain.stderr
    profile = tmp_path / "glpi.toml"
    profile.write_text('[values.status]\n"Chez le prestataire" = "in_repair"\n'
                       '[values.site]\n"École J. Ferry" = "GS-FERRY"\n'
                       '[values.category]\n"Écrans numériques interactifs" = "ENI"\n'
                       '[values.manufacturer]\n"Hewlett-Packard" = "HP"\n', encoding="utf-8")
    dry = _cli(empty_url, "import", str(path), "--dry-run", "--create", "all",
               "--mapping", str(profile))
    assert dry.returncode == 0, dry.stderr
    assert "Will be created: 3 new sites, 7 new rooms, 1 new category, 3 new models." in \
        dry.stdout
    assert _state() == before
    # --create-categories still works, as --create categories.
    partial = _cli(empty_url, "import", str(path), "--create-categories", "--create", "rooms",
                   "--mapping", str(profile))
    assert partial.returncode == 1 and "Unknown site “Lycée Victor Hugo”" in partial.stderr
    assert "Robot" not in partial.stderr
    done = _cli(empty_url, "import", str(path), "--create", "sites,categories",
                "--mapping", str(profile))
    assert done.returncode == 0, done.stderr
    assert "Created: 3 new sites" in done.stdout
    assert count("site", "code IN ('CLG-MOULIN', 'EM-HIRONDELLES', 'LYC-HUGO')") == 3
    assert count("audit_record", "entity = 'site' AND action = 'create' AND actor = 'cli'") == 3
    bad = _cli(empty_url, "import", str(path), "--create", "buildings")
    assert bad.returncode == 2 and "not “buildings”" in bad.stderr


def test_command_line_site_and_category_for_all_rows(empty_url, make, tmp_path):
    _commune(make)
    path = _write_csv(tmp_path / "serials.csv", [["Numéro de série", "Salle"],
                                                 ["CL-1", "Classe 9"], ["CL-2", ""]])
    missing = _cli(empty_url, "import", str(path), "--dry-run")
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("No column gives the site or the category: map them, or "
                                      "choose a site and a category for all rows.")
    uai = query("SELECT uai FROM site WHERE code = 'EE-CURIE'")[0]["uai"]
    done = _cli(empty_url, "import", str(path), "--site", uai, "--category", "TNI")
    assert done.returncode == 0, done.stderr
    assert query("SELECT site.code, category.code AS category, room.name AS room FROM asset "
                 "JOIN site ON site.id = asset.site JOIN category ON category.id = "
                 "asset.category LEFT JOIN room ON room.id = asset.room "
                 "WHERE serial = 'CL-1'") == [
        {"code": "EE-CURIE", "category": "TNI", "room": "Classe 9"}]
    unknown = _cli(empty_url, "import", str(path), "--site", "NOWHERE", "--category", "TNI")
    assert unknown.returncode == 1
    assert "The site chosen for all rows, “NOWHERE”, does not exist." in unknown.stderr


def test_command_line_takes_a_file_larger_than_the_pages_limit(empty_url, make, tmp_path):
    """A région's fleet in one file (500,000 rows are ~75 MB): the command line reads files
    up to COMMAND_LINE_MAX_FILE_BYTES; the pages keep their 20 MB."""
    from inventory.imports import reading

    _commune(make)
    note = "Câblage HDMI à vérifier. " * 190  # ~4,800 characters, under the notes' 5,000
    rows = [["Type", "Site", "Numéro de série", "Remarques"]] + [
        ["TNI", "GS-FERRY", f"BIG-{n}", note] for n in range(4_600)]
    path = _write_csv(tmp_path / "big.csv", rows)
    assert reading.MAX_FILE_BYTES < path.stat().st_size < reading.COMMAND_LINE_MAX_FILE_BYTES
    dry = _cli(empty_url, "import", str(path), "--dry-run")
    assert "larger than" not in dry.stderr
    assert dry.returncode == 0, dry.stderr[-500:]
    assert "4600" in dry.stdout.replace(",", "").replace("\u202f", "").replace(" ", ""), \
        dry.stdout[-500:]
