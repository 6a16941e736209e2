"""axe-core (vendored in tests/browser/vendor, never served) on the pages a person meets
first (issue 14): each role's home, /scan, a device's page, the audit of a room and the
"waiting to send" page (/offline), on a phone and on a desktop; and the offline pages as a
technician meets them in a basement: a kept device page and the waiting page shown by the
service worker without a network. No serious or critical violation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import rig

pytestmark = pytest.mark.browser

if not Path(rig.CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {rig.CHROMIUM}", allow_module_level=True)

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
# What axe reports that a person is stopped by: the two worst of its four impacts.
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: "
                                        + (n.failureSummary || "").replace(/\\s+/g, " "))}));
}"""


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    tmp = tmp_path_factory.mktemp("axe")
    env = rig.installation_env(tmp)
    rig.inventory("migrate", env=env)
    rig.inventory("demo", "--assets", "120", env=env)
    with sqlite3.connect(tmp / "inv.db") as conn:
        tag = conn.execute("SELECT tag FROM asset WHERE status = 'in_service' AND room IS NOT NULL "
                           "ORDER BY id LIMIT 1").fetchone()[0]
        room, site = conn.execute("SELECT room.id, site.code FROM asset JOIN room ON room.id = "
                                  "asset.room JOIN site ON site.id = room.site WHERE asset.tag = ?",
                                  (tag,)).fetchone()
    with rig.serving(env, tmp) as address:
        yield address, {"tag": tag, "room": room, "site": site}


def blocking_violations(page: Page) -> list[dict]:
    # The page's strict CSP forbids injected scripts: the test context bypasses it (the
    # application's own scripts are unchanged).
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("role", list(rig.DEMO_EMAILS))
def test_first_pages_have_no_serious_violation(browser, installation, role, viewport):
    address, ids = installation
    context = browser.new_context(
        base_url=address, locale="en-US", bypass_csp=True,
        **({"viewport": rig.PHONE, "is_mobile": True, "has_touch": True}
           if viewport == "phone" else {"viewport": DESKTOP}))
    page = context.new_page()
    try:
        rig.sign_in_as(page, role)
        pages = ["/", "/offline"]
        if role in ("technician", "administrator"):
            page.goto(f"/sites/{ids['site']}/inventory")
            page.locator("form[action$='/inventory'] button[type=submit]").click()
            audit = page.url.split("?")[0] + f"?room={ids['room']}"
            pages += ["/scan", f"/a/{ids['tag']}", audit]
        elif role == "director":
            pages += ["/scan"]
        found = {}
        for path in pages:
            page.goto(path)
            if "/inventory/" in path:  # the audit with lines in its list (audit.js adds them)
                for tag in (ids["tag"], "ZZZ-000001"):
                    page.get_by_label("Tag of the device (scan or type)").fill(tag)
                    page.get_by_role("button", name="Record").click()
                    expect(page.locator(f'#checks li[data-tag="{tag}"]')).to_be_visible()
            if violations := blocking_violations(page):
                found[path] = violations
        assert not found, found
    finally:
        context.close()


def test_offline_pages_have_no_serious_violation(browser, installation):
    """A technician takes the school offline, loses the network and opens a kept device's
    page, then the waiting page: as the service worker serves them."""
    address, ids = installation
    context = browser.new_context(base_url=address, locale="en-US", bypass_csp=True,
                                  viewport=rig.PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        rig.sign_in_as(page, "technician")
        page.goto(f"/sites/{ids['site']}")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        take = page.locator("#offline-take")
        take.get_by_role("button", name="Take this site offline").click()
        expect(take.locator(".offline-progress")).to_contain_text("Kept on this phone",
                                                                  timeout=60_000)
        context.set_offline(True)
        found = {}
        page.goto(f"/a/{ids['tag']}")
        expect(page.locator("#offline-banner")).to_contain_text("Kept copy from")
        if violations := blocking_violations(page):
            found["kept /a/TAG"] = violations
        page.goto("/offline")
        expect(page.locator("h1")).to_be_visible()
        if violations := blocking_violations(page):
            found["offline /offline"] = violations
        assert not found, found
    finally:
        context.set_offline(False)
        context.close()
