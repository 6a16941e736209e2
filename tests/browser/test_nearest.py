"""A technician's fault queue, nearest site first (issue 14), in a real Chromium: the phone
gives its position (Playwright's geolocation, permission granted), near.js asks the home
again with it, and the queue's schools come by distance; the choice is remembered on the
phone until "Sort by site"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.accounts import permissions
from tests import factories
from tests.browser.rig import CHROMIUM, PHONE, SCREENSHOTS, build, installation_env, inventory, serving

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

HERE = {"latitude": 47.2150, "longitude": 2.5650}  # where the phone is


async def _made() -> dict:
    await factories.a_installation()
    # By name, Alpha comes first; by distance from HERE, Zulu (300 m) before Alpha
    # (12 km); Mike has no position: last when sorted by distance.
    alpha = await factories.a_site(name="École Alpha", latitude="47.3200", longitude="2.5650")
    zulu = await factories.a_site(name="École Zulu", latitude="47.2177", longitude="2.5650")
    mike = await factories.a_site(name="École Mike")
    for site in (alpha, zulu, mike):
        await factories.a_fault(await factories.a_asset(site))
    return {"tech": await factories.a_account(permissions.TECHNICIAN)}


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    tmp = tmp_path_factory.mktemp("nearest")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    made = build(f"sqlite:///{tmp / 'inv.db'}", _made)
    with serving(env, tmp) as base_url:
        yield base_url, made


def _schools(page) -> list[str]:
    return [re.sub(r"\s*·.*$", "", text).strip()
            for text in page.locator("h3.site-name").all_inner_texts()]


def test_the_queue_comes_nearest_site_first(browser, installation):
    address, made = installation
    context = browser.new_context(base_url=address, viewport=PHONE, is_mobile=True,
                                  has_touch=True, locale="en-US", geolocation=HERE,
                                  permissions=["geolocation"],
                                  extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(made["tech"]["email"])
    page.get_by_label("Password", exact=True).fill(made["tech"]["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    # In site order first (no position asked without the person's say).
    assert _schools(page) == ["École Alpha", "École Mike", "École Zulu"]

    page.get_by_role("button", name="Nearest sites first").click()
    expect(page).to_have_url(re.compile(r"/\?near=47\.215\d*,2\.565\d*$"))
    expect(page.locator("#near-on")).to_contain_text("Nearest sites first")
    assert _schools(page) == ["École Zulu", "École Alpha", "École Mike"]
    headings = page.locator("h3.site-name").all_inner_texts()
    assert "0.3 km" in headings[0] and "11.7 km" in headings[1], headings
    page.screenshot(path=str(SCREENSHOTS / "70-phone-queue-nearest.png"), full_page=True)

    # Remembered on this phone: the home asks the position again by itself.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/\?near="))
    assert _schools(page)[0] == "École Zulu"
    # "Sort by site" forgets it.
    page.locator("#near-off").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.wait_for_load_state("load")
    page.goto("/")
    page.wait_for_timeout(500)  # time enough for near.js to have redirected, were it to
    expect(page).to_have_url(re.compile(r"/$"))
    assert _schools(page) == ["École Alpha", "École Mike", "École Zulu"]
    context.close()
