"""Every page fits a 360-pixel phone (issue 14): Chromium at 360 × 780 signs in as each role
and opens every page the role may open, home first, and an unsigned visitor opens the public
pages. The list comes from the app's GET routes and the permission table, each route with
example paths (a route without one fails the test, so a new page is covered by construction);
each must answer its own page. No page scrolls sideways and every tap target of the main
content is at least 44 × 44 px (links inside a sentence excepted, as WCAG 2.5.8 does).
Screenshots of each home at 360 px and on a desktop land in tests/screenshots/."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inventory.accounts import permissions
from tests.browser.rig import (
    CHROMIUM,
    DEMO_EMAILS,
    PHONE,
    SCREENSHOTS,
    installation_env,
    inventory,
    serving,
    sign_in_as,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}

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
    """`inventory serve` on a demo commune, with what the demo leaves out made through the
    services on the demo director's own school (so the director's pages answer for real); (address, the
    example of every path parameter)."""
    tmp = tmp_path_factory.mktemp("phone")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("demo", "--assets", "200", env=env)
    ids = _complete(tmp)
    with serving(env, tmp) as address:
        yield address, ids


def _complete(folder: Path) -> dict:
    """A fault, an inventory audit, a person holding a device, a contract and its order, an
    upload to import (and a finished one) per importer: what the demo has none of."""
    from inventory.accounts.scope import EVERYTHING
    from inventory.campaigns import service as campaigns
    from inventory.core import db
    from inventory.core.settings import PROJECT_ROOT
    from inventory.imports import uploads
    from inventory.loans import service as loans
    from tests import factories

    database = folder / "inv.db"

    def one(sql: str, *args):
        with sqlite3.connect(database) as conn:
            row = conn.execute(sql, args).fetchone()
        assert row is not None, sql
        return row[0]

    school = one("SELECT site.code FROM site JOIN user_site ON user_site.site = site.id "
                 "JOIN app_user ON app_user.id = user_site.user WHERE app_user.email = ?",
                 DEMO_EMAILS["director"])
    tags = [row[0] for row in sqlite3.connect(database).execute(
        "SELECT tag FROM asset JOIN site ON site.id = asset.site WHERE site.code = ? AND "
        "asset.status = 'in_service' ORDER BY asset.id LIMIT 3", (school,))]
    importers = {email: one("SELECT id FROM app_user WHERE email = ?", email)
                 for email in (DEMO_EMAILS["planner"], DEMO_EMAILS["administrator"])}

    async def build() -> dict:
        engine = db.use(db.engine_from_url(f"sqlite:///{database}"))
        await db.start_pool(engine, size=2)
        try:
            fault = await factories.a_fault(tags[0])
            campaign = await campaigns.start(school, factories.ACTOR, EVERYTHING)
            person = await loans.create_person({"name": "Camille Essai",
                                                "email": "camille@brenneville.example"},
                                               factories.ACTOR, EVERYTHING)
            loan, token = await loans.check_out(tags[1], {"person": str(person["id"]),
                                                          "for_term": "1"},
                                                factories.ACTOR, EVERYTHING)
            contract = await factories.a_contract()
            await factories.a_purchase(contract)
            return {"fault": fault["id"], "campaign": campaign, "person": person["id"],
                    "loan": loan["id"], "token": token, "contract": contract["id"]}
        finally:
            await db.close_pool(engine)

    # In a thread of its own: Playwright's sync API may already run a loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        made = pool.submit(asyncio.run, build()).result()
    example = (PROJECT_ROOT / "examples" / "inventaire-exemple.csv").read_bytes()
    for email, user_id in importers.items():  # an upload is its importer's only
        made[f"upload {email}"] = uploads.save(folder, user_id, "parc.csv", example)
        done = uploads.save(folder, user_id, "parc.csv", example)
        uploads.finish(folder, done, {"counts": {"create": 2}, "created": {}, "skipped": 0})
        made[f"done {email}"] = done
    return {
        **made, "school": school, "tag": tags[0], "lent": tags[1],
        "room": one("SELECT room.id FROM room JOIN site ON site.id = room.site "
                    "WHERE site.code = ? ORDER BY room.id LIMIT 1", school),
        "plan": one("SELECT id FROM renewal_plan ORDER BY id LIMIT 1"),
        "category": one("SELECT code FROM category ORDER BY id LIMIT 1"),
        "model": one("SELECT id FROM equipment_model ORDER BY id LIMIT 1"),
        "organisation": one("SELECT code FROM organisation ORDER BY id LIMIT 1"),
        "user": one("SELECT id FROM app_user WHERE email = ?", DEMO_EMAILS["director"]),
    }


# The GET routes that answer no page to look at: files, fragments, JSON, redirects.
NOT_PAGES = {
    "/healthz", "/manifest.webmanifest", "/sw.js", "/static/{file_path:path}",
    "/language/{language:str}",  # sets the language and goes back
    "/schema", "/schema/openapi.json", "/schema/{path:str}",  # Litestar's OpenAPI
    "/setup",  # the first day's page: once set up it sends to /admin/settings
    "/assets/model-options", "/assets/room-options",  # htmx fragments of the device form
    "/sites/{code:str}/offline",  # what "take this site offline" keeps (JSON)
    "/exports/{kind:str}", "/faults/{fault_id:int}/photo",
    "/contracts/{contract_id:int}/documents/{document_id:int}",
    "/contracts/{contract_id:int}/report.csv", "/imports/example.csv",
    "/imports/profiles/{profile_id:int}/profile.toml", "/inventory/{campaign_id:int}/report.csv",
    "/labels/assets.pdf", "/labels/calibration.pdf", "/labels/rooms.pdf",
    "/labels/blank/{batch:str}", "/loans/{loan_id:int}/receipt.pdf",
    "/people/{person_id:int}/export", "/plans/{plan_id:int}/plan.csv",
    "/plans/{plan_id:int}/plan.xlsx",
}


def examples(ids: dict, email: str) -> dict[str, list[str]]:
    """Each page's route -> the paths that show it (a form with and without its query)."""
    tag, room, plan, contract = ids["tag"], ids["room"], ids["plan"], ids["contract"]
    return {
        "/": ["/"], "/login": ["/login"], "/offline": ["/offline"], "/account": ["/account"],
        "/scan": ["/scan"], "/assets": ["/assets"],
        "/assets/new": ["/assets/new", f"/assets/new?category={ids['category']}"],
        "/a/{tag:str}": [f"/a/{tag}", f"/a/{ids['lent']}"],
        "/a/{tag:str}/edit": [f"/a/{tag}/edit"], "/a/{tag:str}/move": [f"/a/{tag}/move"],
        "/a/{tag:str}/history": [f"/a/{tag}/history"],
        "/a/{tag:str}/lend": [f"/a/{tag}/lend", f"/a/{ids['lent']}/lend"],
        "/r/{tag:str}": [f"/r/{tag}"],
        "/sites": ["/sites"], "/sites/new": ["/sites/new"],
        "/sites/{code:str}": [f"/sites/{ids['school']}"],
        "/sites/{code:str}/edit": [f"/sites/{ids['school']}/edit"],
        "/sites/{code:str}/inventory": [f"/sites/{ids['school']}/inventory"],
        "/sites/{code:str}/rooms/new": [f"/sites/{ids['school']}/rooms/new"],
        "/rooms/{room_id:int}": [f"/rooms/{room}"], "/rooms/{room_id:int}/edit": [f"/rooms/{room}/edit"],
        "/inventory/{campaign_id:int}": [f"/inventory/{ids['campaign']}",
                                         f"/inventory/{ids['campaign']}?room={room}"],
        "/faults": ["/faults"],
        "/faults/new": [f"/faults/new?room={room}", f"/faults/new?asset={tag}"],
        "/faults/{fault_id:int}": [f"/faults/{ids['fault']}"],
        "/maintenance": ["/maintenance"], "/maintenance/tasks": ["/maintenance/tasks"],
        "/people": ["/people"], "/people/new": ["/people/new"],
        "/people/{person_id:int}": [f"/people/{ids['person']}"],
        "/people/{person_id:int}/edit": [f"/people/{ids['person']}/edit"],
        "/loans": ["/loans"], "/loans/acknowledge/{token:str}": [f"/loans/acknowledge/{ids['token']}"],
        "/labels": ["/labels"],
        "/categories": ["/categories"], "/categories/new": ["/categories/new"],
        "/categories/{code:str}/edit": [f"/categories/{ids['category']}/edit"],
        "/models/new": ["/models/new"], "/models/{model_id:int}/edit": [f"/models/{ids['model']}/edit"],
        "/plans": ["/plans"], "/plans/{plan_id:int}": [f"/plans/{plan}"],
        "/plans/{plan_id:int}/print": [f"/plans/{plan}/print"],
        "/plans/compare": [f"/plans/compare?a={plan}&b={plan}"],
        "/contracts": ["/contracts"], "/contracts/new": ["/contracts/new"],
        "/contracts/{contract_id:int}": [f"/contracts/{contract}"],
        "/contracts/{contract_id:int}/edit": [f"/contracts/{contract}/edit"],
        "/purchases/new": [f"/purchases/new?contract={contract}"],
        "/imports": ["/imports"],
        "/imports/{upload_id:str}": [f"/imports/{ids.get('upload ' + email)}"],
        "/imports/{upload_id:str}/done": [f"/imports/{ids.get('done ' + email)}/done"],
        "/admin/users": ["/admin/users"], "/admin/users/new": ["/admin/users/new"],
        "/admin/users/{user_id:int}": [f"/admin/users/{ids['user']}"],
        "/admin/organisations": ["/admin/organisations"],
        "/admin/organisations/new": ["/admin/organisations/new"],
        "/admin/organisations/{code:str}": [f"/admin/organisations/{ids['organisation']}"],
        "/admin/audit": ["/admin/audit"], "/admin/settings": ["/admin/settings"],
        "/admin/backups": ["/admin/backups"], "/admin/outbox": ["/admin/outbox"],
    }


@functools.cache
def page_routes() -> dict[str, str]:
    """Every GET route of the app that answers a page -> the permission it needs."""
    from inventory.accounts.auth import route_permission
    from inventory.app import create_app
    from inventory.core.settings import Settings

    app = create_app(Settings(database_url="sqlite:////tmp/phone-routes-probe.db"))
    routes = {route.path: route_permission(handler, route.path)
              for route in app.routes for handler in getattr(route, "route_handlers", [])
              if "GET" in handler.http_methods}
    assert set(routes) >= NOT_PAGES, NOT_PAGES - set(routes)  # the list stays true
    return {path: permission for path, permission in routes.items()
            if path not in NOT_PAGES and not path.startswith("/api/")}


def pages_of(role: str, ids: dict) -> list[str]:
    """Every page the role may open (its home first), from the app's GET routes and the
    permission table, each with its examples; anonymous: the public pages. A route without
    an example fails, so a new page is covered by construction."""
    email = DEMO_EMAILS.get(role, "")
    known = examples(ids, email)
    paths = ["/"] if role != "anonymous" else []
    for route, permission in page_routes().items():
        wanted = (permission == permissions.PUBLIC if role == "anonymous"
                  else permission != permissions.PUBLIC
                  and permissions.allows_account(role, True, permission))
        if not wanted:
            continue
        assert route in known, f"no example path for {route}: add one to examples()"
        paths += [path for path in known[route] if path not in paths]
    assert not [path for path in paths if "None" in path], paths
    return paths


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_every_page_of_the_role_fits_a_phone(browser, installation, role):
    address, ids = installation
    context = browser.new_context(base_url=address, locale="en-US", viewport=PHONE,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in_as(page, role)
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

        problems = walk(page, address, pages_of(role, ids))
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_every_public_page_fits_a_phone(browser, installation):
    """Unsigned: the sign-in page, a label's report page, a loan's acknowledgment link."""
    address, ids = installation
    context = browser.new_context(base_url=address, locale="en-US", viewport=PHONE,
                                  is_mobile=True, has_touch=True)
    try:
        paths = pages_of("anonymous", ids)
        assert {"/login", f"/r/{ids['tag']}"} <= set(paths)
        page = context.new_page()
        problems = walk(page, address, paths)
        # An error page too: a label that names no device.
        assert page.goto("/r/NOPE-1").status == 404
        problems += [f"404: {small}" for small in page.evaluate(SMALL_TARGETS)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def walk(page: Page, address: str, paths: list[str]) -> list[str]:
    """Open each path (each must answer its own page, not an error or a redirect): what
    scrolls sideways and the tap targets under 44 px."""
    problems: list[str] = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        assert page.url == address + path, f"{path} went to {page.url}"
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{path} scrolls sideways: {width} px wide")
        problems += [f"{path}: {small}" for small in page.evaluate(SMALL_TARGETS)]
    return problems


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_desktop_home_has_the_full_menu(browser, installation, role):
    address, _ids = installation
    context = browser.new_context(base_url=address, locale="en-US", viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in_as(page, role)
        expect(page.locator(".main-nav")).to_be_visible()
        assert page.locator("nav.bottom-bar").is_hidden()
        expect(page.locator(".main-nav a[href='/account']")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"desktop-home-{role}.png"), full_page=True)
    finally:
        context.close()
