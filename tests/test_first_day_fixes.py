"""What a new user met on the way (issue 12): rooms in natural order everywhere they are
listed, one way of counting a site's devices, the audit log in words."""

from __future__ import annotations

import re

from tests.helpers import asset_doc, count, query


def _names_in_order(html: str, names: list[str]) -> list[str]:
    found = sorted((html.index(n), n) for n in names if n in html)
    return [n for _i, n in found]


def test_rooms_sort_naturally_on_every_page(empty_client, make):
    make.installation()  # room labels print with a public address
    client = empty_client
    site = make.site(code="EM-FONTAINE", kind="maternelle")["code"]
    created = ["Classe 10", "Classe 2", "Classe 1", "Classe 11"]
    for name in created:
        response = client.post(f"/sites/{site}/rooms/new", data={"name": name,
                                                                  "kind": "classroom"},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
    natural = ["Classe 1", "Classe 2", "Classe 10", "Classe 11"]

    def order(html):
        # Each name as an exact option or cell text, so "Classe 1" is not found in "Classe 10".
        spots = sorted((m.start(), name) for name in natural
                       for m in re.finditer(rf">{re.escape(name)}<", html))
        return [name for _i, name in spots]

    assert order(client.get(f"/sites/{site}").text) == natural  # the site's rooms
    assert order(client.get(f"/assets?site={site}").text) == natural  # the list's filter
    assert order(client.get(f"/assets/room-options?site={site}").text) == natural  # htmx
    assert order(client.get(f"/assets/new?site={site}").text) == natural  # the asset form
    started = client.post(f"/sites/{site}/inventory", follow_redirects=False)
    assert order(client.get(started.headers["location"]).text) == natural  # inventory audit
    # Door labels come out in the same order (one label per page of a roll format).
    import pypdfium2 as pdfium

    pdf = client.get(f"/labels/rooms.pdf?site={site}&format=brother-ql-29x62")
    document = pdfium.PdfDocument(pdf.content)
    texts = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    firsts = [next(n for n in reversed(natural) if n in t) for t in texts
              if any(n in t for n in natural)]
    assert firsts == natural


def test_a_site_and_the_dashboard_count_its_devices_alike(empty_client, make):
    make.installation()
    client = empty_client
    school = make.site(code="GS-FERRY")
    site, site_id = school["code"], school["id"]
    tag = make.asset(site=school)["tag"]
    for status in ("in_service", "in_stock", "faulty", "in_repair", "retired"):
        make.asset(site=school, status=status)
    make.asset()  # at another site
    retiring = client.post(f"/a/{tag}/status", data={
        "status": "retired", "confirm": "1", "version": asset_doc(client, tag)["version"]},
        follow_redirects=False)
    assert retiring.status_code == 303, retiring.text
    active = count("asset", "site = {} AND status != 'retired'", site_id)
    retired = count("asset", "site = {} AND status = 'retired'", site_id)
    assert (active, retired) == (4, 2)
    page = client.get(f"/sites/{site}").text
    assert f'<a href="/assets?site={site}&amp;status=active">{active} assets on this site</a>' \
        in page
    assert "in service, in stock, faulty or in repair" in page
    assert f'{retired} retired, not counted' in page
    dashboard = client.get("/").text
    assert f'<a href="/assets?site={site}&amp;status=active">{active}</a>' in dashboard
    assert "retired devices are not counted" in dashboard
    sites = client.get("/sites").text
    assert f'<a href="/assets?site={site}&amp;status=active">{active}</a>' in sites
    # The list those links open counts the same.
    listed = client.get(f"/assets?site={site}&status=active").text
    assert f"{active} assets" in listed


def test_the_audit_log_says_what_and_whom_in_words(empty_client, make):
    make.installation()
    client = empty_client
    school = make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry")
    # A device whose category has another model to change to.
    projectors = make.category(code="VP")
    first = make.model(projectors, manufacturer="Epsilon", name="EB-100")
    model = make.model(projectors, manufacturer="Bencue", name="MX-560")
    tag = make.asset(site=school, model=first)["tag"]
    doc = asset_doc(client, tag)
    from tests.helpers import edit_form

    edited = client.post(f"/a/{tag}/edit", data=edit_form(client, tag, model=model["id"]),
                         follow_redirects=False)
    assert edited.status_code == 303, edited.text
    started = client.post("/sites/GS-FERRY/inventory", follow_redirects=False)
    campaign = started.headers["location"].rsplit("/", 1)[1]
    client.post(f"/inventory/{campaign}/close", data={"confirm": "1"})
    client.headers["accept-language"] = "fr"
    log = client.get("/admin/audit").text
    text = " ".join(re.sub(r"<[^>]+>", " ", log).split())
    # The model by its name, not its id; the inventory audit by its site and date.
    assert f"{model['manufacturer']} {model['name']}" in text
    assert not re.search(rf"Modèle : \S+ → {model['id']}\b", text)
    assert re.search(r"Inventaire Groupe scolaire Jules-Ferry, \d\d/\d\d/\d{4}", text)
    assert "campaign" not in text and "Clôturé" in text
    # Dates in the asset's history as on the rest of the page.
    history = client.get(f"/a/{tag}").text
    assert doc["tag"] in history
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", " ", history))
    # A visitor's report reads "Anonymous visitor" in the fault's timeline.
    make.anonymous_reports(allowed=True)
    session = client.cookies.get("session")
    client.cookies.delete("session")
    client.post(f"/r/{tag}", data={"symptom": "no_power"})
    client.cookies.set("session", session)
    fault = query("SELECT id FROM fault WHERE anonymous ORDER BY id DESC LIMIT 1")[0]["id"]
    timeline = client.get(f"/faults/{fault}").text
    assert "Visiteur anonyme" in timeline and "anonymous" not in re.sub(r"<[^>]+>", " ",
                                                                        timeline)
