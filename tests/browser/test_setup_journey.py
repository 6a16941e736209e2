"""A new installation in real Chromium (SQLite only): the first administrator signs in, is
sent to the set-up, answers it on a phone-sized and a desktop screen (a loopback public
address is warned about and confirmed), lands on the dashboard; the scan page then refuses
to open another installation's label, read by the (fake) camera. Screenshots land in
tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser import rig
from tests.browser.rig import PHONE, SCREENSHOTS, installation_env, inventory, serving

pytestmark = pytest.mark.browser

ADMIN = "dsi@villebois.example"
PASSWORD = "Villebois-premier-jour-2026"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`inventory serve` on a new, empty installation with one administrator."""
    tmp = tmp_path_factory.mktemp("setup")
    env = installation_env(tmp)
    inventory("migrate", env=env)
    inventory("createuser", ADMIN, "--role", "administrator", "--password-stdin", env=env,
              stdin=PASSWORD + "\n")
    with serving(env, tmp) as base_url:
        yield base_url


def _sign_in(page, language: str = "en") -> None:
    page.goto("/login")
    words = {"en": ("Email", "Password", "Sign in"),
             "fr": ("E-mail", "Mot de passe", "Se connecter")}[language]
    page.get_by_label(words[0], exact=True).fill(ADMIN)
    page.get_by_label(words[1], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words[2]).click()


def test_first_sign_in_setup_on_phone_and_desktop(browser, server):
    # Phone, in French (the default language): the set-up fits a 360 px screen.
    phone = browser.new_context(base_url=server, viewport=PHONE, is_mobile=True,
                                has_touch=True, locale="fr-FR")
    page = phone.new_page()
    _sign_in(page, "fr")
    expect(page).to_have_url(f"{server}/setup")
    expect(page.get_by_role("heading", name="Mise en route du service")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "30-phone-setup.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    desktop = browser.new_context(base_url=server, viewport=DESKTOP, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"})
    page = desktop.new_page()
    _sign_in(page)
    expect(page).to_have_url(f"{server}/setup")
    # The address the page is reached at is proposed, with the warning phones need.
    expect(page.get_by_label("Public address")).to_have_value(server)
    expect(page.locator(".field-warning")).to_contain_text("only works on the computer")
    page.screenshot(path=str(SCREENSHOTS / "31-desktop-setup.png"), full_page=True)
    page.get_by_label("Organisation name").fill("Commune de Villebois")
    page.get_by_label("Your name").fill("Camille Roux")
    page.get_by_role("checkbox", name="Serveur de stockage (NAS)").uncheck()
    page.get_by_role("button", name="Save and start").click()
    # Not confirmed: refused, next to the field, nothing lost.
    expect(page.locator("#e-base_url")).to_contain_text("only works on the computer")
    expect(page.get_by_label("Organisation name")).to_have_value("Commune de Villebois")
    page.get_by_label(f"I understand: use {server} anyway.").check()
    page.get_by_role("button", name="Save and start").click()
    expect(page).to_have_url(f"{server}/?welcome=1")
    expect(page.locator("#welcome")).to_contain_text("The service is set up.")
    # Categories are there for the first device; the tag prefix came from the name.
    page.goto("/assets/new")
    expect(page.locator("#first-steps")).to_contain_text("No site yet")
    assert page.locator("#f-category option", has_text="PC portable").count() == 1
    page.goto("/admin/settings")
    expect(page.get_by_label("Tag prefix")).to_have_value("VIL")
    page.screenshot(path=str(SCREENSHOTS / "32-desktop-settings.png"), full_page=True)
    # Signing in again goes where it was going: the set-up is done.
    desktop.clear_cookies()
    _sign_in(page)
    expect(page).to_have_url(f"{server}/")
    desktop.close()


def test_scan_page_refuses_another_installations_label(browser, server, tmp_path):
    foreign = "https://inventaire.autre-commune.example/a/VIL-000001"
    video = tmp_path / "foreign.y4m"
    rig.qr_video(video, foreign)
    with_camera = rig.camera_chromium(browser, video)
    try:
        context = with_camera.new_context(base_url=server, viewport=PHONE, is_mobile=True,
                                          has_touch=True, locale="en-US",
                                          extra_http_headers={"Accept-Language": "en"})
        context.grant_permissions(["camera"], origin=server)
        page = context.new_page()
        _sign_in(page)
        page.goto("/scan")
        # The rule itself, as the page's script applies it.
        assert page.evaluate("(text) => window.inventoryScan.target(text)", foreign) == \
            {"elsewhere": foreign}
        assert page.evaluate(f"window.inventoryScan.target('{server}/a/VIL-000001')") == \
            {"open": "/a/VIL-000001"}
        # A label of another installation read by the camera: said, with its address.
        page.get_by_role("button", name="Start the camera").tap()
        expect(page.locator("#scan-status")).to_contain_text("another installation",
                                                             timeout=15_000)
        expect(page.locator("#scan-status")).to_contain_text(foreign)
        assert page.url == f"{server}/scan"
        page.screenshot(path=str(SCREENSHOTS / "33-phone-scan-foreign-label.png"),
                        full_page=True)
        # The typed path (no JavaScript needed) says the same.
        page.goto("/scan?tag=" + quote(foreign, safe=""))
        expect(page.locator("#scan-foreign")).to_contain_text(foreign)
        context.close()
    finally:
        with_camera.close()
