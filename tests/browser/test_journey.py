"""A real Chromium journey against the real server (SQLite only).

Dashboard → filtered asset list (htmx) → asset page → edit → history; plus the no-JavaScript
filter form and a phone-sized layout check. Screenshots land in tests/screenshots/.

The server is started as a subprocess (`inventory migrate`, `inventory demo`, `inventory serve`)
on a fresh SQLite database: this does not use the per-engine fixtures of tests/conftest.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory.accounts.service import DEMO_PASSWORD
from tests.browser import rig
from tests.browser.rig import PHONE, SCREENSHOTS, installation_env, inventory, serving

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
CATEGORY = "PC-PORT"
PAGE_SIZE = 50  # inventory.assets.service.PAGE_SIZE

if not Path(rig.CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {rig.CHROMIUM}", allow_module_level=True)


_IN_SERVICE: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The real `inventory serve` on a fresh demo database; yields its base URL."""
    tmp = tmp_path_factory.mktemp("browser")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("demo", "--assets", "300", env=env)

    import sqlite3

    with sqlite3.connect(tmp / "inv.db") as conn:  # a device a visitor can report on
        _IN_SERVICE.append(conn.execute(
            "SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1").fetchone()[0])
    with serving(env, tmp) as base_url:
        yield base_url


_STATE: dict[str, str] = {}  # the signed-in browser state, once `signed_in` has run


def _context(browser: Browser, server: str, **options):
    if "path" in _STATE:
        options.setdefault("storage_state", _STATE["path"])
    context = browser.new_context(base_url=server, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"}, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def signed_in(browser, server, tmp_path_factory) -> str:
    """The deep-link sign-in journey: a scanned label's URL, the sign-in page, then the
    page asked for. Its browser state (the session cookie) serves the other journeys."""
    context = _context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        tag = _IN_SERVICE[0]
        page.goto(f"/a/{tag}")
        # The demo lets visitors report from a label: staff go on to sign in from there.
        expect(page).to_have_url(f"{server}/r/{tag}")
        expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
        _shot(page, "00-phone-visitor-report.png")
        page.get_by_text("Staff: sign in to see this device").click()
        expect(page).to_have_url(f"{server}/login?next=/a/{tag}&staff=1")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        _shot(page, "00-phone-login.png")
        page.get_by_label("Email").fill("tech@brenneville.example")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong email or password.")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{server}/a/{tag}")
        expect(page.locator(".asset-card .tag")).to_have_text(tag)
        state = tmp_path_factory.mktemp("browser") / "state.json"
        context.storage_state(path=str(state))
        _STATE["path"] = str(state)
        return str(state)
    finally:
        context.close()


def test_deep_link_sign_in(signed_in):
    assert signed_in.endswith("state.json")


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _select(page: Page, label: str):
    """A <select> by its label. get_by_label(exact=True) cannot be used: the <label> wraps the
    <select>, so the label's text also holds every option's text."""
    return page.get_by_role("combobox", name=label, exact=True)


def _count(text: str) -> int:
    match = re.search(r"(\d+) assets?\b", text)
    assert match, f"no asset count in {text!r}"
    return int(match.group(1))


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_dashboard_filter_open_edit_history(browser, server, signed_in):
    context = _context(browser, server, viewport=DESKTOP, storage_state=None)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # 1. Dashboard: an administrator's home (a technician lands on their tools, issue 14).
        _sign_in(page, "admin@brenneville.example")
        page.goto("/")
        expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
        expect(page.get_by_text("Classroom coverage", exact=True)).to_be_visible()
        expect(page.locator(".figures .figure").first).to_contain_text(re.compile(r"\d+ of \d+ schools"))
        # The site with the most laptops, and how many the dashboard says it has.
        cells = page.locator(f'a[href*="category={CATEGORY}"]')
        expect(cells.first).to_be_visible()
        best = max(((int(cells.nth(i).inner_text()), cells.nth(i).get_attribute("href"))
                    for i in range(cells.count())), key=lambda pair: pair[0])
        expected_filtered, href = best
        site_code = _query(href)["site"][0]
        site_name = page.locator("tbody tr", has=page.locator(f'a[href="{href}"]')) \
            .locator("th[scope=row]").inner_text().strip()
        _shot(page, "01-dashboard.png")

        # 2. The asset list, filtered in place by htmx.
        page.get_by_role("link", name="Assets", exact=True).click()
        expect(page).to_have_url(f"{server}/assets")
        expect(page.get_by_role("heading", name="Assets", level=1)).to_be_visible()
        count_line = page.locator("#asset-list .count")
        expect(count_line).to_contain_text(re.compile(r"\d+ assets"))
        unfiltered = _count(count_line.inner_text())
        assert unfiltered >= 300
        _shot(page, "02-assets.png")

        page.evaluate("window.__sameDocument = true")  # lost if a full page load happens
        _select(page, "Site").select_option(site_code)
        expect(page).to_have_url(re.compile(rf"[?&]site={re.escape(site_code)}\b"))
        # The room filter was swapped out-of-band with this site's rooms.
        expect(_select(page, "Room")).to_be_enabled()
        _select(page, "Category").select_option(CATEGORY)
        expect(page).to_have_url(re.compile(rf"[?&]category={CATEGORY}\b"))
        assert _query(page.url)["site"] == [site_code]
        expect(count_line).not_to_have_text(re.compile(rf"^\s*{unfiltered} assets"))
        filtered = _count(count_line.inner_text())
        assert expected_filtered <= filtered < unfiltered
        assert page.evaluate("window.__sameDocument") is True, "htmx should not reload the page"
        rows = page.locator("#asset-list table.asset-table tbody tr")
        expect(rows).to_have_count(min(filtered, PAGE_SIZE))
        site_cells = rows.locator("td:nth-child(4)").all_inner_texts()
        assert site_cells and all(cell.strip() == site_name for cell in site_cells), site_cells
        category_cells = set(rows.locator("td:nth-child(2)").all_inner_texts())
        assert len(category_cells) == 1, category_cells
        # The dashboard counts what is not retired; the list also shows retired assets.
        statuses = rows.locator("td:nth-child(6)").all_inner_texts()
        if filtered <= PAGE_SIZE:
            assert sum(s.strip() != "Retired" for s in statuses) == expected_filtered, statuses
        _shot(page, "03-assets-filtered.png")

        # 3. The asset page.
        first = rows.first.locator("td:first-child a")
        tag = first.inner_text().strip()
        assert re.fullmatch(r"[A-Z]+-?\d+", tag), tag
        first.click()
        expect(page).to_have_url(f"{server}/a/{tag}")
        expect(page.locator(".asset-card .tag")).to_have_text(tag)
        expect(page.locator(".asset-card .facts")).to_contain_text(site_name)
        facts = page.locator(".asset-card .facts")
        old_serial = facts.locator("dt:text-is('Serial number') + dd").inner_text().strip()
        _shot(page, "04-asset.png")

        # 4. Edit it; the change shows on the page and in its history.
        page.get_by_role("button", name="Edit", exact=True).click()
        expect(page).to_have_url(f"{server}/a/{tag}/edit")
        expect(page.get_by_role("heading", name=f"Edit {tag}")).to_be_visible()
        serial = page.get_by_label("Serial number", exact=True)
        expect(serial).to_have_value("" if old_serial == "—" else old_serial)
        new_serial = f"BROWSER-{int(time.time() * 1000)}"
        new_notes = "Checked by the browser journey: keyboard replaced."
        serial.fill(new_serial)
        page.get_by_role("textbox", name="Notes", exact=True).fill(new_notes)
        _shot(page, "05-asset-edit.png")
        page.get_by_role("button", name="Save", exact=True).click()

        expect(page).to_have_url(f"{server}/a/{tag}")
        expect(facts.locator("dt:text-is('Serial number') + dd")).to_have_text(new_serial)
        expect(page.locator("p.notes")).to_have_text(new_notes)
        history = page.locator("section", has=page.get_by_role("heading", name="History"))
        edited = history.locator("ol.history > li", has_text="Edited").first
        expect(edited).to_be_visible()
        expect(edited).to_contain_text("Claire Vasseur")  # the administrator's name, not the email
        # Only what was typed changed: the untouched fields round-trip through the form.
        expect(edited.locator("table.changes tbody tr td:first-child")).to_have_text(
            ["Serial number", "Notes"], ignore_case=False)
        serial_row = edited.locator("table.changes tbody tr", has_text="Serial number")
        expect(serial_row.locator("td")).to_have_text(["Serial number", old_serial, new_serial])
        expect(edited.locator("table.changes tbody tr", has_text="Notes")
               .locator("td").nth(2)).to_have_text(new_notes)
        _shot(page, "06-asset-after-edit.png")
        assert errors == [], errors
    finally:
        context.close()


def test_filter_without_javascript(browser, server, signed_in):
    """The filter form still works as a plain GET form: its button shows with JS off."""
    context = _context(browser, server, viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/assets")
        site_code = page.locator("#f-site option:not([value=''])").first.get_attribute("value")
        page.goto(f"/assets?site={site_code}")
        site_name = page.locator("#f-site option:checked").inner_text().strip()
        count_line = page.locator("#asset-list .count")
        site_total = _count(count_line.inner_text())
        # With JS off the room select comes filled by the server for the chosen site.
        expect(_select(page, "Room")).to_be_enabled()

        _select(page, "Status").select_option("in_service")
        button = page.get_by_role("button", name="Filter", exact=True)
        expect(button).to_be_visible()
        with page.expect_navigation():
            button.click()
        query = _query(page.url)
        assert query["site"] == [site_code] and query["status"] == ["in_service"], page.url
        expect(page.locator("#f-status")).to_have_value("in_service")
        expect(page.locator("#f-site")).to_have_value(site_code)
        filtered = _count(count_line.inner_text())
        assert 0 < filtered < site_total
        rows = page.locator("#asset-list table.asset-table tbody tr")
        assert set(rows.locator("td:nth-child(4)").all_inner_texts()) == {site_name}
        assert set(rows.locator("td:nth-child(6)").all_inner_texts()) == {"In service"}
        _shot(page, "07-assets-nojs-filtered.png")
    finally:
        context.close()


def _phone(browser: Browser, server: str) -> Page:
    context = _context(browser, server, viewport=PHONE, is_mobile=True, device_scale_factor=2,
                       has_touch=True)
    return context.new_page()


def _first_tag(page: Page) -> str:
    page.goto("/assets")
    link = page.locator("#asset-list table.asset-table tbody td:first-child a").first
    expect(link).to_be_visible()
    return link.inner_text().strip()


def test_phone_screens(browser, server, signed_in):
    """Phone-sized shots of the main pages, and the journey's links still work by touch."""
    page = _phone(browser, server)
    try:
        page.goto("/")  # the technician's home (issue 14)
        expect(page.get_by_role("heading", name="My fault queue", level=2)).to_be_visible()
        _shot(page, "08-phone-home-technician.png")

        tag = _first_tag(page)
        expect(page.locator("#asset-list .count")).to_contain_text(re.compile(r"\d+ assets"))
        _shot(page, "09-phone-assets.png")

        page.locator("#asset-list").get_by_role("link", name=tag, exact=True).tap()
        expect(page).to_have_url(f"{server}/a/{tag}")
        expect(page.locator(".asset-card .tag")).to_have_text(tag)
        _shot(page, "10-phone-asset.png")

        page.get_by_role("button", name="Edit", exact=True).tap()
        expect(page).to_have_url(f"{server}/a/{tag}/edit")
        expect(page.get_by_label("Serial number", exact=True)).to_be_visible()
        _shot(page, "11-phone-asset-edit.png")
    finally:
        page.context.close()


def test_phone_asset_page_has_no_horizontal_scroll(browser, server, signed_in):
    page = _phone(browser, server)
    try:
        tag = _first_tag(page)
        for path in ("/", "/assets", f"/a/{tag}", f"/a/{tag}/edit", "/sites"):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"{path} scrolls sideways: {width} px wide"
    finally:
        page.context.close()


def test_phone_label_journey_log_an_intervention(browser, server, signed_in):
    """What a technician does after scanning a label: the asset page on a phone, log an
    intervention, see it in the history, confirm the device is here."""
    page = _phone(browser, server)
    try:
        tag = _first_tag(page)
        page.goto(f"/a/{tag}")  # the URL a scanned label opens
        expect(page.locator(".asset-card .tag")).to_have_text(tag)
        _shot(page, "12-phone-label-scan.png")
        page.get_by_text("Log an intervention").tap()
        page.get_by_label("Time spent (minutes)").fill("20")
        page.get_by_label("What was done").fill("Filtre nettoyé, lampe vérifiée")
        page.get_by_role("button", name="Record the intervention").tap()
        expect(page.get_by_role("status")).to_contain_text("Intervention recorded.")
        expect(page.locator("#interventions")).to_contain_text("Filtre nettoyé, lampe vérifiée")
        history = page.locator("ol.history li").first
        expect(history).to_contain_text("Intervention")
        expect(history).to_contain_text("Filtre nettoyé, lampe vérifiée")
        page.get_by_role("button", name="Seen here").tap()
        expect(page.get_by_role("status")).to_contain_text("seen here today")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        _shot(page, "13-phone-after-intervention.png")
        page.goto("/scan")
        expect(page.get_by_role("button", name="Start the camera")).to_be_visible()
        page.get_by_label("Or type the tag").fill(tag.lower())
        page.get_by_role("button", name="Open").tap()
        expect(page).to_have_url(f"{server}/a/{tag}")
        _shot(page, "14-phone-scan-typed.png")
    finally:
        page.context.close()


def test_labels_page_and_pdf(browser, server, signed_in):
    context = _context(browser, server, viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto("/labels")
        expect(page.get_by_role("heading", name="Labels", exact=True)).to_be_visible()
        _shot(page, "15-labels.png")
        response = page.request.get("/labels/assets.pdf?site=EM-FONTAINE&format=avery-l7160")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.body()[:5] == b"%PDF-"
    finally:
        context.close()


def test_labels_follow_the_list_filtered_in_place_and_offsets_their_format(browser, server,
                                                                          signed_in):
    """Issue 12: the list filtered by htmx, then "Print labels for this list" prints that
    list (not the whole fleet); the offsets go to the format chosen for calibration."""
    context = _context(browser, server, viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto("/assets")
        page.locator("#f-site").select_option("EM-FONTAINE")
        page.locator("#f-status").select_option("in_service")
        link = page.locator("#print-labels")
        expect(link).to_have_attribute("href", "/labels?site=EM-FONTAINE&status=in_service")
        assert "/assets?" in page.url  # filtered in place: the page was not reloaded
        _shot(page, "15-list-filtered-labels-link.png")
        link.click()
        expect(page).to_have_url(f"{server}/labels?site=EM-FONTAINE&status=in_service")
        form = page.locator('form[action="/labels/assets.pdf"]')
        expect(form.locator('input[name="site"]')).to_have_value("EM-FONTAINE")
        expect(form.locator('input[name="status"]')).to_have_value("in_service")
        # Calibration: choose Zweckform 3475 (htmx shows its offsets), save, and it is saved
        # to Zweckform 3475.
        page.locator("#f-format-cal").select_option("zweckform-3475")
        page.wait_for_load_state("networkidle")
        page.locator("#f-dx").fill("1,5")
        page.locator("#f-dy").fill("-0,5")
        page.get_by_role("button", name="Save the offsets for this format").click()
        expect(page).to_have_url(f"{server}/labels?format=zweckform-3475&saved=1")
        expect(page.get_by_role("status")).to_contain_text("Avery Zweckform 3475")
        expect(page.locator("#f-dx")).to_have_value("1.5")
        _shot(page, "16-labels-offsets-saved.png")
    finally:
        context.close()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))  # the role's home
    # Its style sheets applied: until then the phone's bottom bar shows beside the menu.
    page.wait_for_load_state("load")


def test_fault_journey_director_reports_technician_resolves(browser, server, tmp_path):
    """A director reports a fault from a device's page with a photo; a technician takes it,
    logs an intervention and resolves it; the director sees it resolved."""
    from PIL import Image

    photo = tmp_path / "cracked.jpg"
    Image.new("RGB", (800, 600), (180, 40, 40)).save(photo, format="JPEG")
    empty = {"cookies": [], "origins": []}
    director = _context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True,
                        storage_state=empty).new_page()
    tech = _context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True,
                    storage_state=empty).new_page()
    try:
        _sign_in(director, "direction@brenneville.example")
        director.goto("/assets?status=in_service")
        tag = director.locator("#asset-list tbody tr td a").first.inner_text().strip()
        director.goto(f"/a/{tag}")
        director.get_by_role("button", name="Report a problem").tap()
        director.locator("input[name=symptom]").first.check()
        director.get_by_label("Teaching is blocked").check()
        director.set_input_files("#f-photo", str(photo))
        _shot(director, "16-phone-report-fault.png")
        director.get_by_role("button", name="Send the report").tap()
        expect(director.get_by_role("status")).to_contain_text("the fault is reported")
        expect(director.locator("img.fault-photo")).to_be_visible()
        fault_url = director.url.split("?")[0]

        _sign_in(tech, "tech@brenneville.example")
        tech.goto("/faults")
        expect(tech.locator(f"a[href='{fault_url.replace(server, '')}']")).to_be_visible()
        tech.goto(fault_url)
        tech.get_by_role("button", name="Take it").tap()
        expect(tech.locator(".asset-card .pill").first).to_have_text("In progress")
        tech.goto(f"/a/{tag}")
        tech.get_by_text("Log an intervention").tap()
        tech.get_by_label("What was done").fill("Dalle remplacée")
        tech.get_by_role("button", name="Record the intervention").tap()
        expect(tech.get_by_role("status")).to_contain_text("Intervention recorded.")
        tech.goto(fault_url)
        tech.get_by_label("Note (needed to reject)").fill("Dalle remplacée, testé")
        tech.get_by_role("button", name="Resolved").tap()
        expect(tech.locator(".asset-card")).to_contain_text("Resolved")
        _shot(tech, "17-phone-fault-resolved.png")

        director.goto(fault_url)
        expect(director.locator(".asset-card")).to_contain_text("Resolved")
        expect(director.locator("ol.history")).to_contain_text("Dalle remplacée, testé")
        _shot(director, "18-phone-director-sees-resolved.png")
    finally:
        director.context.close()
        tech.context.close()


def test_scan_page_reads_a_label_with_the_camera(browser, server, signed_in, tmp_path):
    """The in-app scanner with a (fake) camera showing a label: it opens the device's page."""
    tag = _IN_SERVICE[0]
    video = tmp_path / "label.y4m"
    rig.qr_video(video, f"{server}/a/{tag}")
    with_camera = rig.camera_chromium(browser, video)
    try:
        context = _context(with_camera, server, viewport=PHONE, is_mobile=True, has_touch=True)
        context.grant_permissions(["camera"], origin=server)
        page = context.new_page()
        page.goto("/scan")
        page.get_by_role("button", name="Start the camera").tap()
        expect(page).to_have_url(f"{server}/a/{tag}", timeout=15_000)
        expect(page.locator(".asset-card .tag")).to_have_text(tag)
        _shot(page, "19-phone-scanned-with-camera.png")
        context.close()
    finally:
        with_camera.close()


def test_planner_scenario_cap_change_and_xlsx_export(browser, server, tmp_path):
    """A planner creates a scenario, sets its caps (the plan updates in place through htmx),
    adds a coverage target, exports the XLSX, and compares it with the demo scenario."""
    from openpyxl import load_workbook

    empty = {"cookies": [], "origins": []}
    context = _context(browser, server, viewport=DESKTOP, storage_state=empty,
                       accept_downloads=True)
    page = context.new_page()
    try:
        _sign_in(page, "planif@brenneville.example")
        page.get_by_role("navigation", name="Menu").get_by_role("link",
                                                                name="Renewal plans").click()
        expect(page.get_by_role("heading", name="Renewal plans")).to_be_visible()
        page.get_by_label("Name").fill("Plan 5 ans, test navigateur")
        page.get_by_role("button", name="Create the scenario").click()
        expect(page.get_by_role("heading", name="Plan 5 ans, test navigateur")).to_be_visible()
        first_year = int(page.get_by_label("First year").input_value())
        planned = page.locator("#plan-result .figures li").first.locator("strong")
        expect(planned).to_have_text(re.compile(r"^0[.,]00"))  # caps start at zero
        _shot(page, "60-desktop-plan-new.png")

        page.evaluate("window.notReloaded = true")
        for year in range(first_year, first_year + 5):
            page.locator(f"#f-cap_all_{year}").fill("80000")
        page.locator(f"#f-cap_all_{first_year + 4}").press("Tab")  # change → htmx update
        expect(planned).not_to_have_text(re.compile(r"^0[.,]00"))
        assert page.evaluate("window.notReloaded === true")  # updated in place, not reloaded
        expect(page.locator(f"#f-cap_all_{first_year}")).to_have_value("80000,00")
        _shot(page, "61-desktop-plan-caps.png")

        page.get_by_text("Coverage targets").click()
        page.locator("input[name=target_0_kinds][value=elementaire]").check()
        page.locator("#f-target_0_category").select_option("ENI")
        page.locator("#f-target_0_by_year").fill(str(first_year + 2))
        page.locator("#f-target_0_by_year").press("Tab")
        # The recomputed plan replaces the old one when htmx's request ends: wait for it
        # (the words below may already be there from the plan before the target).
        page.wait_for_load_state("networkidle")
        expect(page.locator("#plan-result")).to_contain_text("classrooms with an interactive display")
        _shot(page, "62-desktop-plan-target.png")

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Export XLSX").click()
        path = tmp_path / "plan.xlsx"
        download_info.value.save_as(path)
        book = load_workbook(path)
        assert book.sheetnames == ["Lines", "Yearly totals", "By site and category"]
        totals = {row[0]: row for row in book["Yearly totals"].iter_rows(min_row=2, values_only=True)}
        assert all(totals[y][2] <= 80000 for y in range(first_year, first_year + 5))
        shown = page.locator("#plan-result tfoot td").nth(1).inner_text()
        assert int(re.sub(r"\D", "", shown)) == round(totals["Total"][2] * 100)

        page.goto("/plans")
        page.get_by_role("button", name="Compare side by side").click()
        expect(page.get_by_role("heading", name="Compare scenarios")).to_be_visible()
        _shot(page, "63-desktop-plan-compare.png")

        phone = _context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True,
                         storage_state=context.storage_state()).new_page()
        phone.goto("/plans")
        phone.get_by_role("link", name="Plan 5 ans, test navigateur").click()
        expect(phone.locator("#plan-result")).to_be_visible()
        _shot(phone, "64-phone-plan.png")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the plan page scrolls sideways on a phone ({width}px)"
    finally:
        context.close()
