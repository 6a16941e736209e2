"""Labels through the pages: selections, scoping, blank tags, offsets, the scan page."""

import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from tests.factories import PUBLIC_URL, uai
from tests.helpers import count, field_error, query


def _codes(pdf_bytes: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf_bytes)
    found = []
    for page in document:
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil())]
    return sorted(found)


def _links(tags) -> list[str]:
    return sorted(f"{PUBLIC_URL}/a/{tag}" for tag in tags)


@pytest.fixture
def admin(empty_client, make):
    """An administrator on an installation whose set-up is done (labels point at its
    public address, PUBLIC_URL)."""
    make.installation()
    return empty_client


def test_labels_for_a_filtered_list(admin, make):
    school = make.site()
    kept = make.assets(2, site=school) + [make.asset(site=school, status="in_stock")]
    make.asset(site=school, status="retired")
    make.asset()  # another site's
    response = admin.get(f"/labels/assets.pdf?site={school['code']}&format=avery-l7160")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert _codes(response.content) == _links(a["tag"] for a in kept)


def test_labels_for_typed_tags_and_bad_input(admin, make):
    first, second = (a["tag"] for a in make.assets(2))
    assert (first, second) == ("BRN-000001", "BRN-000002")
    ok = admin.get("/labels/assets.pdf", params={"tags": f"{first.lower()}, {second}",
                                                 "format": "avery-l7651"})
    assert _codes(ok.content) == _links([first, second])
    bad = admin.get("/labels/assets.pdf", params={"tags": f"hello {first}"})
    assert bad.status_code == 400 and "These are not tags: HELLO" in bad.text
    unknown = admin.get("/labels/assets.pdf", params={"format": "a4-nothing"})
    assert unknown.status_code == 400
    # A well-formed tag that matches no asset is named beside the field, not left out
    # silently (it used to print the other tags, or say only "No label to print").
    none = admin.get("/labels/assets.pdf", params={"tags": "BRN-999999"})
    assert none.status_code == 400
    assert "BRN-999999" in (field_error(none.text, "tags") or "")
    typo = admin.get("/labels/assets.pdf", params={"tags": f"{first} BRN-0000002x"})
    assert typo.status_code == 400 and "BRN-0000002X" in field_error(typo.text, "tags")
    mistyped = admin.get("/labels/assets.pdf", params={"tags": f"{first} BRN-990001"})
    assert mistyped.status_code == 400
    assert "BRN-990001" in field_error(mistyped.text, "tags")
    assert first not in field_error(mistyped.text, "tags")
    admin.headers["accept-language"] = "fr"
    french = admin.get("/labels/assets.pdf", params={"tags": "BRN-990001"})
    assert "Aucun" in field_error(french.text, "tags")
    admin.headers["accept-language"] = "en"
    skip = admin.get("/labels/assets.pdf", params={"skip": "40", "format": "avery-l7160"})
    assert skip.status_code == 400 and "at most 20" in skip.text


def test_room_labels_open_the_room(admin, make):
    school = make.site()
    rooms = [make.room(school), make.room(school)]
    make.room()  # another site's
    response = admin.get(f"/labels/rooms.pdf?site={school['code']}&format=brother-ql-29x62")
    assert _codes(response.content) == sorted(f"{PUBLIC_URL}/rooms/{r['id']}" for r in rooms)


def test_director_prints_only_their_own_site(admin, make):
    own, other = make.site(), make.site()
    own_tags = [a["tag"] for a in make.assets(2, site=own)]
    other_tag = make.asset(site=other, room=make.room(other))["tag"]
    director = admin
    make.sign_in(director, "director", sites=[own])
    everything = director.get("/labels/assets.pdf?format=avery-l7160")
    assert _codes(everything.content) == _links(own_tags)
    refused = director.get(f"/labels/assets.pdf?site={other['code']}")
    assert refused.status_code == 400 and "No label to print" in refused.text
    assert director.get("/labels/assets.pdf", params={"tags": other_tag}).status_code == 400
    assert director.get(f"/labels/rooms.pdf?site={other['code']}").status_code == 404
    assert director.post("/labels/blank", data={"count": "3"}).status_code == 403


def test_blank_labels_reserve_tags_then_register_a_device(admin, make):
    school, visualiser, tablet = make.site(), make.category(), make.category()
    make.asset(site=school, category=visualiser)
    before = query("SELECT last_value FROM tag_sequence")[0]["last_value"]
    assert before == 1
    reserved = admin.post("/labels/blank", data={"count": "3", "format": "avery-l7160"},
                          follow_redirects=False)
    assert reserved.status_code == 303
    pdf = admin.get(reserved.headers["location"])
    tags = [f"BRN-{n:06d}" for n in range(before + 1, before + 4)]
    assert _codes(pdf.content) == _links(tags)
    # The sequence moved on: those tags are never handed out again.
    created = admin.post("/assets/new", data={"site": school["code"],
                                              "category": visualiser["code"]},
                         follow_redirects=False)
    assert created.headers["location"] == f"/a/BRN-{before + 4:06d}"
    # Scanning a blank label offers to register the device with its tag.
    page = admin.get(f"/a/{tags[0]}")
    assert page.status_code == 200 and "Blank label" in page.text
    registered = admin.post("/assets/new", data={"tag": tags[0], "site": school["code"],
                                                 "category": tablet["code"],
                                                 "serial": "BLANK-1"},
                            follow_redirects=False)
    assert registered.headers["location"] == f"/a/{tags[0]}"
    again = admin.post("/assets/new", data={"tag": tags[0], "site": school["code"],
                                            "category": tablet["code"]})
    assert again.status_code == 400 and "not a blank label" in again.text
    assert admin.post("/assets/new", data={"tag": "BRN-999998", "site": school["code"],
                                           "category": tablet["code"]}).status_code == 400
    assert count("reserved_tag", "used_at IS NOT NULL") == 1
    assert admin.post("/labels/blank", data={"count": "9999"}).status_code == 400


def test_offsets_are_remembered_per_format_and_validated(admin):
    saved = admin.post("/labels/offsets", data={"format": "avery-l7163", "dx": "-1,5",
                                                 "dy": "0.5"}, follow_redirects=False)
    assert saved.status_code == 303
    page = admin.get("/labels?format=avery-l7163")
    assert 'value="-1.5"' in page.text and 'value="0.5"' in page.text
    assert 'value="0.0"' in admin.get("/labels?format=avery-l7160").text
    bad = admin.post("/labels/offsets", data={"format": "avery-l7163", "dx": "45", "dy": "x"})
    assert bad.status_code == 400 and "between -20 and 20" in bad.text
    calibration = admin.get("/labels/calibration.pdf?format=avery-l7163")
    assert calibration.status_code == 200
    text = pdfium.PdfDocument(calibration.content)[0].get_textpage().get_text_range()
    assert "-1.5" in text


def test_offsets_go_to_the_format_chosen_for_the_calibration_page(admin):
    """The calibration page and the offsets share one format choice: choosing Zweckform
    3475 and saving saves to Zweckform 3475, not to the page's default Avery L7160."""
    page = admin.get("/labels")
    form = page.text[page.text.index('id="calibration"'):]
    form = form[:form.index("</form>")]
    assert form.count('name="format"') == 1  # one choice, for both buttons
    assert 'formaction="/labels/calibration.pdf"' in form
    saved = admin.post("/labels/offsets", data={"format": "zweckform-3475", "dx": "1,5",
                                                 "dy": "-0,25"}, follow_redirects=False)
    assert saved.headers["location"] == "/labels?format=zweckform-3475&saved=1"
    rows = {r["key"]: r["value"] for r in query(
        "SELECT key, value FROM app_setting WHERE key LIKE {}", "label_offset:%")}
    assert rows == {"label_offset:zweckform-3475": "1.5;-0.25"}
    shown = admin.get(saved.headers["location"])
    assert '<option value="zweckform-3475" selected>' in shown.text
    assert 'value="1.5"' in shown.text and 'value="-0.25"' in shown.text
    assert "Offsets saved for Avery Zweckform 3475" in shown.text
    # The calibration button submits the same form by GET: the PDF is the chosen format's.
    pdf = admin.get("/labels/calibration.pdf", params={"format": "zweckform-3475",
                                                        "dx": "1,5", "dy": "-0,25",
                                                        "_csrf_token": "x"})
    assert pdf.status_code == 200 and "zweckform-3475" in pdf.headers["content-disposition"]
    admin.headers["accept-language"] = "fr"
    french = admin.get("/labels?format=zweckform-3475")
    assert 'value="1,5"' in french.text and 'value="-0,25"' in french.text
    assert 'id="f-dx" name="dx" value="0,0"' in admin.get("/labels").text


def test_print_link_follows_a_filter_set_in_place(admin, make):
    """The asset list filtered by htmx: its answer carries the labels link for that filter
    (swapped out of band), so printing gives that list, not the whole fleet."""
    import re

    def link(html):
        return re.search(r'<a href="([^"]*)" id="print-labels"', html).group(1).replace(
            "&amp;", "&")

    school = make.site()
    in_service = make.assets(2, site=school)
    make.asset(site=school, status="in_stock")
    make.asset(status="in_service")  # another site's
    code = school["code"]
    assert link(admin.get("/assets").text) == "/labels"
    fragment = admin.get(f"/assets?site={code}&status=in_service",
                         headers={"HX-Request": "true"})
    assert '<span id="print-labels-link" hx-swap-oob="true">' in fragment.text
    assert link(fragment.text) == f"/labels?site={code}&status=in_service"
    # Without JS the full page has the same link.
    assert link(admin.get(f"/assets?site={code}&status=in_service").text) == \
        f"/labels?site={code}&status=in_service"
    labels_page = admin.get(link(fragment.text))
    pdf = admin.get("/labels/assets.pdf", params={"site": code, "status": "in_service"})
    assert f'name="site" value="{code}"' in labels_page.text
    assert _codes(pdf.content) == _links(a["tag"] for a in in_service)


def test_seen_here_and_scan_page(admin, make):
    tag, other = (a["tag"] for a in make.assets(2))
    seen = admin.post(f"/a/{tag}/seen", follow_redirects=False)
    assert seen.status_code == 303
    assert query("SELECT last_seen_on FROM asset WHERE tag = {}", tag)[0]["last_seen_on"]
    assert not query("SELECT last_seen_on FROM asset WHERE tag = {}", other)[0]["last_seen_on"]
    assert count("audit_record", "entity_key = {} AND action = 'seen'", tag) == 1
    assert admin.get("/scan").status_code == 200
    assert admin.get(f"/scan?tag={other.lower()}", follow_redirects=False).headers[
        "location"] == f"/a/{other}"
    assert admin.get("/scan?tag=Epson", follow_redirects=False).headers["location"] == \
        "/assets?q=Epson"


def test_scan_page_is_small(admin, make):
    tag = make.asset(room=make.room(), model=make.model(), serial="SN-0042")["tag"]
    html = admin.get(f"/a/{tag}").content
    css = admin.get("/static/app.css").content
    assert len(html) + len(css) < 50_000


def test_labels_command(empty_url, make, tmp_path):
    out = tmp_path / "labels.pdf"
    env = {**os.environ, "INVENTORY_DATABASE_URL": empty_url,
           "INVENTORY_BASE_URL": "https://inventaire.example"}
    school = make.site(uai=uai(350_001))
    tags = [a["tag"] for a in make.assets(3, site=school)]
    make.asset()  # another site's
    done = subprocess.run([str(Path(sys.executable).parent / "inventory"), "labels", "--site",
                           school["uai"], "--format", "zweckform-3475", "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _codes(out.read_bytes()) == sorted(f"https://inventaire.example/a/{t}" for t in tags)
    bad = subprocess.run([str(Path(sys.executable).parent / "inventory"), "labels", "--format",
                          "nope", "-o", str(out)], env=env, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "Unknown format" in bad.stderr
    # (Run as a module from this checkout: the installed command may be another one's.)
    typo = subprocess.run([sys.executable, "-m", "inventory.cli", "labels", "--tag",
                           tags[0], "--tag", "BRN-990001", "--format", "avery-l7160",
                           "-o", str(tmp_path / "t.pdf")], env=env, capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert typo.returncode == 2 and "BRN-990001" in typo.stderr
    assert tags[0] not in typo.stderr and not (tmp_path / "t.pdf").exists()


def test_log_an_intervention_from_the_asset_page(empty_client, make):
    tag = make.asset()["tag"]
    tech = empty_client
    technician = make.sign_in(tech, "technician")
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
    assert row["cost_cents"] == 8990 and row["technician"] == technician["email"]
    assert count("audit_record", "entity_key = {} AND action = 'intervention'", tag) == 1
    viewer = tech
    make.sign_in(viewer, "viewer")
    assert viewer.post(f"/a/{tag}/interventions", data={"kind": "repair"}).status_code == 403
