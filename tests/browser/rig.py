"""What every Chromium journey needs: Debian's Chromium, the real `inventory` command of this
checkout (whichever checkout the installed script belongs to), and `inventory serve` started
on a free port of a fresh SQLite installation until it answers /healthz."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from inventory.accounts.service import DEMO_PASSWORD
from inventory.core.settings import PROJECT_ROOT

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PHONE = {"width": 360, "height": 780}
STARTUP_TIMEOUT = 20.0
# The demo's accounts (`inventory demo`), by role, and the heading of each role's home page.
DEMO_EMAILS = {
    "technician": "tech@brenneville.example",
    "director": "direction@brenneville.example",
    "planner": "planif@brenneville.example",
    "administrator": "admin@brenneville.example",
    "viewer": "elu@brenneville.example",
}
HOME_HEADINGS = {"technician": "My fault queue", "director": "Report a problem",
                 "planner": "Dashboard", "administrator": "Dashboard", "viewer": "Dashboard"}


def build(url: str, make: Callable[[], Awaitable[T]]) -> T:
    """Run `make` (a coroutine function building data through tests/factories.py or the
    services) on the installation's database at `url`, before the server starts."""
    from inventory.core import db

    async def run() -> T:
        engine = db.use(db.engine_from_url(url))
        await db.start_pool(engine, size=2)
        try:
            return await make()
        finally:
            await db.close_pool(engine)

    # In a thread of its own: Playwright's sync API may already run a loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(base_url: str) -> int | None:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def installation_env(folder: Path) -> dict[str, str]:
    """A new SQLite installation in `folder`, with no INVENTORY_ setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    env.update(INVENTORY_DATABASE_URL=f"sqlite:///{folder / 'inv.db'}",
               INVENTORY_DATA_DIR=str(folder))
    return env


def inventory(*args: str, env: dict, stdin: str | None = None) -> None:
    """`inventory ARGS` with this checkout's code; fails the test when it fails."""
    done = subprocess.run([sys.executable, "-m", "inventory.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 0, f"inventory {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@contextlib.contextmanager
def serving(env: dict, folder: Path, port: int | None = None) -> Iterator[str]:
    """`inventory serve` on a free port (or `port`, when the installation's public address
    must name it beforehand) until the block ends; yields its base URL."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "inventory.cli", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--no-access-log"], env=env, stdout=log, stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while healthz(base_url) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not become healthy on {base_url}:\n"
                            f"{log_path.read_text()[-4000:]}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def qr_video(path: Path, *texts: str, frames_each: int = 20) -> None:
    """A Y4M video (10 frames a second) showing each text's QR code in turn, `frames_each`
    frames long, for Chromium's fake camera (--use-file-for-fake-video-capture)."""
    import qrcode
    from PIL import Image

    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for text in texts:
            code = qrcode.QRCode(border=4, box_size=8)
            code.add_data(text)
            code.make(fit=True)
            picture = code.make_image().convert("RGB")
            frame = Image.new("RGB", (640, 480), "white")
            side = min(440, picture.size[0])
            frame.paste(picture.resize((side, side)), ((640 - side) // 2, (480 - side) // 2))
            y, cb, cr = frame.convert("YCbCr").split()
            half = (320, 240)
            planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
            for _ in range(frames_each):
                out.write(b"FRAME\n" + planes)


def camera_chromium(browser: Browser, video: Path) -> Browser:
    """A second Chromium from the same Playwright whose (fake) camera shows `video`; the caller
    closes it."""
    return browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])


def sign_in_as(page: Page, role: str) -> None:
    """Sign in on the login page with the demo account of `role`; back when its home shows."""
    page.goto("/login")
    page.get_by_label("Email").fill(DEMO_EMAILS[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=HOME_HEADINGS[role])).to_be_visible()
