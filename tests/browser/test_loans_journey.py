"""A tablet lent from its scan page on a 360-pixel phone (issue 16): a technician registers a
councillor, scans the tablet (typing its tag on the scan page), lends it; the email with the
acknowledgment link goes through the outbox to a real SMTP server (aiosmtpd); the councillor
opens the link without an account and accepts; the tablet's page then shows its holder."""

from __future__ import annotations

import email
import re
import sqlite3
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from inventory.accounts.service import DEMO_PASSWORD
from inventory.core.settings import PROJECT_ROOT
from tests.browser.rig import (
    CHROMIUM,
    PHONE,
    SCREENSHOTS,
    chromium,
    free_port,
    installation_env,
    inventory,
    serving,
)

pytestmark = pytest.mark.browser

if not __import__("pathlib").Path(CHROMIUM).exists():  # pragma: no cover
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

FLUSH = """
import asyncio, os
from inventory.core import db
from inventory.notifications import outbox, smtp

async def main():
    engine = db.use(db.engine_from_url(os.environ["INVENTORY_DATABASE_URL"]))
    await db.start_pool(engine, size=1)
    try:
        await outbox.flush(smtp.parse_smtp_url(os.environ["INVENTORY_SMTP_URL"]))
    finally:
        await db.close_pool(engine)

asyncio.run(main())
"""


def test_lend_a_tablet_from_the_scan_page_and_accept_by_the_emailed_link(tmp_path):
    from aiosmtpd.controller import Controller

    from tests.test_notifications import Inbox

    inbox, smtp_port, port = Inbox(), free_port(), free_port()
    env = installation_env(tmp_path)
    env.update(INVENTORY_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
               INVENTORY_BASE_URL=f"http://127.0.0.1:{port}")
    inventory("migrate", env=env)
    inventory("demo", "--assets", "60", env=env)
    with sqlite3.connect(tmp_path / "inv.db") as conn:
        tag = conn.execute(
            "SELECT a.tag FROM asset a JOIN category c ON c.id = a.category "
            "JOIN site s ON s.id = a.site WHERE a.status = 'in_service' "
            "ORDER BY c.code LIKE 'TAB%' DESC, a.id LIMIT 1").fetchone()[0]
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with serving(env, tmp_path, port) as address, chromium() as browser:
            phone = browser.new_context(base_url=address, locale="en-US", viewport=PHONE,
                                        is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.goto("/login")
            page.get_by_label("Email").fill("tech@brenneville.example")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(re.compile(r"/$"))

            page.goto("/people/new")
            page.get_by_label("Name").fill("Camille Essai")
            page.get_by_label("Roles or mandates (one per line)").fill(
                "Conseillère municipale\nConseillère communautaire")
            page.get_by_label("Email").fill("camille@conseil.example")
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_role("heading", name="Camille Essai")).to_be_visible()

            page.goto("/scan")
            page.locator("#f-tag").fill(tag)
            page.locator("#f-tag").press("Enter")
            expect(page).to_have_url(re.compile(rf"/a/{tag}$"))
            page.get_by_role("button", name="Lend the device").click()
            page.get_by_label("Lent to").select_option(label="Camille Essai")
            page.get_by_label("For the term of office").check()
            page.get_by_label("Accessories (one per line)").fill("Chargeur\nÉtui")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=str(SCREENSHOTS / "loan-360.png"), full_page=True)
            page.get_by_role("button", name="Lend the device").click()
            expect(page.get_by_text("The device is lent.")).to_be_visible()
            expect(page.get_by_text("not acknowledged yet")).to_be_visible()

            # The outbox sends the link through the SMTP server (the service's own minute
            # job may get there first: either way it is sent once).
            subprocess.run([sys.executable, "-c", FLUSH], env=env, cwd=PROJECT_ROOT,
                           check=True, timeout=60)
            deadline = time.monotonic() + 10
            mine: list[str] = []
            while not mine and time.monotonic() < deadline:
                time.sleep(0.1)
                mine = [m for to, m in inbox.messages if to == ["camille@conseil.example"]]
            message, = mine  # once (the demo's own notifications go to its staff)
            body = email.message_from_string(message).get_payload(decode=True).decode()
            link = re.search(r"http://127\.0\.0\.1:\d+/loans/acknowledge/\S+", body).group(0)

            councillor = browser.new_context(locale="en-US", viewport=PHONE, is_mobile=True,
                                             has_touch=True).new_page()
            councillor.goto(link)
            expect(councillor.get_by_text(tag)).to_be_visible()
            councillor.get_by_role("button", name="I received this device").click()
            expect(councillor.get_by_text("Your acknowledgment is recorded.")).to_be_visible()

            page.goto(f"/a/{tag}")
            expect(page.get_by_role("link", name="Camille Essai")).to_be_visible()
            expect(page.get_by_text("not acknowledged yet")).to_have_count(0)
            page.screenshot(path=str(SCREENSHOTS / "loan-holder-360.png"), full_page=True)
    finally:
        controller.stop()
