"""An inventory audit by camera (issue 14): Chromium's fake camera plays a video of three
label QR codes, one after the other (made here with the qrcode library), and loops it. The
technician opens the room's audit and starts the camera once: the three labels are recorded
one after another, each once (the video goes round again, and duplicates are ignored), with
the right outcome: found, found here but registered at another school (one tap moves it),
unknown."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.accounts.service import DEMO_PASSWORD
from tests.browser import rig

pytestmark = pytest.mark.browser

if not Path(rig.CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"no Chromium at {rig.CHROMIUM}", allow_module_level=True)

TECHNICIAN = "tech@brenneville.example"
FRAMES_PER_LABEL = 12  # 1.2 s of each label at 10 frames a second


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[tuple[str, Path, dict]]:
    tmp = tmp_path_factory.mktemp("audit")
    env = rig.installation_env(tmp)
    rig.inventory("migrate", env=env)
    rig.inventory("demo", "--assets", "120", env=env)
    with sqlite3.connect(tmp / "inv.db") as conn:
        # A room holding at least one device, a device of another school, and the campaign's
        # site is the room's.
        room, site, site_code = conn.execute(
            "SELECT room.id, room.site, site.code FROM room JOIN site ON site.id = room.site "
            "JOIN asset ON asset.room = room.id WHERE asset.status = 'in_service' "
            "GROUP BY room.id ORDER BY COUNT(*) DESC, room.id LIMIT 1").fetchone()
        here = conn.execute("SELECT tag FROM asset WHERE room = ? AND status = 'in_service' "
                            "ORDER BY tag LIMIT 1", (room,)).fetchone()[0]
        stray, stray_school = conn.execute(
            "SELECT asset.tag, site.name FROM asset JOIN site ON site.id = asset.site "
            "WHERE asset.site <> ? AND asset.status = 'in_service' ORDER BY asset.id LIMIT 1",
            (site,)).fetchone()
        # Another school's room for the audit done offline (its own campaign).
        other_room, other_site, other_code = conn.execute(
            "SELECT room.id, room.site, site.code FROM room JOIN site ON site.id = room.site "
            "JOIN asset ON asset.room = room.id WHERE asset.status = 'in_service' "
            "AND room.site <> ? GROUP BY room.id ORDER BY COUNT(*) DESC, room.id LIMIT 1",
            (site,)).fetchone()
        other_here = conn.execute("SELECT tag FROM asset WHERE room = ? AND status = "
                                  "'in_service' ORDER BY tag LIMIT 1", (other_room,)).fetchone()[0]
    with rig.serving(env, tmp) as address:
        yield address, tmp / "inv.db", {"room": room, "site": site_code, "here": here,
                                        "stray": stray, "stray_school": stray_school,
                                        "other_room": other_room, "other_site": other_code,
                                        "other_here": other_here}


def _technician_with_camera(with_camera, address: str):
    context = with_camera.new_context(base_url=address, locale="en-US",
                                      viewport=rig.PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["camera"], origin=address)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(TECHNICIAN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{address}/")
    return context, page


def test_three_labels_in_a_row_are_recorded_once_each(installation, tmp_path):
    address, database, ids = installation
    unknown = "ZZZ-424242"
    video = tmp_path / "labels.y4m"
    # Label addresses as printed (the public address is the server's here), and a bare tag.
    rig.qr_video(video, f"{address}/a/{ids['here']}", f"{address}/a/{ids['stray']}", unknown,
                 frames_each=FRAMES_PER_LABEL)
    with rig.chromium() as browser:
        with_camera = rig.camera_chromium(browser, video)
        try:
            context, page = _technician_with_camera(with_camera, address)
            page.goto(f"/sites/{ids['site']}/inventory")
            page.get_by_role("button", name="Start a campaign").click()
            page.get_by_label("Room being checked").select_option(str(ids["room"]))
            page.get_by_role("button", name="Check this room").click()
            expect(page.get_by_role("heading", name="What this room should hold")).to_be_visible()
            expected_here = page.locator(f'#expected li[data-tag="{ids["here"]}"]')
            expect(expected_here).to_contain_text("Not seen yet")

            posts: list[str] = []
            page.on("request", lambda r: posts.append(r.post_data or "")
                    if r.method == "POST" and r.url.endswith("/check") else None)
            page.get_by_role("button", name="Scan with the camera").tap()

            checks = page.locator("#checks li[data-tag]")
            expect(checks).to_have_count(3, timeout=30_000)
            # The video goes round at least once more: nothing is sent again.
            page.wait_for_timeout(3 * FRAMES_PER_LABEL * 100 + 1500)
            expect(checks).to_have_count(3)
            assert len(posts) == 3, posts
            found = page.locator(f'#checks li[data-tag="{ids["here"]}"]')
            expect(found).to_have_attribute("data-result", "found")
            expect(expected_here).to_contain_text("Seen")
            elsewhere = page.locator(f'#checks li[data-tag="{ids["stray"]}"]')
            expect(elsewhere).to_have_attribute("data-result", "elsewhere")
            expect(elsewhere).to_contain_text(f"Registered at {ids['stray_school']}")
            expect(page.locator(f'#checks li[data-tag="{unknown}"]')).to_have_attribute(
                "data-result", "unknown")
            page.screenshot(path=str(rig.SCREENSHOTS / "audit-camera-three-labels.png"),
                            full_page=True)

            # One tap moves the stray device here, without leaving the page (camera on).
            elsewhere.get_by_role("button", name=f"Move it here from {ids['stray_school']}").tap()
            expect(page.locator(f'#checks li[data-tag="{ids["stray"]}"]')).to_have_attribute(
                "data-result", "found")
            expect(page.locator("#audit-video")).to_be_visible()
            context.close()
        finally:
            with_camera.close()

    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT tag, result FROM campaign_check ORDER BY tag").fetchall()
        room_of_stray = conn.execute("SELECT room FROM asset WHERE tag = ?",
                                     (ids["stray"],)).fetchone()[0]
    assert sorted(rows) == sorted([(ids["here"], "found"), (ids["stray"], "found"),
                                   (unknown, "unknown")])
    assert room_of_stray == ids["room"]


def test_the_camera_scans_in_a_basement_without_signal(installation, tmp_path):
    """The same audit by camera, the school taken offline first: the scans are kept on the
    phone, each shown as waiting (the decoder and the room's page are kept), and reach the
    server once each when the connection returns."""
    address, database, ids = installation
    unknown = "ZZZ-515151"
    video = tmp_path / "labels.y4m"
    rig.qr_video(video, f"{address}/a/{ids['other_here']}", f"{address}/a/{ids['here']}",
                 unknown, frames_each=FRAMES_PER_LABEL)
    with rig.chromium() as browser:
        with_camera = rig.camera_chromium(browser, video)
        try:
            context, page = _technician_with_camera(with_camera, address)
            page.goto(f"/sites/{ids['other_site']}/inventory")
            page.get_by_role("button", name="Start a campaign").click()
            expect(page).to_have_url(re.compile(r"/inventory/\d+$"))
            audit = int(page.url.rsplit("/", 1)[1])
            # At the office: the school kept on the phone (its audit in progress included).
            page.goto(f"/sites/{ids['other_site']}")
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            page.locator("#offline-take button").click()
            expect(page.locator("#offline-take .offline-progress")).to_contain_text(
                "Kept on this phone", timeout=60_000)

            context.set_offline(True)
            page.goto(f"/inventory/{audit}?room={ids['other_room']}")
            expect(page.locator("#offline-banner")).to_contain_text("Kept copy from")
            page.get_by_role("button", name="Scan with the camera").tap()
            checks = page.locator("#checks li[data-tag]")
            expect(checks).to_have_count(3, timeout=30_000)
            page.wait_for_timeout(3 * FRAMES_PER_LABEL * 100 + 1500)  # round again: no more
            expect(checks).to_have_count(3)
            for tag in (ids["other_here"], ids["here"], unknown):
                line = page.locator(f'#checks li[data-tag="{tag}"]')
                expect(line).to_have_attribute("data-result", "queued")
                expect(line).to_contain_text("Waiting to send")
            expect(page.locator("#offline-banner")).to_contain_text("3 actions waiting to send")
            page.screenshot(path=str(rig.SCREENSHOTS / "audit-camera-offline.png"),
                            full_page=True)
            with sqlite3.connect(database) as conn:
                assert conn.execute("SELECT COUNT(*) FROM campaign_check WHERE campaign = ?",
                                    (audit,)).fetchone()[0] == 0

            context.set_offline(False)
            page.goto("/offline")
            expect(page.locator("#offline-queue li[data-state=sent][data-kind=check]")
                   ).to_have_count(3, timeout=30_000)
            context.close()
        finally:
            with_camera.close()

    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT tag, result FROM campaign_check WHERE campaign = ?",
                            (audit,)).fetchall()
    assert sorted(rows) == sorted([(ids["other_here"], "found"), (ids["here"], "elsewhere"),
                                   (unknown, "unknown")])
