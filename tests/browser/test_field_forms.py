"""Forms used in the field, looked at in Chromium (issue 14): the room's report form lists
its devices readably (each tag under its device's name, never over the next radio button),
on a 360-pixel phone and on a desktop. Screenshots land in tests/screenshots/."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory.accounts.service import DEMO_PASSWORD
from tests.browser.rig import CHROMIUM, PHONE, SCREENSHOTS, installation_env, inventory, serving

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
DIRECTOR = "direction@brenneville.example"
ADMIN = "admin@brenneville.example"

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """`inventory serve` on a demo commune; (address, the ids the tests need)."""
    tmp = tmp_path_factory.mktemp("field")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("demo", "--assets", "300", env=env)
    with sqlite3.connect(tmp / "inv.db") as conn:
        # The director's room holding the most active devices.
        room = conn.execute(
            "SELECT room.id FROM room JOIN asset ON asset.room = room.id "
            "JOIN user_site ON user_site.site = room.site "
            "JOIN app_user ON app_user.id = user_site.user "
            "WHERE app_user.email = ? AND asset.status != 'retired' "
            "GROUP BY room.id ORDER BY COUNT(*) DESC, room.id LIMIT 1", (DIRECTOR,)).fetchone()[0]
    with serving(env, tmp) as address:
        yield address, {"room": room}


def _page(browser: Browser, address: str, email: str, viewport: dict) -> Page:
    context = browser.new_context(base_url=address, locale="en-US", viewport=viewport,
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


# Each device choice: its label, its radio and the box of every piece of text in it
# (whatever elements hold them).
DEVICE_BOXES = """() => [...document.querySelectorAll("input[name=device]")].map(radio => {
  const label = radio.closest("label");
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) text.push(box.toJSON());
  }
  return {label: label.getBoundingClientRect().toJSON(),
          radio: radio.getBoundingClientRect().toJSON(), text};
})"""


def _overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_room_report_lists_devices_readably(browser, installation, size):
    address, ids = installation
    page = _page(browser, address, DIRECTOR, PHONE if size == "phone" else DESKTOP)
    page.goto(f"/faults/new?room={ids['room']}&another=1")  # past any open fault
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    choices = page.evaluate(DEVICE_BOXES)
    assert len(choices) > 3  # "this room" and the room's devices
    for i, choice in enumerate(choices):
        # Every piece of a choice's text stays inside its own label, beside its radio...
        assert choice["text"]
        for box in choice["text"]:
            assert box["y"] >= choice["label"]["y"] - 0.5
            assert box["y"] + box["height"] <= choice["label"]["y"] + choice["label"]["height"] + 0.5
            assert not _overlaps(box, choice["radio"])
        # ...and over no other choice's radio.
        for other in choices[i + 1:]:
            assert not any(_overlaps(box, other["radio"]) for box in choice["text"])
            assert choice["label"]["y"] + choice["label"]["height"] <= other["label"]["y"] + 0.5
        assert choice["label"]["height"] >= 43.5  # a finger-sized target
        if i:  # a device: its name, then its tag below it, in one column beside the radio
            lefts = {round(box["x"]) for box in choice["text"]}
            assert len(lefts) == 1, choice
            *name, tag = choice["text"]
            assert name and all(tag["y"] >= box["y"] + box["height"] - 0.5 for box in name)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"field-room-report-{size}.png"), full_page=True)


def test_asset_list_on_a_phone_shows_results_first_filters_folded(browser, installation):
    address, _ids = installation
    phone = _page(browser, address, ADMIN, PHONE)
    phone.goto("/assets?status=active")
    expect(phone.locator("#f-site")).to_be_hidden()  # folded behind one button
    summary = phone.locator("#filters-fold > summary")
    expect(summary).to_have_text("Filters (1 chosen)")
    first_row = phone.locator("#asset-list tbody tr").first
    expect(first_row).to_be_visible()
    assert first_row.bounding_box()["y"] < PHONE["height"]  # results in the first screen
    phone.screenshot(path=str(SCREENSHOTS / "field-asset-list-phone.png"))
    summary.click()
    expect(phone.locator("#f-site")).to_be_visible()
    phone.locator("#f-category").select_option(index=1)  # htmx filters in place
    expect(phone.locator("#asset-list .count")).to_contain_text("asset")

    desktop = _page(browser, address, ADMIN, DESKTOP)
    desktop.goto("/assets")
    expect(desktop.locator("#f-site")).to_be_visible()  # always open on a wide screen
    expect(desktop.locator("#filters-fold > summary")).to_be_hidden()


def test_device_form_offers_the_chosen_category_models(browser, installation):
    address, _ids = installation
    page = _page(browser, address, ADMIN, PHONE)
    page.goto("/assets/new")
    every = page.locator("#f-model option").count()
    assert page.locator("#f-model optgroup").count() > 1  # without a choice: all, grouped
    page.locator("#f-category").select_option("PC-PORT")
    expect(page.locator("#f-model optgroup")).to_have_count(0)  # htmx narrowed the list
    narrowed = page.locator("#f-model option").all_inner_texts()
    assert 1 < len(narrowed) < every
    assert narrowed[0] == "Unknown or not listed"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "field-device-form-phone.png"), full_page=True)
