"""The API reference (/api/docs) in Chromium: Swagger UI from the vendored files renders the
served description under the strict Content-Security-Policy, reached from the account page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.accounts.service import DEMO_PASSWORD
from tests.browser.rig import CHROMIUM, chromium, installation_env, inventory, serving

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def test_api_reference_renders_under_the_csp(tmp_path):
    env = installation_env(tmp_path)
    inventory("migrate", env=env)
    inventory("demo", "--assets", "30", env=env)
    with serving(env, tmp_path) as base_url, chromium() as browser:
        context = browser.new_context(base_url=base_url, locale="en-US",
                                      extra_http_headers={"Accept-Language": "en"})
        context.set_default_timeout(15_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda message: problems.append(message.text)
                if message.type == "error" else None)
        page.goto("/login")
        page.get_by_label("Email").fill("admin@brenneville.example")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/account")
        page.get_by_role("link", name="API reference").click()
        expect(page).to_have_url(f"{base_url}/api/docs")
        # Rendered by Swagger UI from /schema/openapi.json: the operations and their tags.
        expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "Equipment inventory API", timeout=20_000)
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/assets/{tag}/history")
               ).to_be_visible()
        page.locator(".opblock-summary-path", has_text="/api/v1/faults").first.click()
        expect(page.locator(".parameters").first).to_contain_text("status")
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], \
            problems
        assert not problems, problems
        context.close()
