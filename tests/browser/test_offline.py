"""Offline field work in a real Chromium (issue 14): a technician takes a school offline at the
office, loses the network (`context.set_offline(True)`), opens a kept device by typing its
tag on /scan, logs an intervention, marks another device seen, reports a fault and moves a
third device that another account moves meanwhile. Back online, the three actions reach the
server once each, and the conflicting move is shown with both versions, not lost. An
inventory audit is carried on offline too, room by room, its scans sent once each.

The data is made with tests/factories.py in the installation's SQLite file, then the real
`inventory serve` runs on it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory.accounts import permissions
from tests import factories
from tests.browser.rig import (
    CHROMIUM,
    PHONE,
    SCREENSHOTS,
    build,
    installation_env,
    inventory,
    serving,
)

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


async def _made() -> dict:
    """The school, its rooms and devices, two technicians: through the services."""
    await factories.a_installation()
    school = await factories.a_site(name="École du Sous-Sol")
    hall = await factories.a_room(school, name="Salle A")
    lab = await factories.a_room(school, name="Salle B")
    store = await factories.a_room(school, name="Réserve")
    kind = await factories.a_category(name="Vidéoprojecteur")
    devices = [await factories.a_asset(school, kind, room=hall) for _ in range(3)]
    tech = await factories.a_account(permissions.TECHNICIAN)
    other = await factories.a_account(permissions.TECHNICIAN)
    # A second school, for an inventory audit done offline.
    audited = await factories.a_site(name="Collège des Caves")
    north = await factories.a_room(audited, name="Salle Nord")
    south = await factories.a_room(audited, name="Salle Sud")
    in_north = await factories.a_asset(audited, kind, room=north)
    in_south = await factories.a_asset(audited, kind, room=south)
    return {"site": school["code"], "hall": hall["id"], "lab": lab["id"],
            "store": store["id"], "tags": [d["tag"] for d in devices],
            "tech": tech, "other": other, "audited": audited["code"],
            "north": north["id"], "in_north": in_north["tag"],
            "in_south": in_south["tag"]}


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, Path, dict]]:
    tmp = tmp_path_factory.mktemp("offline")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    made = build(f"sqlite:///{tmp / 'inv.db'}", _made)
    with serving(env, tmp) as base_url:
        yield base_url, tmp / "inv.db", made


def _rows(database: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, args).fetchall()


def _sign_in(page: Page, account: dict) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(account["email"])
    page.get_by_label("Password", exact=True).fill(account["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _waiting(page: Page, n: int) -> None:
    text = "1 action waiting to send" if n == 1 else f"{n} actions waiting to send"
    expect(page.locator("#offline-banner")).to_contain_text(text)


def _technician_phone(browser: Browser, address: str, made: dict):
    """A phone's browser context (English), the technician signed in."""
    context = browser.new_context(base_url=address, viewport=PHONE, is_mobile=True,
                                  has_touch=True, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, made["tech"])
    return context, page


def _take_offline(page: Page, site: str) -> None:
    """"Take this site offline" on the site's page, once the service worker runs it."""
    page.goto(f"/sites/{site}")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.locator("#offline-take button").click()
    expect(page.locator("#offline-take .offline-progress")).to_contain_text(
        "Kept on this phone", timeout=60_000)


def _log_intervention(page: Page, tag: str, notes: str) -> None:
    page.goto(f"/a/{tag}")
    page.locator("#interventions summary").click()
    page.get_by_label("What was done").fill(notes)
    page.get_by_role("button", name="Record the intervention").click()


def test_a_basement_without_signal(browser, installation):
    address, database, made = installation
    first, second, third = made["tags"]
    context, page = _technician_phone(browser, address, made)

    # At the office: take the school offline.
    page.goto(f"/sites/{made['site']}")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    take = page.locator("#offline-take")
    expect(take).to_be_visible()
    take.get_by_role("button", name="Take this site offline").click()
    expect(take.locator(".offline-progress")).to_contain_text("Kept on this phone",
                                                              timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "60-phone-site-kept.png"), full_page=True)

    # In the basement.
    context.set_offline(True)
    page.goto("/scan")
    expect(page.locator("#offline-banner")).to_contain_text("Kept copy from")
    # A kept device by its number alone, as on the label.
    page.get_by_label("Or type the tag").fill(str(int(first.rsplit("-", 1)[1])))
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(f"/a/{first}$"))
    expect(page.locator("h1")).to_contain_text("Vidéoprojecteur")
    expect(page.locator("#offline-banner")).to_contain_text("this page may have changed")

    # Log an intervention.
    page.locator("#interventions summary").click()
    page.get_by_label("What was done").fill("Lampe remplacée au sous-sol")
    page.get_by_label("Time spent (minutes)").fill("25")
    page.get_by_role("button", name="Record the intervention").click()
    expect(page).to_have_url(re.compile(f"/a/{first}\\?queued=1"))
    _waiting(page, 1)

    # Mark the second one seen here.
    page.goto("/scan")
    page.get_by_label("Or type the tag").fill(second)
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(f"/a/{second}$"))
    page.get_by_role("button", name=re.compile("Seen here")).click()
    _waiting(page, 2)

    # Report a fault on the first.
    page.goto(f"/a/{first}")
    page.get_by_role("button", name="Report a problem").click()
    page.locator("input[name=symptom]").first.check()
    page.get_by_role("button", name="Send the report").click()
    _waiting(page, 3)

    # Move the third to another room...
    page.goto(f"/a/{third}/move")
    page.locator("select[name=room]").select_option(str(made["lab"]))
    page.locator("main form button[type=submit]").click()
    _waiting(page, 4)
    page.screenshot(path=str(SCREENSHOTS / "61-phone-offline-queued.png"), full_page=True)
    # ... which another account moves elsewhere meanwhile, online.
    office = browser.new_context(base_url=address, locale="en-US",
                                 extra_http_headers={"Accept-Language": "en"})
    other = office.new_page()
    _sign_in(other, made["other"])
    other.goto(f"/a/{third}/move")
    other.locator("select[name=room]").select_option(str(made["store"]))
    other.locator("main form button[type=submit]").click()
    expect(other).to_have_url(re.compile(f"/a/{third}$"))
    office.close()

    # Nothing reached the server while offline.
    assert _rows(database, "SELECT COUNT(*) FROM intervention")[0][0] == 0
    assert _rows(database, "SELECT COUNT(*) FROM fault")[0][0] == 0
    assert _rows(database, "SELECT last_seen_on FROM asset WHERE tag = ?", second)[0][0] is None

    # Back up: the queue goes out in order.
    context.set_offline(False)
    page.goto("/offline")
    conflict = page.locator("#offline-queue li[data-state=conflict]")
    expect(conflict).to_have_count(1, timeout=30_000)
    expect(page.locator("#offline-queue li[data-state=sent]")).to_have_count(3)
    expect(conflict).to_contain_text("What you saw")
    expect(conflict.locator(".target")).to_contain_text("Move to: Salle B")
    expect(conflict.locator(".you-saw")).to_contain_text("Salle A")
    expect(conflict.locator(".now")).to_contain_text("Réserve")
    page.screenshot(path=str(SCREENSHOTS / "62-phone-offline-conflict.png"), full_page=True)

    def applied() -> tuple:
        return (_rows(database, "SELECT COUNT(*) FROM intervention i JOIN asset a ON "
                                "a.id = i.asset WHERE a.tag = ?", first)[0][0],
                _rows(database, "SELECT COUNT(*) FROM fault f JOIN asset a ON a.id = f.asset "
                                "WHERE a.tag = ?", first)[0][0],
                _rows(database, "SELECT COUNT(*) FROM audit_record WHERE entity_key = ? AND "
                                "action = 'seen'", second)[0][0])

    assert applied() == (1, 1, 1)
    assert _rows(database, "SELECT notes, minutes_spent FROM intervention")[0] == (
        "Lampe remplacée au sous-sol", 25)
    # The other account's move stands: the phone's did not overwrite it.
    assert _rows(database, "SELECT room FROM asset WHERE tag = ?", third)[0][0] == made["store"]
    # Sending again (a lost answer, a second tab) applies nothing twice.
    page.evaluate("window.inventoryOfflinePage.sync()")
    page.reload()
    expect(page.locator("#offline-queue li[data-state=conflict]")).to_have_count(1)
    assert applied() == (1, 1, 1)

    # The technician decides: their move, over the current version.
    page.locator("#offline-queue li[data-state=conflict]").get_by_role(
        "button", name="Send anyway").click()
    expect(page.locator("#offline-queue li[data-state=sent]")).to_have_count(4)
    assert _rows(database, "SELECT room FROM asset WHERE tag = ?", third)[0][0] == made["lab"]
    context.close()


def test_the_queue_waits_for_the_same_person(browser, installation):
    """Signed out while actions wait: they stay on the phone, are not sent for someone else,
    and go once the same person signs in again."""
    address, database, made = installation
    tag = made["tags"][1]
    context = browser.new_context(base_url=address, viewport=PHONE, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, made["tech"])
    _take_offline(page, made["site"])
    before = _rows(database, "SELECT COUNT(*) FROM intervention")[0][0]
    context.set_offline(True)
    _log_intervention(page, tag, "Câble rebranché")
    _waiting(page, 1)
    # The session ends (expired, or signed out elsewhere) while offline.
    context.clear_cookies()
    context.set_offline(False)
    page.goto("/login")
    _sign_in(page, made["other"])  # someone else on this phone: not theirs to send
    page.goto("/offline")
    expect(page.locator("#offline-queue")).to_contain_text("Nothing waiting")
    assert _rows(database, "SELECT COUNT(*) FROM intervention")[0][0] == before
    page.locator(".bottom-bar details.more summary").click()  # the phone's menu
    page.locator(".bottom-bar form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile("/login"))
    _sign_in(page, made["tech"])
    page.goto("/offline")
    expect(page.locator("#offline-queue li[data-state=sent]")).to_have_count(1, timeout=30_000)
    assert _rows(database, "SELECT COUNT(*) FROM intervention")[0][0] == before + 1
    context.close()


def test_an_audit_in_the_basement(browser, installation):
    """An inventory audit started at the office, its school taken offline; in the basement
    the room's kept page takes label after label (as audit.js sends the camera's scans),
    each shown as waiting; back up, each scan is recorded once, found or elsewhere as the
    server says."""
    address, database, made = installation
    context, page = _technician_phone(browser, address, made)
    page.goto(f"/sites/{made['audited']}/inventory")
    page.get_by_role("button", name="Start a campaign").click()
    expect(page).to_have_url(re.compile(r"/inventory/\d+$"))
    audit = int(page.url.rsplit("/", 1)[1])
    _take_offline(page, made["audited"])

    context.set_offline(True)
    page.goto(f"/inventory/{audit}?room={made['north']}")
    expect(page.locator("#offline-banner")).to_contain_text("Kept copy from")
    expect(page.locator("#audit-scan")).to_be_visible()  # audit.js runs on the kept copy
    unknown = "ZZZ-000777"
    for n, tag in enumerate([made["in_north"], made["in_south"], unknown], start=1):
        page.get_by_label("Tag of the device (scan or type)").fill(tag)
        page.get_by_role("button", name="Record", exact=True).click()
        line = page.locator(f'#checks li[data-tag="{tag}"]')
        expect(line).to_have_attribute("data-result", "queued")
        expect(line).to_contain_text("Waiting to send")
        _waiting(page, n)
    expect(page.locator(f'#checks li[data-tag="{made["in_south"]}"]')).to_contain_text(
        "Registered in: Salle Sud")
    expect(page.locator(f'#expected li[data-tag="{made["in_north"]}"]')).to_contain_text("Seen")
    page.screenshot(path=str(SCREENSHOTS / "63-phone-offline-audit.png"), full_page=True)
    assert _rows(database, "SELECT COUNT(*) FROM campaign_check")[0][0] == 0

    context.set_offline(False)
    page.goto("/offline")
    expect(page.locator("#offline-queue li[data-state=sent][data-kind=check]")).to_have_count(
        3, timeout=30_000)
    recorded = "SELECT tag, result FROM campaign_check WHERE campaign = ? ORDER BY tag"
    want = sorted([(made["in_north"], "found"), (made["in_south"], "elsewhere"),
                   (unknown, "unknown")])
    assert sorted(_rows(database, recorded, audit)) == want
    page.evaluate("window.inventoryOfflinePage.sync()")  # sent again: nothing twice
    page.goto(f"/inventory/{audit}?room={made['north']}")
    expect(page.locator("#checks li[data-tag]")).to_have_count(3)
    assert sorted(_rows(database, recorded, audit)) == want
    context.close()


def test_signing_out_offline_keeps_the_queue_for_the_next_sign_in(browser, installation):
    """The technician signs out in the basement with an action waiting: the phone says the
    action is kept; back online the sign-out reaches the server (the session ends), and the
    action is sent once they sign in again, and only then."""
    address, database, made = installation
    tag = made["tags"][0]
    context, page = _technician_phone(browser, address, made)
    _take_offline(page, made["site"])
    before = _rows(database, "SELECT COUNT(*) FROM intervention")[0][0]
    context.set_offline(True)
    _log_intervention(page, tag, "Vidéoprojecteur dépoussiéré")
    _waiting(page, 1)
    page.locator(".bottom-bar details.more summary").click()
    page.locator(".bottom-bar form[action='/logout'] button").click()
    expect(page.locator("body")).to_contain_text("The actions not sent yet are kept")
    # Back up: the first page shown ends the server's session too, and nothing is sent.
    context.set_offline(False)
    page.goto("/")
    expect(page).to_have_url(re.compile("/login"))
    page.goto("/")
    expect(page).to_have_url(re.compile("/login"))  # the session is over on the server
    assert _rows(database, "SELECT COUNT(*) FROM intervention")[0][0] == before
    _sign_in(page, made["tech"])
    page.goto("/offline")
    expect(page.locator("#offline-queue li[data-state=sent]")).to_have_count(1, timeout=30_000)
    assert _rows(database, "SELECT notes FROM intervention ORDER BY id DESC LIMIT 1")[0][0] == \
        "Vidéoprojecteur dépoussiéré"
    assert _rows(database, "SELECT COUNT(*) FROM intervention")[0][0] == before + 1
    context.close()
