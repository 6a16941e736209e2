"""French pages carry no English: the main pages, walked in French on a commune's records of
every kind after the actions that fill the histories and the audit log."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests.conftest import ADMIN
from tests.helpers import asset_doc, query, sign_in

# Words that are English and not French (nor names of the test's devices).
ENGLISH = re.compile(
    r"\b(the|and|with|anonymous|die-cut|continuous|roll|campaign|login|created|edited|moved|"
    r"retired|signed|failed|found|missing|unknown|asset|assets|fault|faults|approved|closed|"
    r"offset|labels?|status|changed|reserved|seen|here|new|acknowledged|progress|taken|"
    r"model|category|room|account|sign-in|printer|none|true|false|demo data|command line|"
    r"viewer|director|technician|planner|administrator|draft)\b|\[\d|\d\.\d+ ; ",
    re.I)


def visible_text(page: str) -> str:
    """What a reader sees: no tags, scripts, styles, attribute values or tags of devices."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _english_fragments() -> list[str]:
    """Pieces (between placeholders, 14 characters or more) of every English message whose
    French differs: one of them on a French page is a string that escaped translation."""
    from babel.messages.pofile import read_po

    from inventory.core.i18n import LOCALE_DIR

    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="fr")
    pieces = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if not english or english in strings:
                continue
            for piece in re.split(r"%\(\w+\)\w|%\w", english):
                piece = " ".join(piece.split())
                if len(piece) >= 14 and not any(piece in s for s in strings):
                    pieces.add(piece)
    return sorted(pieces)


FRAGMENTS = _english_fragments()


def english_left(page: str) -> list[str]:
    text = visible_text(page)
    flat = " ".join(text.split())
    found = [f"untranslated: {piece}" for piece in FRAGMENTS if piece in flat]
    for match in ENGLISH.finditer(text):
        start = max(0, match.start() - 40)
        found.append(" ".join(text[start:match.end() + 40].split()))
    return found


def _commune(make) -> dict:
    """A school with rooms and devices of two kinds (one lent, faults at every stage, work
    logged, maintenance due), another school, a draft plan, people of every role."""
    make.installation()
    school = make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry",
                       kind="groupe_scolaire")
    make.site(name="École maternelle des Prés", kind="maternelle")
    rooms = [make.room(school, name=f"Classe {n}") for n in (1, 2)]
    boards = make.category(code="TNI", name="Tableau numérique interactif",
                           is_interactive_display="on", lifespan_years=8)
    laptops = make.category(code="PC-PORT", name="Ordinateur portable", lifespan_years=5)
    board_model = make.model(boards, manufacturer="Fabricant Fictif", name="Tableau 88")
    laptop_model = make.model(laptops, manufacturer="Fabricant Fictif", name="Portable 14")
    devices = [make.asset(site=school, category=boards, room=rooms[n % 2], model=board_model,
                          purchase_date="2018-09-01", purchase_price_eur="2500",
                          warranty_end="2023-09-01", serial=f"TB-{n}") for n in range(3)]
    devices += make.assets(3, site=school, category=laptops, model=laptop_model,
                           purchase_date="2022-01-15", warranty_end="2027-01-15")
    for device, status in zip(devices[1:], ("new", "in_progress", "resolved", "rejected"),
                              strict=False):
        make.fault(device, status=status)
    make.intervention(devices[2], notes="Lampe changée")
    make.loan(devices[-1], make.person(name="Camille Essai"))
    make.maintenance_task(boards, name="Nettoyer le filtre", interval_days=180,
                          starts_on=(dt.date.today() - dt.timedelta(days=200)).isoformat())
    make.plan(name="Plan des écoles")
    # (Addresses without the roles' English names, which the check would find.)
    for role, email in (("planner", "planif"), ("technician", "atelier"), ("viewer", "elu")):
        make.account(role, email=f"{email}@commune.example")
    make.account("director", sites=[school], email="direction@commune.example")
    return {"devices": devices}


def _fill_histories(client):
    """Actions whose records the pages then show: an edit, a retirement, a plan approved,
    an inventory audit closed, printer offsets, an anonymous report, sign-ins."""
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    model = query("SELECT id FROM equipment_model ORDER BY id DESC LIMIT 1")[0]["id"]
    doc = asset_doc(client, tag)
    client.post(f"/a/{tag}/status", data={"status": "retired", "confirm": "1",
                                          "version": doc["version"]})
    client.post(f"/a/{tag}/status", data={"status": "in_service",
                                          "version": asset_doc(client, tag)["version"]})
    client.post("/labels/offsets", data={"format": "avery-l7160", "dx": "0,5", "dy": "0"})
    plan = query("SELECT id, version FROM renewal_plan ORDER BY id LIMIT 1")[0]
    client.post(f"/plans/{plan['id']}/approve", data={"version": str(plan["version"]),
                                                      "confirm": "1"})
    started = client.post("/sites/GS-FERRY/inventory", follow_redirects=False)
    campaign = started.headers["location"]
    client.post(f"{campaign}/check", data={"tag": tag})
    client.post(f"{campaign}/close", data={"confirm": "1"})
    query("SELECT 1")  # (the app's writes are committed: plain reads see them)
    return tag, model, campaign


def test_french_pages_have_no_english_left(empty_client, make, run):
    from inventory.maintenance.service import create_due_items

    client = empty_client
    _commune(make)
    assert run(create_due_items(dt.date.today())) == 3  # due work on the maintenance page
    tag, _model, campaign = _fill_histories(client)
    other = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id DESC LIMIT 1"
                  )[0]["tag"]
    # A visitor's report (anonymous reports switched on), then the administrator again.
    make.anonymous_reports(allowed=True)
    client.cookies.delete("session")
    client.headers["accept-language"] = "fr"
    visitor = client.get(f"/r/{other}")
    assert visitor.status_code == 200 and english_left(visitor.text) == []
    client.headers["accept-language"] = "en"
    assert client.post(f"/r/{other}", data={"symptom": "no_power"},
                       follow_redirects=False).status_code == 303
    sign_in(client, ADMIN)
    client.headers["accept-language"] = "fr"
    fault = query("SELECT id FROM fault ORDER BY id DESC LIMIT 1")[0]["id"]
    assert query("SELECT reported_by FROM fault WHERE id = {}", fault)[0]["reported_by"] == \
        "anonymous"
    room = query("SELECT id FROM room ORDER BY id LIMIT 1")[0]["id"]
    plan = query("SELECT id FROM renewal_plan ORDER BY id LIMIT 1")[0]["id"]
    user = query("SELECT id FROM app_user ORDER BY id LIMIT 1")[0]["id"]
    pages = ["/", "/assets", f"/a/{tag}", f"/a/{other}", f"/a/{tag}/edit", f"/a/{tag}/move",
             "/assets/new", "/sites", "/sites/GS-FERRY", f"/rooms/{room}", "/labels",
             "/labels?format=brother-ql-29x62", "/faults", f"/faults/{fault}",
             f"/faults/new?asset={tag}", "/plans", f"/plans/{plan}", "/admin/audit", campaign,
             "/sites/GS-FERRY/inventory", "/categories", "/imports", "/maintenance",
             "/admin/users", f"/admin/users/{user}", "/account", "/scan",
             f"/plans/{plan}/print", "/sites/GS-FERRY/edit", f"/rooms/{room}/edit",
             "/maintenance/tasks", "/categories/new"]
    left = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_left(response.text)
        if words:
            left[url] = words[:8]
    # The check itself finds English where there is some.
    assert english_left("<p>Print labels for this list</p>")
    assert left == {}, "\n".join(f"{url}: {w}" for url, words in left.items() for w in words)


def test_a_new_categorys_record_in_words(empty_client, make):
    """A category's creation in the audit log: its flags as yes/no and its symptoms by name
    (they showed True/False and codes such as no_image,pen under "symptoms")."""
    make.installation()
    created = empty_client.post("/categories/new", data={
        "code": "TNI", "name": "Tableau", "lifespan_years": "8", "replacement_cost_eur": "900",
        "is_interactive_display": "on"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    empty_client.headers["accept-language"] = "fr"
    log = empty_client.get("/admin/audit").text
    assert english_left(log) == []
    assert "Oui" in log and "Pas d’image" in log and "no_image" not in log
