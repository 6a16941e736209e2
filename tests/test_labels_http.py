"""Labels through the pages: selections, scoping, blank tags, offsets, the scan page."""

import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp

from tests.helpers import count, field_error, query


def _codes(pdf_bytes: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf_bytes)
    found = []
    for page in document:
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil())]
    return sorted(found)


def _site_id(code):
    return query("SELECT id FROM site WHERE code = {}", code)[0]["id"]


def test_labels_for_a_filtered_list(client):
    response = client.get("/labels/assets.pdf?site=EM-FONTAINE&format=avery-l7160")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    expected = query("SELECT tag FROM asset WHERE site = {} AND status != 'retired' ORDER BY tag",
                     _site_id("EM-FONTAINE"))
    base = "http://127.0.0.1:8000"
    assert _codes(response.content) == sorted(f"{base}/a/{r['tag']}" for r in expected)


def test_labels_for_typed_tags_and_bad_input(client):
    ok = client.get("/labels/assets.pdf", params={"tags": "brn-000001, BRN-000002",
                                                  "format": "avery-l7651"})
    assert _codes(ok.content) == ["http://127.0.0.1:8000/a/BRN-000001",
                                  "http://127.0.0.1:8000/a/BRN-000002"]
    bad = client.get("/labels/assets.pdf", params={"tags": "hello BRN-000001"})
    assert bad.status_code == 400 and "These are not tags: HELLO" in bad.text
    unknown = client.get("/labels/assets.pdf", params={"format": "a4-nothing"})
    assert unknown.status_code == 400
    # A well-formed tag that matches no asset is named beside the field, not left out
    # silently (it used to print the other tags, or say only "No label to print").
    none = client.get("/labels/assets.pdf", params={"tags": "BRN-999999"})
    assert none.status_code == 400
    assert "BRN-999999" in (field_error(none.text, "tags") or "")
    typo = client.get("/labels/assets.pdf", params={"tags": "BRN-000001 BRN-0000002x"})
    assert typo.status_code == 400 and "BRN-0000002X" in field_error(typo.text, "tags")
    mistyped = client.get("/labels/assets.pdf", params={"tags": "BRN-000001 BRN-990001"})
    assert mistyped.status_code == 400
    assert "BRN-990001" in field_error(mistyped.text, "tags")
    assert "BRN-000001" not in field_error(mistyped.text, "tags")
    client.headers["accept-language"] = "fr"
    french = client.get("/labels/assets.pdf", params={"tags": "BRN-990001"})
    assert "Aucun" in field_error(french.text, "tags")
    client.headers["accept-language"] = "en"
    skip = client.get("/labels/assets.pdf", params={"skip": "40", "format": "avery-l7160"})
    assert skip.status_code == 400 and "at most 20" in skip.text


def test_room_labels_open_the_room(client):
    response = client.get("/labels/rooms.pdf?site=EM-FONTAINE&format=brother-ql-29x62")
    rooms = query("SELECT id FROM room WHERE site = {}", _site_id("EM-FONTAINE"))
    assert _codes(response.content) == sorted(f"http://127.0.0.1:8000/rooms/{r['id']}"
                                              for r in rooms)


def test_director_prints_only_their_own_site(client_as):
    director = client_as("director")
    own = director.get("/labels/assets.pdf?format=avery-l7160")
    tags = query("SELECT tag FROM asset WHERE site = {} AND status != 'retired'",
                 _site_id("GS-FERRY"))
    assert len(_codes(own.content)) == len(tags)
    other = director.get("/labels/assets.pdf?site=GS-JAURES")
    assert other.status_code == 400 and "No label to print" in other.text
    other_tag = query("SELECT tag FROM asset WHERE site = {} LIMIT 1", _site_id("GS-JAURES"))
    assert director.get("/labels/assets.pdf", params={"tags": other_tag[0]["tag"]}
                        ).status_code == 400
    assert director.get("/labels/rooms.pdf?site=GS-JAURES").status_code == 404
    assert director.post("/labels/blank", data={"count": "3"}).status_code == 403


def test_blank_labels_reserve_tags_then_register_a_device(client):
    before = query("SELECT last_value FROM tag_sequence")[0]["last_value"]
    reserved = client.post("/labels/blank", data={"count": "3", "format": "avery-l7160"},
                           follow_redirects=False)
    assert reserved.status_code == 303
    pdf = client.get(reserved.headers["location"])
    tags = [f"BRN-{n:06d}" for n in range(before + 1, before + 4)]
    assert _codes(pdf.content) == [f"http://127.0.0.1:8000/a/{t}" for t in tags]
    # The sequence moved on: those tags are never handed out again.
    created = client.post("/assets/new", data={"site": "EE-CURIE", "category": "VISU"},
                          follow_redirects=False)
    assert created.headers["location"] == f"/a/BRN-{before + 4:06d}"
    # Scanning a blank label offers to register the device with its tag.
    page = client.get(f"/a/{tags[0]}")
    assert page.status_code == 200 and "Blank label" in page.text
    registered = client.post("/assets/new", data={"tag": tags[0], "site": "EE-CURIE",
                                                  "category": "TABLETTE", "serial": "BLANK-1"},
                             follow_redirects=False)
    assert registered.headers["location"] == f"/a/{tags[0]}"
    again = client.post("/assets/new", data={"tag": tags[0], "site": "EE-CURIE",
                                             "category": "TABLETTE"})
    assert again.status_code == 400 and "not a blank label" in again.text
    assert client.post("/assets/new", data={"tag": "BRN-999998", "site": "EE-CURIE",
                                            "category": "TABLETTE"}).status_code == 400
    assert count("reserved_tag", "used_at IS NOT NULL") == 1
    assert client.post("/labels/blank", data={"count": "9999"}).status_code == 400


def test_offsets_are_remembered_per_format_and_validated(client):
    saved = client.post("/labels/offsets", data={"format": "avery-l7163", "dx": "-1,5",
                                                 "dy": "0.5"}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get("/labels?format=avery-l7163")
    assert 'value="-1.5"' in page.text and 'value="0.5"' in page.text
    assert 'value="0.0"' in client.get("/labels?format=avery-l7160").text
    bad = client.post("/labels/offsets", data={"format": "avery-l7163", "dx": "45", "dy": "x"})
    assert bad.status_code == 400 and "between -20 and 20" in bad.text
    calibration = client.get("/labels/calibration.pdf?format=avery-l7163")
    assert calibration.status_code == 200
    text = pdfium.PdfDocument(calibration.content)[0].get_textpage().get_text_range()
    assert "-1.5" in text


def test_offsets_go_to_the_format_chosen_for_the_calibration_page(client):
    """The calibration page and the offsets share one format choice: choosing Zweckform
    3475 and saving saves to Zweckform 3475, not to the page's default Avery L7160."""
    page = client.get("/labels")
    form = page.text[page.text.index('id="calibration"'):]
    form = form[:form.index("</form>")]
    assert form.count('name="format"') == 1  # one choice, for both buttons
    assert 'formaction="/labels/calibration.pdf"' in form
    saved = client.post("/labels/offsets", data={"format": "zweckform-3475", "dx": "1,5",
                                                 "dy": "-0,25"}, follow_redirects=False)
    assert saved.headers["location"] == "/labels?format=zweckform-3475&saved=1"
    rows = {r["key"]: r["value"] for r in query(
        "SELECT key, value FROM app_setting WHERE key LIKE {}", "label_offset:%")}
    assert rows == {"label_offset:zweckform-3475": "1.5;-0.25"}
    shown = client.get(saved.headers["location"])
    assert '<option value="zweckform-3475" selected>' in shown.text
    assert 'value="1.5"' in shown.text and 'value="-0.25"' in shown.text
    assert "Offsets saved for Avery Zweckform 3475" in shown.text
    # The calibration button submits the same form by GET: the PDF is the chosen format's.
    pdf = client.get("/labels/calibration.pdf", params={"format": "zweckform-3475",
                                                        "dx": "1,5", "dy": "-0,25",
                                                        "_csrf_token": "x"})
    assert pdf.status_code == 200 and "zweckform-3475" in pdf.headers["content-disposition"]
    client.headers["accept-language"] = "fr"
    french = client.get("/labels?format=zweckform-3475")
    assert 'value="1,5"' in french.text and 'value="-0,25"' in french.text
    assert 'id="f-dx" name="dx" value="0,0"' in client.get("/labels").text


def test_print_link_follows_a_filter_set_in_place(client):
    """The asset list filtered by htmx: its answer carries the labels link for that filter
    (swapped out of band), so printing gives that list, not the whole fleet."""
    import re

    def link(html):
        return re.search(r'<a href="([^"]*)" id="print-labels"', html).group(1).replace(
            "&amp;", "&")

    assert link(client.get("/assets").text) == "/labels"
    fragment = client.get("/assets?site=EM-FONTAINE&status=in_service",
                          headers={"HX-Request": "true"})
    assert '<span id="print-labels-link" hx-swap-oob="true">' in fragment.text
    assert link(fragment.text) == "/labels?site=EM-FONTAINE&status=in_service"
    # Without JS the full page has the same link.
    assert link(client.get("/assets?site=EM-FONTAINE&status=in_service").text) == \
        "/labels?site=EM-FONTAINE&status=in_service"
    labels_page = client.get(link(fragment.text))
    pdf = client.get("/labels/assets.pdf", params={"site": "EM-FONTAINE",
                                                   "status": "in_service"})
    expected = query("SELECT tag FROM asset WHERE site = {} AND status = 'in_service'",
                     _site_id("EM-FONTAINE"))
    assert 'name="site" value="EM-FONTAINE"' in labels_page.text
    assert len(_codes(pdf.content)) == len(expected) > 0


def test_seen_here_and_scan_page(client):
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    seen = client.post(f"/a/{tag}/seen", follow_redirects=False)
    assert seen.status_code == 303
    assert query("SELECT last_seen_on FROM asset WHERE tag = {}", tag)[0]["last_seen_on"]
    assert count("audit_record", "entity_key = {} AND action = 'seen'", tag) == 1
    assert client.get("/scan").status_code == 200
    assert client.get("/scan?tag=brn-000002", follow_redirects=False).headers["location"] == \
        "/a/BRN-000002"
    assert client.get("/scan?tag=Epson", follow_redirects=False).headers["location"] == \
        "/assets?q=Epson"


def test_scan_page_is_small(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    html = client.get(f"/a/{tag}").content
    css = client.get("/static/app.css").content
    assert len(html) + len(css) < 50_000


def test_labels_command(demo_url, tmp_path):
    out = tmp_path / "labels.pdf"
    env = {**os.environ, "INVENTORY_DATABASE_URL": demo_url,
           "INVENTORY_BASE_URL": "https://inventaire.example"}
    uai = query("SELECT uai FROM site WHERE code = 'EM-FONTAINE'")[0]["uai"]
    done = subprocess.run([str(Path(sys.executable).parent / "inventory"), "labels", "--site",
                           uai, "--format", "zweckform-3475", "-o", str(out)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    codes = _codes(out.read_bytes())
    assert codes and all(c.startswith("https://inventaire.example/a/BRN-") for c in codes)
    bad = subprocess.run([str(Path(sys.executable).parent / "inventory"), "labels", "--format",
                          "nope", "-o", str(out)], env=env, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "Unknown format" in bad.stderr
    # (Run as a module from this checkout: the installed command may be another one's.)
    typo = subprocess.run([sys.executable, "-m", "inventory.cli", "labels", "--tag",
                           "BRN-000001", "--tag", "BRN-990001", "--format", "avery-l7160",
                           "-o", str(tmp_path / "t.pdf")], env=env, capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert typo.returncode == 2 and "BRN-990001" in typo.stderr
    assert "BRN-000001" not in typo.stderr and not (tmp_path / "t.pdf").exists()


def test_log_an_intervention_from_the_asset_page(client_as):
    tech = client_as("technician")
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    bad = tech.post(f"/a/{tag}/interventions", data={"kind": "repair", "done_on": "2999-01-01",
                                                      "cost_eur": "-3", "notes": "lampe"})
    assert bad.status_code == 400
    assert "in the future" in bad.text and "negative" in bad.text
    assert "lampe" in bad.text  # what was typed is kept
    assert count("intervention") == 0
    ok = tech.post(f"/a/{tag}/interventions", data={
        "kind": "repair", "minutes_spent": "25", "parts": "Lampe ELPLP96", "cost_eur": "89,90",
        "notes": "Lampe changée, filtre nettoyé"}, follow_redirects=False)
    assert ok.status_code == 303
    page = tech.get(f"/a/{tag}").text
    assert "Lampe changée, filtre nettoyé" in page and "25 minutes" in page
    row = query("SELECT cost_cents, technician FROM intervention")[0]
    assert row["cost_cents"] == 8990 and row["technician"] == "tech@brenneville.example"
    assert count("audit_record", "entity_key = {} AND action = 'intervention'", tag) == 1
    viewer = client_as("viewer")
    assert viewer.post(f"/a/{tag}/interventions", data={"kind": "repair"}).status_code == 403
