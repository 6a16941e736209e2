"""A real commune's first day in Chromium, on an empty installation (SQLite): the first
administrator signs in, answers the set-up with the public address phones will reach, uploads
the workbook its office already has (written by LibreOffice), goes through the columns and
values screens (schools and categories created from the file), checks, imports, and prints the
labels of one school from the filtered asset list. Every label of the PDF, cropped and decoded
alone, opens the configured public address. Screenshots at 360 px and 1280 px land in
tests/screenshots/."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from playwright.sync_api import expect

from inventory.labels.formats import all_formats
from tests import realfiles
from tests.browser.rig import PHONE, SCREENSHOTS, installation_env, inventory, serving

pytestmark = pytest.mark.browser

ADMIN = "dsi@villebois.example"
PASSWORD = "Villebois-premier-jour-2026"
PUBLIC = "https://inventaire.villebois.example"
DESKTOP = {"width": 1280, "height": 900}

if realfiles.SOFFICE is None:  # pragma: no cover - depends on the machine
    pytest.skip("LibreOffice (soffice) is not installed: the workbook it writes cannot be built "
                "(CI installs libreoffice-calc)", allow_module_level=True)


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`inventory serve` on a new installation with one administrator: (address, database)."""
    tmp = tmp_path_factory.mktemp("first-day")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("createuser", ADMIN, "--role", "administrator", "--name", "Camille Roux",
              "--password-stdin", env=env, stdin=PASSWORD + "\n")
    with serving(env, tmp) as address:
        yield address, tmp / "inv.db"


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchone()[0]


def _decode_labels(pdf: bytes, format_name: str, dpi: int = 300) -> list[str]:
    """Every label cell of every page, cropped from the rasterized page and decoded alone
    (decoding a whole page at once misses a few good codes)."""
    fmt = all_formats()[format_name]
    px = dpi / 25.4
    decoded = []
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        for position in range(fmt.per_page):
            x, y = fmt.cell(position)
            top = fmt.page_height - y - fmt.label_height
            cell = image.crop((round(x * px), round(top * px),
                               round((x + fmt.label_width) * px),
                               round((top + fmt.label_height) * px)))
            found = zxingcpp.read_barcodes(cell, formats=zxingcpp.BarcodeFormat.QRCode)
            if found:
                decoded.append(found[0].text)
    return decoded


def test_first_day_from_an_empty_installation_to_printed_labels(browser, installation,
                                                                  tmp_path):
    address, database = installation
    workbook = realfiles.libreoffice_workbook(tmp_path)
    context = browser.new_context(base_url=address, viewport=DESKTOP, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()

    # Sign in: the first administrator is sent to the set-up.
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{address}/setup")
    page.get_by_label("Organisation name").fill("Commune de Villebois")
    page.get_by_label("Public address").fill(PUBLIC)
    page.get_by_role("button", name="Save and start").click()
    expect(page).to_have_url(f"{address}/?welcome=1")

    # Upload the workbook as the office wrote it.
    page.goto("/imports")
    page.locator("#f-file").set_input_files(str(workbook))
    page.get_by_role("button", name="Read the file").click()
    expect(page.locator("#header-row")).to_contain_text("found on row 4")
    expect(page.locator("#price-note")).to_contain_text("price with tax")
    page.screenshot(path=str(SCREENSHOTS / "40-desktop-import-columns.png"), full_page=True)

    # The values: the schools are new here and the screen proposes to create them; the kinds
    # of device are the set-up's starter categories, so there is nothing to map for them.
    page.get_by_role("button", name="Next: the values").click()
    expect(page.locator("#values-site")).to_contain_text("École maternelle Jacques Prévert")
    assert page.locator("#values-category").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "41-desktop-import-values.png"), full_page=True)
    phone = browser.new_context(base_url=address, viewport=PHONE, is_mobile=True,
                                has_touch=True, locale="fr-FR",
                                storage_state=context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(page.url)  # the columns screen, in French on a phone
    phone_page.screenshot(path=str(SCREENSHOTS / "42-phone-import-columns.png"), full_page=True)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    page.get_by_role("button", name="Check the file (nothing is written)").click()
    expect(page.locator("#import-created")).to_contain_text("12 new sites")
    expect(page.locator("#import-skipped")).to_contain_text("TOTAL")
    assert _count(database, "SELECT COUNT(*) FROM asset") == 0  # a check writes nothing
    page.get_by_role("button", name="Import now").click()
    expect(page).to_have_url(re.compile(r"/imports/[^/]+/done$"))
    expect(page.locator("main")).to_contain_text("48 assets created")
    assert _count(database, "SELECT COUNT(*) FROM asset") == 48
    assert _count(database, "SELECT COUNT(*) FROM site") == 12
    # A device the office marked "HS" is faulty because a fault says so.
    assert _count(database, "SELECT COUNT(*) FROM asset WHERE status = 'faulty'") == \
        _count(database, "SELECT COUNT(DISTINCT asset) FROM fault")
    page.screenshot(path=str(SCREENSHOTS / "43-desktop-import-done.png"), full_page=True)

    # The labels of one school, from the asset list filtered in place.
    page.goto("/assets")
    site = page.locator("#f-site")
    code = site.locator("option", has_text="Jacques Prévert").get_attribute("value")
    site.select_option(code)
    expect(page.locator("#print-labels")).to_have_attribute("href", re.compile(f"site={code}"))
    page.locator("#print-labels").click()
    expect(page.locator("#f-format-assets")).to_be_visible()
    with page.expect_response(lambda r: "/labels/assets.pdf" in r.url) as answer:
        page.get_by_role("button", name="Download the labels (PDF)").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    # The viewer keeps the bytes to itself: fetch the same address with the same session.
    pdf = page.request.get(answer.value.url).body()
    decoded = _decode_labels(pdf, "avery-l7160")
    assert len(decoded) == 4  # the four devices of that school, every one readable
    assert all(url.startswith(f"{PUBLIC}/a/VIL-") for url in decoded), decoded
    context.close()
