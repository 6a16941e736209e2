"""Every page fits a 360-pixel phone (issue 14): Chromium at 360 × 780 signs in as each role
and opens that role's main pages, home first. No page scrolls sideways and every tap target
of the main content is at least 44 × 44 px (links inside a sentence excepted, as WCAG 2.5.8
does). Screenshots of each home at 360 px and on a desktop land in tests/screenshots/."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory.accounts.service import DEMO_PASSWORD
from tests.browser.rig import CHROMIUM, PHONE, SCREENSHOTS, chromium, installation_env, inventory, serving

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
EMAILS = {
    "technician": "tech@brenneville.example",
    "director": "direction@brenneville.example",
    "planner": "planif@brenneville.example",
    "administrator": "admin@brenneville.example",
    "viewer": "elu@brenneville.example",
}
HOME_HEADINGS = {"technician": "My fault queue", "director": "Report a problem",
                 "planner": "Dashboard", "administrator": "Dashboard", "viewer": "Dashboard"}

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

# What a phone can tap in the main content. A radio button or a checkbox counts with its label
# (tapping the label ticks it); a link inside running text is exempt (WCAG 2.5.8's "inline").
SMALL_TARGETS = """() => {
  const main = document.querySelector("main");
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[role=button]";
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && node !== main && getComputedStyle(node).display.startsWith("inline")) {
      node = node.parentElement;
    }
    return node || main;
  };
  const small = [];
  for (const el of main.querySelectorAll(selector)) {
    let target = el;
    if (el.matches("input[type=radio], input[type=checkbox]")) target = el.closest("label") || el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    if (getComputedStyle(target).visibility === "hidden" || el.closest(".visually-hidden")) continue;
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const text = el.textContent.trim();
      const around = blockOf(el).textContent.replace(/\\s+/g, " ").trim();
      if (around.length > text.length + 3) continue;  // a link in a sentence
    }
    if (box.width < 43.5 || box.height < 43.5) {
      const name = (el.textContent || el.getAttribute("aria-label") || el.name || el.type || "")
        .replace(/\\s+/g, " ").trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """`inventory serve` on a demo commune; (address, the ids the pages need)."""
    tmp = tmp_path_factory.mktemp("phone")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("demo", "--assets", "200", env=env)
    with sqlite3.connect(tmp / "inv.db") as conn:
        def one(sql: str, *args):
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

        director_site = one("SELECT site.code FROM site JOIN user_site ON user_site.site = site.id "
                            "JOIN app_user ON app_user.id = user_site.user WHERE "
                            "app_user.email = ?", EMAILS["director"])
        ids = {
            "tag": one("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1"),
            "site": one("SELECT code FROM site ORDER BY id LIMIT 1"),
            "room": one("SELECT id FROM room ORDER BY id LIMIT 1"),
            "fault": one("SELECT id FROM fault ORDER BY id LIMIT 1"),
            "plan": one("SELECT id FROM renewal_plan ORDER BY id LIMIT 1"),
            "category": one("SELECT code FROM category ORDER BY id LIMIT 1"),
            "director_site": director_site,
            "director_room": one("SELECT room.id FROM room JOIN site ON site.id = room.site "
                                 "WHERE site.code = ? ORDER BY room.id LIMIT 1", director_site),
        }
    with serving(env, tmp) as address:
        yield address, ids


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def pages_of(role: str, ids: dict) -> list[str]:
    """The role's main pages, its home first."""
    fleet = ["/assets", "/sites", f"/sites/{ids['site']}", f"/rooms/{ids['room']}",
             f"/a/{ids['tag']}", "/faults", f"/faults/{ids['fault']}", "/categories", "/scan",
             "/account"]
    paths = ["/", *{
        "technician": [*fleet, "/maintenance", f"/faults/new?room={ids['room']}",
                       f"/faults/new?asset={ids['tag']}", f"/a/{ids['tag']}/edit",
                       f"/a/{ids['tag']}/move", "/labels"],
        "director": ["/faults", "/sites", f"/sites/{ids['director_site']}",
                     f"/faults/new?room={ids['director_room']}", "/scan", "/labels", "/account"],
        "planner": [*fleet, "/plans", f"/plans/{ids['plan']}", f"/plans/{ids['plan']}/print",
                    f"/categories/{ids['category']}/edit", "/imports"],
        "administrator": [*fleet, "/admin/users", "/admin/audit", "/admin/settings",
                          "/admin/backups", "/admin/outbox", "/assets/new",
                          f"/sites/{ids['site']}/edit"],
        "viewer": ["/assets", "/sites", f"/sites/{ids['site']}", "/plans",
                   f"/plans/{ids['plan']}", f"/plans/{ids['plan']}/print", "/account"],
    }[role]]
    return [path for path in paths if "None" not in path]  # no fault in a small demo


def sign_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAILS[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=HOME_HEADINGS[role])).to_be_visible()


@pytest.mark.parametrize("role", list(EMAILS))
def test_every_page_of_the_role_fits_a_phone(browser, installation, role):
    address, ids = installation
    context = browser.new_context(base_url=address, locale="en-US", viewport=PHONE,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    try:
        sign_in(page, role)
        # The home first, with the role's bottom bar of at most five items.
        expect(page).to_have_url(f"{address}/")
        bar = page.locator("nav.bottom-bar > ul > li")
        expect(bar.first).to_be_visible()
        assert bar.count() <= 5
        assert page.locator(".main-nav").is_hidden()
        page.screenshot(path=str(SCREENSHOTS / f"phone-home-{role}.png"), full_page=True)
        # "More" opens without a script and shows the rest of the menu.
        page.locator("nav.bottom-bar summary").tap()
        expect(page.locator("nav.bottom-bar .more a[href='/account']")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"phone-more-{role}.png"))

        for path in pages_of(role, ids):
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{path}: {response}"
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{path} scrolls sideways: {width} px wide")
            problems += [f"{path}: {small}" for small in page.evaluate(SMALL_TARGETS)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(EMAILS))
def test_desktop_home_has_the_full_menu(browser, installation, role):
    address, _ids = installation
    context = browser.new_context(base_url=address, locale="en-US", viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, role)
        expect(page.locator(".main-nav")).to_be_visible()
        assert page.locator("nav.bottom-bar").is_hidden()
        expect(page.locator(".main-nav a[href='/account']")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"desktop-home-{role}.png"), full_page=True)
    finally:
        context.close()
