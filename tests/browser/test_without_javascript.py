"""The field's work with JavaScript turned off (issue 14: "every page keeps working without
JavaScript; the offline mode is an addition"), in Chromium on a phone: a technician opens a
device by typing its number, logs an intervention, marks it seen, reports a fault on another,
takes the fault and records an audit scan by the typed form; a director reports a problem
in a room. Everything reaches the server, through plain forms and links."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inventory.accounts import permissions
from tests import factories
from tests.browser.rig import CHROMIUM, PHONE, SCREENSHOTS, build, installation_env, inventory, serving

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


async def _made() -> dict:
    await factories.a_installation()
    school = await factories.a_site(name="École Sans Script")
    hall = await factories.a_room(school, name="Salle Bleue")
    kind = await factories.a_category(name="Vidéoprojecteur")
    first = await factories.a_asset(school, kind, room=hall)
    second = await factories.a_asset(school, kind, room=hall)
    return {"site": school["code"], "hall": hall["id"], "first": first["tag"],
            "second": second["tag"],
            "tech": await factories.a_account(permissions.TECHNICIAN),
            "director": await factories.a_account(permissions.DIRECTOR, sites=[school])}


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, Path, dict]]:
    tmp = tmp_path_factory.mktemp("nojs")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    made = build(f"sqlite:///{tmp / 'inv.db'}", _made)
    with serving(env, tmp) as base_url:
        yield base_url, tmp / "inv.db", made


def _phone_without_js(browser, address: str, account: dict) -> tuple:
    context = browser.new_context(base_url=address, viewport=PHONE, is_mobile=True,
                                  has_touch=True, locale="en-US", java_script_enabled=False,
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(account["email"])
    page.get_by_label("Password", exact=True).fill(account["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    return context, page


def _count(database: Path, sql: str, *args) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, args).fetchone()[0]


def _no_script_ran(page: Page) -> None:
    # With JS off no service worker registers: nothing is kept or queued on the phone.
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_a_technicians_day_without_javascript(browser, installation):
    address, database, made = installation
    context, page = _phone_without_js(browser, address, made["tech"])
    # The home's typed tag, as on the label (its number alone).
    page.get_by_label("Or type a tag").fill(str(int(made["first"].rsplit("-", 1)[1])))
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(f"/a/{made['first']}$"))
    _no_script_ran(page)

    page.locator("#interventions summary").click()  # <details>: no script needed
    page.get_by_label("What was done").fill("Filtre nettoyé")
    page.get_by_label("Time spent (minutes)").fill("10")
    page.get_by_role("button", name="Record the intervention").click()
    expect(page).to_have_url(re.compile(f"/a/{made['first']}"))
    page.get_by_role("button", name=re.compile("Seen here")).click()
    expect(page).to_have_url(re.compile(f"/a/{made['first']}"))
    assert _count(database, "SELECT COUNT(*) FROM intervention") == 1
    assert _count(database, "SELECT COUNT(*) FROM asset WHERE tag = ? AND last_seen_on IS NOT "
                            "NULL", made["first"]) == 1

    # A fault on the second device, then taken in hand from its page.
    page.goto(f"/a/{made['second']}")
    page.get_by_role("button", name="Report a problem").click()
    page.locator("input[name=symptom]").first.check()
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(re.compile(r"/faults/\d+"))
    assert _count(database, "SELECT COUNT(*) FROM fault") == 1
    page.screenshot(path=str(SCREENSHOTS / "80-phone-nojs-fault.png"), full_page=True)

    # An inventory audit of the room by the typed form.
    page.goto(f"/sites/{made['site']}/inventory")
    page.get_by_role("button", name="Start a campaign").click()
    page.get_by_label("Room being checked").select_option(str(made["hall"]))
    page.get_by_role("button", name="Check this room").click()
    page.get_by_label("Tag of the device (scan or type)").fill(made["second"])
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(f'#checks li[data-tag="{made["second"]}"]')).to_have_attribute(
        "data-result", "found")
    assert _count(database, "SELECT COUNT(*) FROM campaign_check") == 1
    context.close()


def test_a_director_reports_without_javascript(browser, installation):
    address, database, made = installation
    context, page = _phone_without_js(browser, address, made["director"])
    before = _count(database, "SELECT COUNT(*) FROM fault")
    page.get_by_role("link", name=re.compile("Salle Bleue")).click()
    expect(page).to_have_url(re.compile(r"/faults/new\?room="))
    # The room's open fault (the technician's) comes first: this is another problem.
    expect(page.locator("#another-problem")).to_be_visible()
    page.locator("#another-problem").click()
    page.locator(f'input[name=device][value="{made["first"]}"]').check()
    # The room's form offers every symptom before the device is chosen: the first one
    # ("No image") is not among this kind of device's own, and is taken all the same.
    page.locator("input[name=symptom][value=no_image]").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page).not_to_have_url(re.compile(r"/faults/new"))
    assert _count(database, "SELECT COUNT(*) FROM fault") == before + 1
    assert _count(database, "SELECT COUNT(*) FROM fault f JOIN asset a ON a.id = f.asset "
                            "WHERE a.tag = ?", made["first"]) == 1
    context.close()
